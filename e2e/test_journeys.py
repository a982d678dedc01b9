"""Whole journeys at 360 px through the real server and the built PWA (issue #10), nothing stubbed
at the seam: a villager files offline with a photo and the mediator opens it; a decline reads as a
move to the township; resolve → 司法确认 → court; a deploy under an installed app."""

from __future__ import annotations

import io
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import BrowserContext, FilePayload, Page, Route, expect

from e2e.conftest import (
    DIST,
    TOWN_ORG_NAME,
    VILLAGE,
    VILLAGE_ORG_NAME,
    LiveServer,
    serve,
    staff_login,
    wait_offline_ready,
)
from e2e.test_mediator_flow import file_online
from e2e.test_offline_filing import file_from_form
from server.migrate import upgrade
from server.settings import Settings

CHUNK = 256 * 1024


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """A cheap phone: 360 px wide."""
    return {**browser_context_args, "viewport": {"width": 360, "height": 740}}


def noisy_photo() -> bytes:
    """A camera-like PNG whose on-device JPEG (≤ 1280 px) is larger than two upload chunks."""
    img = Image.frombytes("RGB", (1600, 1200), os.urandom(1600 * 1200 * 3))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


OPEN_DB = """(() => new Promise((ok) => {
  const r = indexedDB.open("jiefen");
  r.onsuccess = () => ok(r.result);
}))"""


def uploaded(page: Page, key: str) -> bool:
    """Whether the phone has marked the case's one photo as fully uploaded (its IndexedDB row)."""
    done: bool = page.evaluate(
        """async (key) => {
          const db = await ${OPEN}();
          const rows = await new Promise((ok) => {
            const r = db.transaction("blobs").objectStore("blobs").getAll();
            r.onsuccess = () => ok(r.result);
          });
          db.close();
          return rows.length === 1 && rows[0].case === key && rows[0].done === true;
        }""".replace("${OPEN}", OPEN_DB),
        key,
    )
    return done


def test_a_photo_taken_offline_reaches_the_mediator(
    context: BrowserContext,
    page: Page,
    new_context: Callable[..., BrowserContext],
    live_server: LiveServer,
) -> None:
    page.goto(f"/?v={VILLAGE}")
    wait_offline_ready(page)
    context.set_offline(True)
    photo: FilePayload = {"name": "evidence.png", "mimeType": "image/png", "buffer": noisy_photo()}
    key = file_from_form(page, "邻居的空调外机正对我家窗户，噪音很大", photos=[photo])
    code = page.get_by_test_id("case-code").inner_text()

    # back online: the case syncs first, then the photo (a 1280 px JPEG made on the phone, several
    # chunks; resuming after a cut is pinned by pwa/tests/sync.test.ts against the same protocol)
    context.set_offline(False)
    page.get_by_test_id("qr-done").click()
    expect(page.get_by_test_id("case-sync")).to_have_attribute("data-state", "synced")
    expect(page.get_by_test_id("status-label")).to_have_attribute("data-status", "assigned")
    parts = live_server.settings.var_dir / "blobs"
    deadline = time.monotonic() + 60
    while not uploaded(page, key):
        assert time.monotonic() < deadline, "the photo never finished uploading"
        time.sleep(0.2)
    assert not list(parts.glob("*/*.part"))  # resumed and completed: the partial file became the photo

    staff = new_context().new_page()
    staff_login(staff, "village_mediator")
    staff.locator(f'[data-testid="inbox-item"][data-code="{code}"]').click()
    expect(staff.get_by_test_id("case-org")).to_have_text(VILLAGE_ORG_NAME)
    evidence = staff.get_by_test_id("case-evidence")
    expect(evidence).to_have_attribute("data-count", "1")
    photo = evidence.locator("img")
    expect(photo).to_be_visible()
    assert photo.evaluate("img => img.decode().then(() => img.naturalWidth)") == 1280
    # tapping it opens the photo large
    photo.click()
    expect(staff.get_by_test_id("evidence-viewer").locator("img")).to_be_visible()
    assert re.match(
        r"^blob:", staff.get_by_test_id("evidence-viewer").locator("img").get_attribute("src") or ""
    )


