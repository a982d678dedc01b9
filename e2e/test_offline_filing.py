"""A villager files a dispute with no signal: the code and QR exist at once, survive a reload, and the
case is routed as soon as the phone is back online."""

from __future__ import annotations

import re
from collections.abc import Sequence

from playwright.sync_api import BrowserContext, FilePayload, Page, expect

from e2e.conftest import VILLAGE, VILLAGE_ORG_NAME, wait_offline_ready

SUMMARY = "隔壁装修天天敲到半夜，吵得孩子睡不着"
CODE_RE = re.compile(r"^JF-330522-\d{4}-[0-9A-HJKMNP-TV-Z]{7}$")


def file_from_form(
    page: Page,
    summary: str = SUMMARY,
    other: str = "王大锤",
    suggested: str = "neighbor",
    photos: Sequence[FilePayload] = (),
) -> str:
    """Fill the filing form step by step and submit; returns the case key from the QR screen URL.
    ``suggested``: the category the on-device classifier proposes for the text; ``photos``: evidence
    picked from the gallery."""
    page.get_by_test_id("nav-file").click()
    expect(page.get_by_test_id("page-file")).to_be_visible()
    page.get_by_test_id("file-summary").fill(summary)
    page.get_by_test_id("file-description").fill("晚上十一点以后还在用电钻，沟通过两次没有用。")
    expect(page.get_by_test_id("file-category")).to_have_attribute("data-suggested", suggested)
    page.get_by_test_id("file-other-name").fill(other)
    page.get_by_test_id("file-my-name").fill("陈小梅")
    page.get_by_test_id("file-my-phone").fill("13900001111")
    expect(page.get_by_test_id("file-village")).to_have_value(VILLAGE)
    page.get_by_test_id("file-channel-online").check()
    if photos:
        page.get_by_test_id("file-photos").set_input_files(files=list(photos))
        expect(page.get_by_test_id("file-photo-count")).to_have_attribute("data-count", str(len(photos)))
    page.get_by_test_id("file-submit").click()
    expect(page.get_by_test_id("page-qr")).to_be_visible()
    expect(page.get_by_test_id("case-code")).to_have_text(CODE_RE)  # read from IndexedDB: not instant
    m = re.search(r"/cases/([^/]+)/qr", page.url)
    assert m, page.url
    return m.group(1)


def test_offline_filing_then_sync_routes_the_case(context: BrowserContext, page: Page) -> None:
    page.goto(f"/?v={VILLAGE}")
    # the poster link pre-fills the village (shown by name) and is then dropped from the address bar
    expect(page.get_by_test_id("home-village")).to_contain_text("雉城")
    assert "v=" not in page.url
    wait_offline_ready(page)

    context.set_offline(True)
    expect(page.get_by_test_id("offline-banner")).to_be_visible()
    key = file_from_form(page)

    code = page.get_by_test_id("case-code")
    expect(code).to_have_text(CODE_RE)
    code_text = code.inner_text()
    qr = page.get_by_test_id("case-qr")
    expect(qr).to_have_attribute("data-url", re.compile(rf"/t/{code_text}#k=[A-Za-z0-9_-]{{22}}$"))
    expect(page.get_by_test_id("filed-offline")).to_be_visible()
    expect(page.get_by_test_id("case-sync")).to_have_attribute("data-state", "pending")
    expect(page.get_by_test_id("case-sync")).to_have_text("待同步")

    # still offline: the service worker answers the reload, the case is read from IndexedDB
    response = page.reload()
    assert response is not None and response.from_service_worker
    expect(page.get_by_test_id("case-code")).to_have_text(code_text)
    expect(page.get_by_test_id("case-sync")).to_have_attribute("data-state", "pending")
    page.get_by_test_id("qr-done").click()
    expect(page.get_by_test_id("case-summary")).to_have_text(SUMMARY)
    expect(page.get_by_test_id("status-label")).to_have_attribute("data-status", "draft")

    # back online: the outbox is pushed, the server classifies and routes, the pull brings it back
    context.set_offline(False)
    expect(page.get_by_test_id("case-sync")).to_have_attribute("data-state", "synced")
    expect(page.get_by_test_id("case-sync")).to_have_text("已同步")
    expect(page.get_by_test_id("status-label")).to_have_attribute("data-status", "assigned")
    expect(page.get_by_test_id("status-label")).to_contain_text("已分派")
    expect(page.get_by_test_id("case-org")).to_have_text(VILLAGE_ORG_NAME)
    expect(page.get_by_test_id("case-category")).to_have_text("邻里纠纷")
    timeline = page.get_by_test_id("timeline-item")
    expect(timeline.filter(has_text="已分派")).to_contain_text(VILLAGE_ORG_NAME)

    page.get_by_test_id("back").click()
    item = page.locator(f'[data-testid="case-item"][data-key="{key}"]')
    expect(item.get_by_test_id("case-item-sync")).to_have_attribute("data-state", "synced")
