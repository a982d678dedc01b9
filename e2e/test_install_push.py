"""The app can be installed to the home screen, and a Web Push reaches the service worker and opens
the case it is about."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, BrowserType, CDPSession, Page, expect

from e2e.conftest import VILLAGE, LiveServer, wait_offline_ready
from e2e.test_offline_filing import file_from_form


def poll(page: Page, fn: Any, what: str, timeout_ms: int = 10_000) -> Any:
    """Re-evaluate ``fn()`` (a CDP query: nothing to wait on in the page) until it is truthy."""
    waited = 0
    while waited <= timeout_ms:
        value = fn()
        if value:
            return value
        page.wait_for_timeout(100)
        waited += 100
    raise AssertionError(f"timed out waiting for {what}")


def test_home_page_meets_install_criteria(
    browser_type: BrowserType,
    browser_type_launch_args: dict[str, Any],
    live_server: LiveServer,
    tmp_path: Path,
) -> None:
    # ordinary Playwright contexts are incognito (never installable): use a persistent profile
    context = browser_type.launch_persistent_context(
        str(tmp_path / "profile"), **browser_type_launch_args, base_url=live_server.url, locale="zh-CN"
    )
    try:
        page = context.pages[0] if context.pages else context.new_page()
        page.goto("/")
        wait_offline_ready(page)
        cdp = context.new_cdp_session(page)
        last: list[Any] = []

        def installable() -> bool:
            last[:] = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
            return last == []

        poll(page, installable, f"no installability errors (last: {last})")

        manifest = cdp.send("Page.getAppManifest")
        assert manifest["url"] == f"{live_server.url}/manifest.webmanifest"
        assert manifest["errors"] == []
        data = json.loads(manifest["data"])
        assert data["name"] == "解纷" and data["short_name"] == "解纷"
        assert data["lang"] == "zh-CN" and data["display"] == "standalone"
        maskable = [i for i in data["icons"] if "maskable" in i.get("purpose", "")]
        assert maskable and maskable[0]["sizes"] == "512x512"
        icon = page.request.get(maskable[0]["src"])
        assert icon.ok and icon.headers["content-type"] == "image/png"
        assert icon.body()[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        context.close()


def registration_id(page: Page, cdp: CDPSession, scope: str) -> str:
    found: dict[str, str] = {}

    def seen(event: dict[str, Any]) -> None:
        for r in event["registrations"]:
            if r["scopeURL"] == scope and not r.get("isDeleted"):
                found["id"] = r["registrationId"]

    cdp.on("ServiceWorker.workerRegistrationUpdated", seen)
    cdp.send("ServiceWorker.enable")
    return str(poll(page, lambda: found.get("id"), "the service worker registration"))


def test_push_shows_a_notification_and_its_click_opens_the_case(
    context: BrowserContext, page: Page, live_server: LiveServer
) -> None:
    base = live_server.url
    context.grant_permissions(["notifications"], origin=base)
    page.goto(f"/?v={VILLAGE}")
    wait_offline_ready(page)
    key = file_from_form(page, "邻居家空调外机正对我家窗户，噪音很大")
    code = page.get_by_test_id("case-code").inner_text()
    page.get_by_test_id("qr-done").click()
    expect(page.get_by_test_id("case-sync")).to_have_attribute("data-state", "synced")
    page.goto("/")
    expect(page.get_by_test_id("page-home")).to_be_visible()

    cdp = context.new_cdp_session(page)
    rid = registration_id(page, cdp, f"{base}/")
    # the shape server/notify/webpush.py NotificationText.to_payload() sends
    payload = {
        "v": "1",
        "kind": "assignment",
        "title": f"新案件待受理：{code}",
        "body": "【邻里纠纷】邻居家空调外机正对我家窗户，噪音很大",
        "url": f"/cases/{key}",
        "tag": f"case:{key}",
    }
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": base, "registrationId": rid, "data": json.dumps(payload, ensure_ascii=False)},
    )
    shown = """async (tag) => {
        const reg = await navigator.serviceWorker.ready;
        return (await reg.getNotifications({ tag })).map(n => ({
            title: n.title, body: n.body, tag: n.tag, url: n.data && n.data.url, lang: n.lang }));
    }"""
    appeared = page.evaluate(
        """async (tag) => {  // the worker shows it asynchronously: look again until it is there
            const reg = await navigator.serviceWorker.ready;
            for (const end = Date.now() + 10000; Date.now() < end; ) {
                if ((await reg.getNotifications({ tag })).length) return true;
                await new Promise((r) => setTimeout(r, 50));
            }
            return false;
        }""",
        f"case:{key}",
    )
    assert appeared, "no notification was shown"
    [note] = page.evaluate(shown, f"case:{key}")
    assert note == {
        "title": payload["title"],
        "body": payload["body"],
        "tag": payload["tag"],
        "url": payload["url"],
        "lang": "zh-CN",
    }

    # CDP cannot click a notification. The worker runs its real notificationclick handler on a shown
    # notification when asked by message, only on an install whose IndexedDB meta.debug is true.
    page.evaluate(
        """() => new Promise((ok, fail) => {
            const open = indexedDB.open("jiefen");
            open.onerror = () => fail(open.error);
            open.onsuccess = () => {
                const tx = open.result.transaction("meta", "readwrite");
                tx.objectStore("meta").put(true, "debug");
                tx.oncomplete = () => { open.result.close(); ok(); };
                tx.onerror = () => fail(tx.error);
            };
        })"""
    )
    how = page.evaluate(
        """(tag) => new Promise((ok) => {
            navigator.serviceWorker.addEventListener("message", (e) => {
                if (e.data && e.data.type === "DEBUG_NOTIFICATION_CLICKED") ok(e.data.how);
            });
            navigator.serviceWorker.controller.postMessage({ type: "DEBUG_NOTIFICATION_CLICK", tag });
        })""",
        f"case:{key}",
    )
    assert how == "focused"  # an app window was open: it was focused and routed to the case
    expect(page.get_by_test_id("page-case")).to_be_visible()
    assert page.url == f"{base}/cases/{key}"
    expect(page.get_by_test_id("case-code")).to_have_text(code)
    assert page.evaluate(shown, f"case:{key}") == []  # the click closed the notification