def test_an_upload_cut_in_the_middle_resumes_where_the_server_stopped(
    new_context: Callable[..., BrowserContext], live_server: LiveServer
) -> None:
    """The real client against the real server over a connection that drops once mid-photo.
    (No service worker in this context: Playwright can only cut requests it sees, and requests
    passing a worker escape it.)"""
    context = new_context(service_workers="block")
    page = context.new_page()
    page.goto(f"/?v={VILLAGE}")
    expect(page.get_by_test_id("home-village")).to_contain_text("雉城")
    context.set_offline(True)
    photo: FilePayload = {"name": "evidence.png", "mimeType": "image/png", "buffer": noisy_photo()}
    key = file_from_form(page, "邻居的空调外机正对我家窗户，噪音很大", photos=[photo])

    sent: list[tuple[str, int | None]] = []

    def on_blob(route: Route) -> None:
        req = route.request
        offset = int(req.headers["upload-offset"]) if req.method == "PUT" else None
        sent.append((req.method, offset))
        if req.method == "PUT" and offset == CHUNK and ("cut", CHUNK) not in sent:
            sent.append(("cut", CHUNK))
            route.abort("connectionreset")
            return
        route.continue_()

    context.route("**/api/v1/blobs/*", on_blob)
    context.set_offline(False)
    deadline = time.monotonic() + 60
    while not uploaded(page, key):
        assert time.monotonic() < deadline, f"the photo never finished uploading: {sent}"
        page.get_by_test_id("sync-badge").click()  # the next sync (the app also retries by itself)
        time.sleep(1)
    puts = [o for m, o in sent if m == "PUT"]
    assert ("cut", CHUNK) in sent, sent
    assert puts.count(0) == 1, sent  # never from zero again
    assert puts.count(CHUNK) == 2, sent  # the lost chunk, once more after asking where the server is
    after_cut = sent[sent.index(("cut", CHUNK)) + 1 :]
    assert after_cut[0] == ("HEAD", None), sent
    assert not list((live_server.settings.var_dir / "blobs").glob("*/*.part"))


def test_a_decline_reads_as_a_move_to_the_township(
    page: Page, new_context: Callable[..., BrowserContext]
) -> None:
    _, code = file_online(page, "邻居在楼道堆放杂物，挡住了消防通道")
    reason = "涉及整栋楼的物业管理，本村调委会无法处理"

    staff = new_context().new_page()
    staff_login(staff, "village_mediator")
    staff.locator(f'[data-testid="inbox-item"][data-code="{code}"]').click()
    staff.get_by_test_id("action-decline").click()
    staff.get_by_test_id("ask-text").fill(reason)
    staff.get_by_test_id("ask-confirm").click()
    # the mediator lands back on their inbox with a confirmation, never on 页面不存在
    expect(staff.get_by_test_id("page-inbox")).to_be_visible()
    expect(staff.get_by_test_id("toast-ok").filter(has_text="已转交上级调解组织")).to_be_visible()
    expect(staff.locator(f'[data-testid="inbox-item"][data-code="{code}"]')).to_have_count(0)
    expect(staff.get_by_text("页面不存在")).to_have_count(0)

    # the villager reads a move to the township, with the reason, once, in causal order
    page.goto("/")
    note = page.get_by_test_id("notification-item").filter(has_text=code)
    expect(note).to_contain_text("已转交")
    expect(note).to_contain_text(TOWN_ORG_NAME)
    expect(note).to_contain_text(reason)
    expect(note).not_to_contain_text("未予受理")
    expect(note).not_to_contain_text("其他解决途径")
    note.click()
    expect(page.get_by_test_id("status-label")).to_have_attribute("data-status", "assigned")
    expect(page.get_by_test_id("case-org")).to_have_text(TOWN_ORG_NAME)
    items = page.get_by_test_id("timeline-item")
    expect(items).to_have_count(5)
    events = items.evaluate_all("els => els.map(e => e.dataset.event)")
    assert events == ["submitted", "assigned", "declined", "escalated", "assigned"], events
    expect(items.nth(2).get_by_test_id("timeline-reason")).to_have_text(reason)
    expect(items.nth(3).get_by_test_id("timeline-label")).to_contain_text("上移")
    expect(items.nth(4).get_by_test_id("timeline-label")).to_have_text(f"已分派：{TOWN_ORG_NAME}")
    timeline = page.get_by_test_id("case-timeline").inner_text()
    assert timeline.count(reason) == 1, timeline
    assert "在办" not in timeline and "指派调解员" not in timeline, timeline


