"""Whoever holds a case QR sees its progress, with names masked; a wrong token sees nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from e2e.conftest import CHROMIUM_ARGS, VILLAGE_ORG_NAME, FiledCase, LiveServer
from e2e.y4m import qr_y4m


def trace_url(base: str, case: FiledCase, token: str | None = None) -> str:
    return f"{base}/t/{case.code}#k={token or case.token}"


def expect_masked_progress(page: Page, case: FiledCase) -> None:
    expect(page.get_by_test_id("trace-code")).to_have_text(case.code)
    expect(page.get_by_test_id("trace-status")).to_have_attribute("data-status", "assigned")
    expect(page.get_by_test_id("trace-status")).to_contain_text("已分派")
    expect(page.get_by_test_id("trace-org")).to_have_text(VILLAGE_ORG_NAME)
    parties = page.get_by_test_id("trace-parties")
    expect(parties).to_contain_text("申请人：张*")
    expect(parties).to_contain_text("对方：李*")
    expect(parties).to_contain_text("****5678")
    expect(parties).not_to_contain_text("张三丰")
    expect(parties).not_to_contain_text("13812345678")
    expect(page.get_by_test_id("trace-timeline-item").first).to_contain_text("已提交")


@pytest.fixture
def camera_browser(
    launch_browser: Callable[..., Browser], tmp_path: Path, live_server: LiveServer
) -> Iterator[Callable[[str], Browser]]:
    """A browser of its own whose (fake) camera films a QR code: launch flags are browser-wide."""
    opened: list[Browser] = []

    def launch(text: str) -> Browser:
        y4m = qr_y4m(text, tmp_path / "qr.y4m")
        browser = launch_browser(
            args=[
                *CHROMIUM_ARGS,
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={y4m}",
            ]
        )
        opened.append(browser)
        return browser

    yield launch
    for b in opened:
        b.close()


def test_scanning_a_case_qr_with_the_camera_opens_its_progress(
    camera_browser: Callable[[str], Browser],
    browser_context_args: dict[str, Any],
    file_case_api: Callable[..., FiledCase],
    live_server: LiveServer,
) -> None:
    case = file_case_api()
    browser = camera_browser(trace_url(live_server.url, case))
    context = browser.new_context(**browser_context_args)
    context.grant_permissions(["camera"])
    page = context.new_page()
    page.goto("/")
    page.get_by_test_id("nav-scan").click()
    expect(page.get_by_test_id("page-scan")).to_be_visible()
    # no BarcodeDetector in Chromium on Linux: the bundled jsQR decodes the camera frames
    assert page.evaluate("typeof BarcodeDetector") == "undefined"
    expect(page.get_by_test_id("page-trace")).to_be_visible()
    assert page.url == trace_url(live_server.url, case)
    expect_masked_progress(page, case)
    context.close()


def test_trace_page_needs_the_right_token(
    context: BrowserContext, page: Page, file_case_api: Callable[..., FiledCase], live_server: LiveServer
) -> None:
    case = file_case_api()
    page.goto(trace_url(live_server.url, case))
    expect_masked_progress(page, case)
    expect(page.get_by_test_id("trace-follow")).to_be_visible()

    # offline, the last answer stays readable with the same QR ...
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    context.set_offline(True)
    page.reload()
    expect(page.get_by_test_id("trace-cached")).to_be_visible()
    expect(page.get_by_test_id("trace-status")).to_have_attribute("data-status", "assigned")
    context.set_offline(False)

    # ... and a wrong token gets the same answer as an unknown code: nothing about the case
    wrong = "A" * 22
    page.goto(trace_url(live_server.url, case, wrong))
    expect(page.get_by_test_id("trace-error")).to_contain_text("未找到")
    expect(page.get_by_test_id("trace-card")).to_have_count(0)
    expect(page.get_by_test_id("trace-parties")).to_have_count(0)
    expect(page.get_by_test_id("page-trace")).not_to_contain_text("张*")


def test_following_a_case_lists_its_public_progress_only(
    page: Page, file_case_api: Callable[..., FiledCase], live_server: LiveServer
) -> None:
    """Follow = trace view: My cases lists the followed case's status; its device holds no party."""
    case = file_case_api()
    page.goto(trace_url(live_server.url, case))
    expect_masked_progress(page, case)
    page.get_by_test_id("trace-follow").click()
    expect(page.get_by_test_id("trace-following")).to_be_visible()
    page.goto("/cases")
    item = page.get_by_test_id("followed-item")
    expect(item).to_have_attribute("data-code", case.code)
    expect(page.get_by_test_id("followed-item-status")).to_have_attribute("data-status", "assigned")
    held = page.evaluate(
        """() => new Promise((ok) => {
            const rq = indexedDB.open("jiefen");
            rq.onsuccess = () => {
              const all = rq.result.transaction("records").objectStore("records").getAll();
              all.onsuccess = () => ok(all.result.map((r) => r.entity));
            };
          })"""
    )
    assert set(held) == {"trace"}
    item.click()
    expect_masked_progress(page, case)
    # A follower's notification links /t/{code} (the server never holds the token): the token this
    # device kept when it followed opens the same masked page.
    page.goto(f"{live_server.url}/t/{case.code}")
    expect_masked_progress(page, case)
