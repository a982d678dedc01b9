"""A province deployment (JIEFEN_AREA=33): a province analyst drills 浙江省 → 湖州市 → 德清县 in the
built PWA, and at each step the risk list holds only the opened region's warnings.

The registry is the 湖州 city demo plus the province, its 11 cities and 杭州's 上城区 (regions,
organisations, mediators; tests/provincetools.py) — the whole province takes minutes to seed.
Cases, all filed through sync: three neighbour disputes in one 德清 village this week (a spike), an
open group dispute in 长兴 and one in 上城区.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.conftest import DIST, LiveServer, serve
from server.db import Database
from server.migrate import upgrade
from server.registry.seed import seed_demo
from server.settings import Settings
from tests import provincetools as pt
from tests.synctools import Device

DEQING_VILLAGE = "330521001001"
CHANGXING_VILLAGE = "330522001008"
HUZHOU, DEQING = "330500000000", "330521000000"


@pytest.fixture(scope="module")
def province_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    if not (DIST / "index.html").is_file():
        pytest.fail(f"{DIST / 'index.html'} is missing: run `make pwa`")
    tmp: Path = tmp_path_factory.mktemp("province")
    url_db = f"sqlite:///{tmp / 'province.sqlite3'}"
    upgrade(url_db)
    db = Database(url_db)
    seed_demo(db, area="3305")
    (shangcheng,) = pt.add_counties(db, (pt.HANGZHOU_COUNTY,))
    pt.add_staff(db, "prov_analyst", "analyst", "330000000000")
    db.dispose()
    with serve(
        lambda base: Settings(
            database_url=url_db, pwa_dist=DIST, var_dir=tmp / "var", base_url=base, area="33"
        )
    ) as live:
        with live.client() as http:
            filings = [(DEQING_VILLAGE, "neighbor", 1)] * 3 + [
                (CHANGXING_VILLAGE, None, 6),
                (shangcheng, None, 8),
            ]
            for region, category, applicants in filings:
                r = http.post("/api/v1/devices")
                dev = Device(http, {"Authorization": f"Bearer {r.json()['token']}"})  # type: ignore[arg-type]
                key = f"p{os.urandom(6).hex()}"
                extra: dict[str, Any] = {"category": category} if category else {}
                dev.file_case(key, "隔壁装修天天敲到半夜", region=region, applicants=applicants, **extra)
                assert dev.sync()["rejected"] == []
        yield live


@pytest.fixture
def page(
    browser: Browser, province_server: LiveServer, browser_context_args: dict[str, Any]
) -> Iterator[Page]:
    context = browser.new_context(**{**browser_context_args, "base_url": province_server.url})
    yield context.new_page()
    context.close()


def risk_places(page: Page) -> list[str]:
    return [t.strip() for t in page.get_by_test_id("cockpit-risk-where").all_inner_texts()]


def test_the_province_analyst_drills_city_county_town_and_the_risks_follow(page: Page) -> None:
    page.goto("/login")
    page.get_by_test_id("login-username").fill("prov_analyst")
    page.get_by_test_id("login-password").fill(pt.PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto("/cockpit")

    # 浙江省: a row per city, named by the server; every warning of the province, placed in its city.
    cities = page.get_by_test_id("cockpit-city-row")
    expect(cities).to_have_count(11)
    huzhou = page.locator(f'[data-testid="cockpit-city-row"][data-region="{HUZHOU}"]')
    expect(huzhou.locator("th")).to_have_text("湖州市")
    expect(huzhou.locator("td").first).to_have_text("4")
    hangzhou = page.locator('[data-testid="cockpit-city-row"][data-region="330100000000"]')
    expect(hangzhou.locator("td").first).to_have_text("1")
    expect(page.get_by_test_id("cockpit-risk")).to_have_count(3)
    expect(page.get_by_test_id("cockpit-risks")).to_contain_text("杭州市 · 上城区 · ")
    expect(page.get_by_test_id("cockpit-risks")).to_contain_text("湖州市 · 德清县 · ")

    # 湖州市: its five counties and townships, no city table; 上城区's warning is gone.
    huzhou.get_by_test_id("cockpit-city-pick").click()
    expect(page.locator(".ck-sub")).to_contain_text("湖州市")
    expect(page.get_by_test_id("cockpit-city-table")).to_have_count(0)
    expect(page.get_by_test_id("cockpit-county-row")).to_have_count(5)
    expect(page.get_by_test_id("cockpit-risk")).to_have_count(2)
    places = risk_places(page)
    assert not any("上城区" in p for p in places), places
    assert any(p.startswith("德清县 · ") for p in places) and any(p.startswith("长兴县 · ") for p in places)

    # 德清县: its townships, its three cases, only its own spike.
    page.locator(f'[data-testid="cockpit-county-row"][data-region="{DEQING}"]').get_by_test_id(
        "cockpit-county-pick"
    ).click()
    expect(page.locator(".ck-sub")).to_contain_text("德清县")
    expect(page.get_by_test_id("cockpit-county-table")).to_have_count(0)
    expect(page.locator('[data-testid="cockpit-card"][data-key="total"] .ck-value')).to_have_text("3")
    towns = page.get_by_test_id("cockpit-town-row")
    expect(towns.first).to_be_visible()
    assert all((r.get_attribute("data-region") or "").startswith("330521") for r in towns.all())
    wukang = page.locator('[data-testid="cockpit-town-row"][data-region="330521001000"]')
    expect(wukang.locator("td").first).to_have_text("3")
    risks = page.get_by_test_id("cockpit-risk")
    expect(risks).to_have_count(1)
    expect(risks.first).to_have_attribute("data-type", "spike")

    # One level up: 湖州市 again; then the whole province.
    page.get_by_test_id("cockpit-up").click()
    expect(page.get_by_test_id("cockpit-county-row")).to_have_count(5)
    expect(page.get_by_test_id("cockpit-risk")).to_have_count(2)
    page.get_by_test_id("cockpit-whole").click()
    expect(page.get_by_test_id("cockpit-city-row")).to_have_count(11)
    expect(page.get_by_test_id("cockpit-risk")).to_have_count(3)
