"""A fresh staff install pulls through sync protocol v2: one entry per record, superseded values
left out, and the PWA shows the same case as the server holds (docs/sync.md, "Wire cost")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import BrowserContext, Page, Response, expect

from e2e.conftest import staff_login
from e2e.test_mediator_flow import file_online, open_from_inbox


def test_a_fresh_mediator_install_pulls_per_record_pages(
    page: Page, new_context: Callable[..., BrowserContext]
) -> None:
    key, code = file_online(page, "邻居装修天天敲到半夜，吵得老人睡不着")

    staff = new_context().new_page()
    syncs: list[Response] = []
    staff.on("response", lambda r: syncs.append(r) if r.url.endswith("/api/v1/sync") else None)
    staff_login(staff, "village_mediator")
    open_from_inbox(staff, code)
    expect(staff.get_by_test_id("status-label")).to_have_attribute("data-status", "assigned")
    expect(staff.get_by_test_id("case-summary")).to_contain_text("邻居装修天天敲到半夜")

    assert syncs, "the install never synced"
    sent: list[dict[str, Any]] = [r.request.post_data_json for r in syncs]
    got: list[dict[str, Any]] = [r.json() for r in syncs]
    assert {body["v"] for body in sent} == {2}
    assert all(body["changes"] == [] and body["v"] == 2 for body in got)
    mine = [rec for body in got for rec in body["records"] if rec["entity"] == "case" and rec["key"] == key]
    assert mine, "the case did not come as a record"
    statuses = [rec["puts"]["status"][0] for rec in mine if "status" in rec["puts"]]
    assert statuses and statuses[-1] == "assigned"
    assert all(":" not in rec["puts"]["summary"][2] for rec in mine if "summary" in rec["puts"])
