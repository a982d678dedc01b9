"""Issue #10, findings 2 and 3 through the real server and the built PWA.

- A poster for a village the deployment does not serve, or a QR code of another deployment, is
  refused on the phone with a Chinese message; nothing is remembered, nothing is filed.
- A case the server refuses (here: a code whose year is impossible) says why on the phone and never
  reads 已同步.
- The buttons a mediator, an org admin, an admin and a court clerk see are exactly the moves the
  server's workflow table allows them (pwa/src/generated/shared.json, written by the server).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from e2e.conftest import VILLAGE, FiledCase, LiveServer, login_headers, staff_login, wait_offline_ready
from server.qr.qr import case_qr_png
from tests.synctools import Device


def test_a_poster_for_a_village_not_served_is_refused_in_words(page: Page) -> None:
    page.goto("/?v=999999999999")
    wait_offline_ready(page)
    problem = page.get_by_test_id("poster-problem")
    expect(problem).to_contain_text("999999999999")
    expect(problem).to_contain_text("不在本平台的服务范围内")
    expect(page.get_by_test_id("home-village")).to_have_count(0)
    page.get_by_test_id("nav-file").click()
    expect(page.get_by_test_id("file-village")).to_have_value("")
    # only villages of the list are offered: no option carries the poster's code
    expect(page.locator('[data-testid="file-village"] option[value="999999999999"]')).to_have_count(0)


def test_a_qr_code_of_another_deployment_is_refused_when_scanned(page: Page, tmp_path: Any) -> None:
    page.goto("/")
    wait_offline_ready(page)
    png = tmp_path / "poster.png"
    png.write_bytes(case_qr_png("https://other-county.example/?v=330523001001"))
    page.goto("/scan")
    page.get_by_test_id("scan-file").set_input_files(str(png))
    result = page.get_by_test_id("scan-result")
    expect(result).to_have_attribute("data-kind", "foreign")
    expect(result).to_contain_text("other-county.example")
    expect(result).to_contain_text("本平台无法受理")
    assert page.evaluate("() => new URLSearchParams(location.search).get('v')") is None


def move(http: httpx.Client, live: LiveServer, username: str, key: str, to: str, **extra: str) -> None:
    """Make a move through the sync API as ``username``; the server must accept it."""
    dev = Device(http, login_headers(http, username))  # type: ignore[arg-type]
    op = dev.op("case", key, "intent", "transition", {"to": to, **extra})
    body = dev.sync()  # the last page's answer: the op was acked on the first page
    assert not body["rejected"] and op["id"] not in {o["id"] for o in dev.outbox}, body["rejected"]


def buttons(page: Page, key: str, status: str) -> list[str]:
    """The action buttons shown on the case page once it shows ``status``."""
    page.goto(f"/cases/{key}")
    expect(page.get_by_test_id("status-label")).to_have_attribute("data-status", status)
    ids: list[str] = page.locator('[data-testid="case-actions"] [data-testid^="action-"]').evaluate_all(
        "els => els.map(e => e.dataset.testid.slice('action-'.length))"
    )
    return sorted(ids)


def test_each_role_sees_exactly_the_moves_the_server_allows(
    new_context: Callable[..., Any],
    file_case_api: Callable[..., FiledCase],
    http: httpx.Client,
    live_server: LiveServer,
) -> None:
    case = file_case_api("邻居把柴堆在我家门口，说了几次都不搬")
    mediator = new_context().new_page()
    staff_login(mediator, "village_mediator")
    # assigned: accept or decline (and pause the clock, correct the category); nothing else
    assert buttons(mediator, case.key, "assigned") == ["accept", "correct-category", "decline", "pause"]

    move(http, live_server, "village_mediator", case.key, "accepted")
    assert buttons(mediator, case.key, "accepted") == [
        "correct-category",
        "escalate",
        "fail",
        "pause",
        "resolve",
    ]

    move(http, live_server, "village_mediator", case.key, "resolved", agreement="柴堆三日内搬走。")
    assert buttons(mediator, case.key, "resolved") == ["request-confirmation"]
    admin = new_context().new_page()
    staff_login(admin, "admin")
    # an admin acts as an org admin, and org admins do not apply for 司法确认
    assert buttons(admin, case.key, "resolved") == []

    move(http, live_server, "village_mediator", case.key, "confirmation_requested")
    court = new_context().new_page()
    staff_login(court, "court")
    assert buttons(court, case.key, "confirmation_requested") == ["confirm-ruling", "deny-confirmation"]
    # the trace page and the app read the same label
    expect(court.get_by_test_id("status-label")).to_have_text("已申请司法确认")


def test_a_case_the_server_refuses_reads_so_never_synced(page: Page) -> None:
    """A phone whose date is years wrong makes a case code with an impossible year; the server
    refuses the whole case, and the phone says why instead of 已同步."""
    page.clock.set_fixed_time(datetime(2019, 6, 1, 10, 0, tzinfo=UTC))
    page.goto(f"/?v={VILLAGE}")
    wait_offline_ready(page)
    page.get_by_test_id("nav-file").click()
    page.get_by_test_id("file-summary").fill("邻居在我家地头堆了建筑垃圾")
    page.get_by_test_id("file-other-name").fill("王大锤")
    page.get_by_test_id("file-my-name").fill("陈小梅")
    expect(page.get_by_test_id("file-village")).to_have_value(VILLAGE)
    page.get_by_test_id("file-submit").click()
    expect(page.get_by_test_id("page-qr")).to_be_visible()
    # the code is drawn a moment after the QR screen opens ("…" until then)
    expect(page.get_by_test_id("case-code")).to_have_text(re.compile(r"^JF-330522-2019-[0-9A-Z]{7}$"))
    code = page.get_by_test_id("case-code").inner_text()

    page.get_by_test_id("qr-done").click()
    refused = page.get_by_test_id("case-refused")
    expect(refused).to_be_visible()
    expect(refused.get_by_test_id("case-code")).to_have_text(code)
    expect(refused.get_by_test_id("case-failure").first).to_contain_text("年份 2019 不可能")
    expect(refused.get_by_test_id("case-sync")).to_have_attribute("data-state", "rejected")
    page.goto("/cases")
    item = page.locator(f'[data-testid="case-item"][data-code="{code}"]')
    expect(item.get_by_test_id("case-item-sync")).to_have_attribute("data-state", "rejected")
    expect(item).not_to_contain_text("已同步")