def test_resolve_then_judicial_confirmation_by_the_court_while_the_villager_watches(
    page: Page, new_context: Callable[..., BrowserContext]
) -> None:
    _, code = file_online(page, "楼上邻居装修天天敲到半夜，影响老人休息")
    # the villager keeps the case page open (online, visible): news arrives within seconds, no reload
    expect(page.get_by_test_id("messages-heading")).to_have_text("和调解员沟通")

    staff = new_context().new_page()
    staff_login(staff, "village_mediator")
    name = staff.get_by_test_id("whoami").inner_text().split(" · ")[0]
    staff.locator(f'[data-testid="inbox-item"][data-code="{code}"]').click()
    expect(staff.get_by_test_id("messages-heading")).to_have_text("和当事人沟通")
    staff.get_by_test_id("action-accept").click()
    expect(staff.get_by_test_id("toast-ok").filter(has_text="已提交")).to_be_visible()
    staff.get_by_test_id("message-input").fill("周六上午请带上三轮车的照片到村委会")
    staff.get_by_test_id("message-send").click()

    said = page.get_by_test_id("message-item").filter(has_text="周六上午")
    expect(said.get_by_test_id("message-who")).to_have_text(f"{name}（调解员）", timeout=12_000)
    expect(page.get_by_test_id("status-label")).to_have_attribute("data-status", "accepted")
    page.get_by_test_id("message-input").fill("好的，我会准时到")
    page.get_by_test_id("message-send").click()
    reply = staff.get_by_test_id("message-item").filter(has_text="准时到")
    expect(reply.get_by_test_id("message-who")).to_have_text("申请人", timeout=12_000)

    staff.get_by_test_id("action-resolve").click()
    staff.get_by_test_id("ask-text").fill("对方修好三轮车并于本周内归还。")
    staff.get_by_test_id("ask-confirm").click()
    expect(staff.get_by_test_id("status-label")).to_have_attribute("data-status", "resolved")
    staff.get_by_test_id("action-request-confirmation").click()
    expect(staff.get_by_test_id("case-sync")).to_have_attribute("data-state", "synced")
    expect(staff.get_by_test_id("status-label")).to_have_attribute("data-status", "confirmation_requested")

    court = new_context().new_page()
    staff_login(court, "court")
    court.locator(f'[data-testid="inbox-item"][data-code="{code}"]').click()
    court.get_by_test_id("action-confirm-ruling").click()
    court.get_by_test_id("ask-text").fill("（2026）浙0522民特88号")
    court.get_by_test_id("ask-confirm").click()
    expect(court.get_by_test_id("status-label")).to_have_attribute("data-status", "confirmed")
    court.get_by_test_id("message-input").fill("司法确认裁定书已送达，请查收")
    court.get_by_test_id("message-send").click()

    expect(page.get_by_test_id("status-label")).to_have_attribute("data-status", "confirmed", timeout=12_000)
    note = page.get_by_test_id("message-item").filter(has_text="裁定书已送达")
    expect(note.get_by_test_id("message-who")).to_contain_text("法院", timeout=12_000)
    confirmed = page.locator('[data-testid="timeline-item"][data-event="confirmed"]')
    expect(confirmed).to_contain_text("（2026）浙0522民特88号")


