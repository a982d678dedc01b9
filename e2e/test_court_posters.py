"""After mediation: the court clerk confirms an agreement or files a lawsuit. And village posters."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import BrowserContext, Page, expect
from pypdf import PdfReader

from e2e.conftest import VILLAGE, FiledCase, login_headers, staff_login
from tests.synctools import Device


def move(case: FiledCase, by: Device | None, to: str, **extra: str) -> None:
    """Send a transition intent through the API, as the filer's device (``by=None``) or staff."""
    dev = by or case.device
    dev.op("case", case.key, "intent", "transition", {"to": to, **extra})
    body = dev.sync()
    assert not body["rejected"], body["rejected"]


def test_court_confirms_an_agreement_and_files_a_lawsuit(
    new_context: Callable[..., BrowserContext],
    file_case_api: Callable[..., FiledCase],
    http: httpx.Client,
) -> None:
    mediator = Device(http, login_headers(http, "village_mediator"))  # type: ignore[arg-type]
    agreed = file_case_api("邻居借了我家三轮车一直不还，还弄坏了")
    move(agreed, mediator, "accepted")
    move(agreed, mediator, "resolved", agreement="对方修好三轮车并于本周内归还。")
    failed = file_case_api("对门养的狗咬伤了我家孩子，对方不肯赔医药费")
    move(failed, mediator, "accepted")
    move(failed, mediator, "failed", reason="对方拒绝赔偿")
    move(failed, None, "filing_requested")

    # the mediator asks for judicial confirmation on the parties' behalf
    med = new_context().new_page()
    staff_login(med, "village_mediator")
    med.goto(f"/cases/{agreed.key}")
    expect(med.get_by_test_id("status-label")).to_have_attribute("data-status", "resolved")
    med.get_by_test_id("action-request-confirmation").click()
    expect(med.get_by_test_id("case-sync")).to_have_attribute("data-state", "synced")
    expect(med.get_by_test_id("status-label")).to_have_attribute("data-status", "confirmation_requested")

    court = new_context().new_page()
    staff_login(court, "court")
    expect(court.get_by_test_id("page-inbox")).to_be_visible()
    item = court.locator(f'[data-testid="inbox-item"][data-code="{agreed.code}"]')
    expect(item.get_by_test_id("inbox-item-status")).to_have_text("已申请司法确认")
    item.click()
    court.get_by_test_id("action-confirm-ruling").click()
    court.get_by_test_id("ask-text").fill("（2026）浙0522民特123号")
    court.get_by_test_id("ask-confirm").click()
    expect(court.get_by_test_id("case-sync")).to_have_attribute("data-state", "synced")
    expect(court.get_by_test_id("status-label")).to_have_attribute("data-status", "confirmed")
    confirmed = court.locator('[data-testid="timeline-item"][data-event="confirmed"]')
    expect(confirmed).to_contain_text("确认裁定书文号：（2026）浙0522民特123号")
    expect(confirmed.get_by_test_id("timeline-who")).to_contain_text("（法院书记员）")

    court.get_by_test_id("back").click()
    court.goto("/inbox")
    item = court.locator(f'[data-testid="inbox-item"][data-code="{failed.code}"]')
    expect(item.get_by_test_id("inbox-item-status")).to_have_text("已申请诉讼立案")
    item.click()
    expect(court.get_by_test_id("action-confirm-ruling")).to_have_count(0)
    court.get_by_test_id("action-file-docket").click()
    court.get_by_test_id("ask-confirm").click()  # a docket number is required
    expect(court.get_by_test_id("ask-file-docket")).to_be_visible()
    court.get_by_test_id("ask-text").fill("（2026）浙0522民初456号")
    court.get_by_test_id("ask-confirm").click()
    expect(court.get_by_test_id("case-sync")).to_have_attribute("data-state", "synced")
    expect(court.get_by_test_id("status-label")).to_have_attribute("data-status", "filed")
    expect(court.locator('[data-testid="timeline-item"][data-event="filed"]')).to_contain_text(
        "立案案号：（2026）浙0522民初456号"
    )
    # the filer's device learns it on its next sync
    case_view = failed.device
    case_view.sync()
    assert (case_view.view("case", failed.key) or {}).get("status") == "filed"


def pdf_pages(download: Any) -> int:
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"%PDF-")
    return len(PdfReader(io.BytesIO(data)).pages)


def test_admin_and_grid_worker_download_village_posters(
    page: Page, new_context: Callable[..., BrowserContext]
) -> None:
    staff_login(page, "admin")
    page.goto("/")
    page.get_by_test_id("nav-posters").click()
    expect(page.get_by_test_id("page-posters")).to_be_visible()
    page.get_by_test_id("posters-town").select_option(label="雉城街道")
    items = page.get_by_test_id("poster-item")
    village = items.and_(page.locator(f'[data-code="{VILLAGE}"]'))
    expect(village).to_contain_text("雉城社区")
    n_villages = items.count()
    assert n_villages > 5
    with page.expect_download() as one:
        village.get_by_test_id("poster-download").click()
    assert one.value.suggested_filename == f"poster-{VILLAGE}.pdf"
    assert pdf_pages(one.value) == 1
    expect(page.get_by_test_id("posters-status")).to_have_attribute("data-ok", "1")
    with page.expect_download() as town:
        page.get_by_test_id("poster-town-download").click()
    assert town.value.suggested_filename == "poster-330522001000.pdf"
    assert pdf_pages(town.value) == n_villages

    grid = new_context().new_page()
    staff_login(grid, "grid")
    grid.goto("/")
    grid.get_by_test_id("nav-posters").click()
    expect(grid.get_by_test_id("poster-item")).to_have_count(1)
    expect(grid.get_by_test_id("posters-town")).to_have_count(0)
    expect(grid.get_by_test_id("poster-town-download")).to_have_count(0)
    with grid.expect_download() as own:
        grid.get_by_test_id("poster-download").click()
    assert own.value.suggested_filename == f"poster-{VILLAGE}.pdf"
