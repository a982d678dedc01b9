"""Settings a person relies on: English for staff who want it, large text, and phones 360 px wide."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from e2e.conftest import VILLAGE, wait_offline_ready
from e2e.test_offline_filing import file_from_form

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"


def root_font_px(page: Page) -> float:
    return float(page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)"))


def test_english_labels_and_large_text(page: Page) -> None:
    page.goto("/")
    expect(page.get_by_test_id("nav-file")).to_contain_text("我要申请调解")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.get_by_test_id("nav-settings").click()
    page.get_by_test_id("lang-en").click()
    expect(page.get_by_test_id("lang-en")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("h1")).to_have_text("Settings")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_test_id("back").click()
    expect(page.get_by_test_id("nav-file")).to_contain_text("Ask for mediation")
    expect(page.get_by_test_id("nav-login")).to_have_text("Staff login")
    page.reload()  # remembered on this phone
    expect(page.get_by_test_id("nav-cases")).to_contain_text("My cases")

    before = root_font_px(page)
    tile_before = page.get_by_test_id("nav-file").bounding_box()
    page.get_by_test_id("nav-settings").click()
    page.get_by_test_id("large-text").click()
    expect(page.get_by_test_id("large-text")).to_have_attribute("aria-checked", "true")
    page.get_by_test_id("back").click()
    assert root_font_px(page) >= before * 1.2
    tile_after = page.get_by_test_id("nav-file").bounding_box()
    assert tile_before and tile_after and tile_after["height"] > tile_before["height"]

    page.get_by_test_id("nav-settings").click()
    page.get_by_test_id("lang-zh").click()
    expect(page.locator("h1")).to_have_text("设置")


def test_no_sideways_scrolling_at_360_px(page: Page) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"/?v={VILLAGE}")
    wait_offline_ready(page)
    for large in (False, True):
        if large:
            page.get_by_test_id("nav-settings").click()
            page.get_by_test_id("large-text").click()
            page.goto("/")
        assert page.evaluate(NO_SIDEWAYS_SCROLL), "home scrolls sideways"
        page.get_by_test_id("nav-file").click()
        expect(page.get_by_test_id("file-form")).to_be_visible()
        page.get_by_test_id("file-submit").click()  # error messages showing too
        expect(page.get_by_test_id("f-summary-error")).to_be_visible()
        assert page.evaluate(NO_SIDEWAYS_SCROLL), "filing form scrolls sideways"
        page.goto("/")
    key = file_from_form(page, "村东头养猪场的臭味飘到我家，夏天根本没法开窗" * 2, suggested="environment")
    assert page.evaluate(NO_SIDEWAYS_SCROLL), "the QR screen scrolls sideways"
    page.get_by_test_id("qr-done").click()
    expect(page.get_by_test_id("status-label")).to_have_attribute("data-status", "assigned")
    expect(page.get_by_test_id("timeline-item")).to_have_count(2)
    assert key in page.url
    assert page.evaluate(NO_SIDEWAYS_SCROLL), "case detail scrolls sideways"
