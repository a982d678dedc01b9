"""Security headers on the real build (issue #9, finding 8): the app runs under its CSP in
Chromium with no violation reported, on the pages a villager, a mediator and an analyst use."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from e2e.conftest import FiledCase, LiveServer, staff_login

REPORT = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


def violations(page: Page) -> list[str]:
    return list(page.evaluate("window.__csp || []"))


def test_html_carries_the_headers(page: Page, live_server: LiveServer) -> None:
    for path in ("/", "/cases", "/t/JF-330522-2026-000000X"):
        r = page.request.get(f"{live_server.url}{path}")
        h = r.headers
        assert "script-src 'self'" in h["content-security-policy"], path
        assert "frame-ancestors 'none'" in h["content-security-policy"]
        assert h["x-content-type-options"] == "nosniff"
        assert h["referrer-policy"] == "no-referrer"
        assert h["x-frame-options"] == "DENY"


def test_the_app_runs_under_its_csp(
    page: Page, file_case_api: Callable[..., FiledCase], live_server: LiveServer
) -> None:
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    page.add_init_script(REPORT)
    case = file_case_api()
    page.goto("/")
    expect(page.get_by_test_id("nav-file")).to_be_visible()
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.get_by_test_id("nav-file").click()
    page.goto("/cases")
    page.goto(f"/t/{case.code}#k={case.token}")
    expect(page.get_by_test_id("trace-status")).to_be_visible()
    page.get_by_test_id("trace-follow").click()
    expect(page.get_by_test_id("trace-following")).to_be_visible()
    assert violations(page) == []
    staff_login(page, "village_mediator")
    page.goto("/inbox")
    expect(page.get_by_test_id("page-inbox")).to_be_visible()
    assert violations(page) == []
    staff_login(page, "analyst")
    page.goto("/cockpit")
    expect(page.locator("canvas, svg").first).to_be_visible(timeout=20_000)
    page.wait_for_timeout(500)
    assert violations(page) == []
    assert console == []
    # the policy is enforced and the listener hears it: an injected inline script is refused
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1';"
        " document.head.appendChild(s); }"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.__ran") is None
    assert any(v.startswith("script-src") for v in violations(page))
