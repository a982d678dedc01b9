"""Whole journeys at 360 px through the real server and the built PWA (issue #10), nothing stubbed
at the seam: a villager files offline with a photo and the mediator opens it; a decline reads as a
move to the township; resolve → 司法确认 → court; a deploy under an installed app."""

from __future__ import annotations

import io
import os
import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import BrowserContext, FilePayload, Page, Route, expect

from e2e.conftest import VILLAGE, VILLAGE_ORG_NAME, LiveServer, staff_login, wait_offline_ready
from e2e.test_offline_filing import file_from_form

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


def uploaded(page: Page, key: str) -> bool:
    """Whether the phone has marked the case's one photo as fully uploaded (its IndexedDB row)."""
    done: bool = page.evaluate(
        """async (key) => {
          const db = await new Promise((ok) => { const r = indexedDB.open("jiefen"); r.onsuccess = () => ok(r.result); });
          const rows = await new Promise((ok) => { const r = db.transaction("blobs").objectStore("blobs").getAll(); r.onsuccess = () => ok(r.result); });
          db.close();
          return rows.length === 1 && rows[0].case === key && rows[0].done === true;
        }""",
        key,
    )
    return done


def test_photo_taken_offline_reaches_the_mediator_after_a_cut(
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
    assert re.match(r"^blob:", staff.get_by_test_id("evidence-viewer").locator("img").get_attribute("src") or "")
