"""A city deployment (JIEFEN_AREA=3305, the 湖州 demo): the city's analyst opens the cockpit and
reads one row per county — 长兴县 and 德清县 among them, named by the server's registry — and each
risk warning says which county it lies in."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.conftest import DEMO_PASSWORD, DIST, LiveServer, serve
from server.db import Database
from server.migrate import upgrade
from server.registry.seed import seed_demo
from server.settings import Settings
from tests.synctools import Device

DEQING_VILLAGE = "330521001001"
CHANGXING_VILLAGE = "330522001008"


@pytest.fixture(scope="module")
def city_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The 湖州 city demo, with three neighbour disputes in one 德清 village this week (a spike)
    and one in 长兴."""
    if not (DIST / "index.html").is_file():
        pytest.fail(f"{DIST / 'index.html'} is missing: run `make pwa`")
    tmp: Path = tmp_path_factory.mktemp("city")
    url_db = f"sqlite:///{tmp / 'city.sqlite3'}"
    upgrade(url_db)
    db = Database(url_db)
    seed_demo(db, area="3305")
    db.dispose()
    with serve(
        lambda base: Settings(
            database_url=url_db, pwa_dist=DIST, var_dir=tmp / "var", base_url=base, area="3305"
        )
    ) as live:
        with live.client() as http:
            for region in (DEQING_VILLAGE, DEQING_VILLAGE, DEQING_VILLAGE, CHANGXING_VILLAGE):
                r = http.post("/api/v1/devices")
                dev = Device(http, {"Authorization": f"Bearer {r.json()['token']}"})  # type: ignore[arg-type]
                key = f"c{os.urandom(6).hex()}"
                dev.file_case(key, "隔壁装修天天敲到半夜", region=region, category="neighbor")
                assert dev.sync()["rejected"] == []
        yield live


@pytest.fixture
def city_page(
    browser: Browser, city_server: LiveServer, browser_context_args: dict[str, Any]
) -> Iterator[Page]:
    context = browser.new_context(**{**browser_context_args, "base_url": city_server.url})
    yield context.new_page()
    context.close()


def login(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(DEMO_PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(lambda url: "/login" not in url)


def test_the_city_analyst_reads_a_row_per_county(city_page: Page, city_server: LiveServer) -> None:
    login(city_page, "analyst")
    city_page.goto("/cockpit")
    rows = city_page.get_by_test_id("cockpit-county-row")
    expect(rows).to_have_count(5)  # the five counties of 湖州, as the server lists them
    deqing = city_page.locator('[data-testid="cockpit-county-row"][data-region="330521000000"]')
    changxing = city_page.locator('[data-testid="cockpit-county-row"][data-region="330522000000"]')
    expect(deqing.locator("th")).to_have_text("德清县")
    expect(changxing.locator("th")).to_have_text("长兴县")
    expect(deqing.locator("td").first).to_have_text("3")
    expect(changxing.locator("td").first).to_have_text("1")
    spike = city_page.locator('[data-testid="cockpit-risk"][data-type="spike"]')
    expect(spike.get_by_test_id("cockpit-risk-where")).to_contain_text("德清县 · ")


def test_a_county_analyst_reads_no_county_table(city_page: Page, city_server: LiveServer) -> None:
    with city_server.client() as http:  # the server's answer the page reads
        r = http.post("/api/v1/auth/login", json={"username": "analyst_330522", "password": DEMO_PASSWORD})
        body = http.get("/api/v1/cockpit/summary", headers={"Authorization": f"Bearer {r.json()['token']}"})
        assert body.json()["counties"] == []
    login(city_page, "analyst_330522")
    city_page.goto("/cockpit")
    expect(city_page.get_by_test_id("cockpit-town-table")).to_be_visible()
    expect(city_page.get_by_test_id("cockpit-county-table")).to_have_count(0)
    expect(city_page.get_by_test_id("cockpit-risk")).to_have_count(0)  # 德清's spike is not 长兴's


def test_the_city_analyst_opens_one_county_and_comes_back(city_page: Page, city_server: LiveServer) -> None:
    login(city_page, "analyst")
    city_page.goto("/cockpit")
    expect(city_page.get_by_test_id("cockpit-county-row")).to_have_count(5)
    city_page.locator('[data-testid="cockpit-county-row"][data-region="330521000000"]').get_by_test_id(
        "cockpit-county-pick"
    ).click()
    # 德清县's own view: its townships only, its three cases, no county table.
    expect(city_page.get_by_test_id("cockpit-county-table")).to_have_count(0)
    expect(city_page.locator(".ck-sub")).to_contain_text("德清县")
    towns = city_page.get_by_test_id("cockpit-town-row")
    expect(towns.first).to_be_visible()
    regions = [r.get_attribute("data-region") or "" for r in towns.all()]
    assert regions and all(r.startswith("330521") for r in regions)
    expect(city_page.locator('[data-testid="cockpit-card"][data-key="total"] .ck-value')).to_have_text("3")
    city_page.get_by_test_id("cockpit-whole").click()
    expect(city_page.get_by_test_id("cockpit-county-row")).to_have_count(5)