def redeploy(dist: Path) -> str:
    """Deploy a new build into ``dist`` the way a real one differs: the cockpit chunk (and the main
    chunk that imports it) get new content-hashed names, the old files are gone, and the service
    worker's precache list names the new files (and a new index.html revision). Returns the new
    cockpit chunk's name."""
    assets = dist / "assets"
    (cockpit,) = [p.name for p in assets.glob("Cockpit-*.js")]
    (main,) = [p.name for p in assets.glob("index-*.js")]
    renames = {cockpit: "Cockpit-D3pl0y2x.js", main: "index-D3pl0y2x.js"}
    for path in [*assets.glob("*.js"), dist / "index.html", dist / "sw.js"]:
        text = path.read_text(encoding="utf-8")
        for old, new in renames.items():
            text = text.replace(old, new)
        if path.name == "sw.js":
            text = re.sub(
                r'"revision":"[0-9a-f]+","url":"index.html"', '"revision":"d3p10y2","url":"index.html"', text
            )
        path.write_text(text, encoding="utf-8")
    for old, new in renames.items():
        (assets / old).rename(assets / new)
    return renames[cockpit]


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A server of its own (empty database) serving a copy of the built PWA that the test redeploys."""
    url_db = f"sqlite:///{tmp_path / 'deploy.sqlite3'}"
    upgrade(url_db)
    shutil.copytree(DIST, tmp_path / "dist")
    with serve(
        lambda base: Settings(
            database_url=url_db, pwa_dist=tmp_path / "dist", var_dir=tmp_path / "var", base_url=base
        )
    ) as live:
        yield live


def test_a_deploy_under_an_installed_app_then_opening_the_cockpit(
    context: BrowserContext, own_server: LiveServer
) -> None:
    page = context.new_page()
    page.goto(own_server.url + "/")
    wait_offline_ready(page)  # installed: the worker precached this build (not the cockpit chunk)

    (old_chunk,) = [p.name for p in (own_server.settings.pwa_dist / "assets").glob("Cockpit-*.js")]
    new_chunk = redeploy(own_server.settings.pwa_dist)
    assert context.request.get(f"{own_server.url}/assets/{old_chunk}").status == 404

    # the installed app still runs the old build (its worker answers), whose cockpit chunk is gone
    response = page.goto(own_server.url + "/cockpit")
    assert response is not None and response.from_service_worker
    expect(page.get_by_test_id("stale-build")).to_contain_text("新版本")
    with page.expect_response(lambda r: new_chunk in r.url, timeout=30_000):
        page.get_by_test_id("stale-update").click()
    expect(page.get_by_test_id("page-cockpit")).to_be_visible()
    assert page.url.endswith("/cockpit")
    scripts = page.evaluate("[...document.scripts].map(s => s.src).join(' ')")
    assert "index-D3pl0y2x.js" in scripts


def test_no_dead_ends_or_silent_changes(
    context: BrowserContext, page: Page, new_context: Callable[..., BrowserContext]
) -> None:
    page.goto(f"/?v={VILLAGE}")
    wait_offline_ready(page)
    context.set_offline(True)
    page.get_by_test_id("nav-file").click()
    page.get_by_test_id("file-summary").fill("隔壁装修天天敲到半夜，吵得孩子睡不着")
    long = "晚上十一点以后还在用电钻。" * 400  # 5,200 characters: over the 5,000 limit
    page.get_by_test_id("file-description").fill(long)
    page.get_by_test_id("file-other-name").fill("王大锤")
    page.get_by_test_id("file-my-name").fill("陈小梅")
    page.get_by_test_id("file-my-phone").fill("139abc1234x")
    page.get_by_test_id("file-amount").fill("-5")
    page.get_by_test_id("file-submit").click()
    # nothing is sent, nothing is changed behind the person's back, each problem is said
    expect(page.get_by_test_id("page-file")).to_be_visible()
    expect(page.get_by_test_id("file-my-phone")).to_have_value("139abc1234x")
    expect(page.get_by_test_id("f-my-phone-error")).to_contain_text("手机号")
    expect(page.get_by_test_id("f-amount-error")).to_have_text("金额不能是负数")
    assert len(page.get_by_test_id("file-description").input_value()) == len(long)
    expect(page.get_by_test_id("f-description-error")).to_contain_text("5000")
    expect(page.locator('[data-testid="char-count"][data-over="1"]')).to_be_visible()

    page.get_by_test_id("file-description").fill(long[:4500])
    expect(page.get_by_test_id("char-count")).to_have_text("4500/5000 字")
    page.get_by_test_id("file-my-phone").fill("0572-6021234")
    page.get_by_test_id("file-amount").fill("800")
    page.get_by_test_id("file-submit").click()
    expect(page.get_by_test_id("page-qr")).to_be_visible()
    expect(page.get_by_test_id("case-code")).to_have_text(re.compile(r"^JF-330522-"))
    code = page.get_by_test_id("case-code").inner_text()
    # one case with two parties waits: the badge counts 1 case, not its ops
    expect(page.get_by_test_id("sync-badge")).to_have_text("离线 · 待同步 1")

    context.set_offline(False)
    page.get_by_test_id("qr-done").click()
    expect(page.get_by_test_id("status-label")).to_have_attribute("data-status", "assigned")
    # the villager sees the deadlines the public trace page shows
    expect(page.get_by_test_id("case-respond-by")).to_have_text(
        re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")
    )
    expect(page.get_by_test_id("case-resolve-by")).to_have_text(
        re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")
    )
    expect(page.get_by_test_id("case-deadline")).to_have_count(0)  # the coloured alarm is for staff
    key = page.url.rsplit("/", 1)[-1]

    # staff opening the case before their first sync has finished are told to wait, not 页面不存在
    staff = new_context(service_workers="block").new_page()  # so every request passes the route
    staff.context.route("**/api/v1/sync", lambda route: route.abort())  # a slow first sync
    staff_login(staff, "village_mediator")
    staff.goto(f"/cases/{key}")
    expect(staff.get_by_test_id("case-waiting")).to_be_visible()
    expect(staff.get_by_text("页面不存在")).to_have_count(0)
    staff.context.unroute("**/api/v1/sync")
    staff.get_by_test_id("sync-badge").click()
    expect(staff.get_by_test_id("case-code")).to_have_text(code)
