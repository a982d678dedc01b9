"""A deadline counted into a year whose holiday arrangement is not loaded says so on the trace page;
once an admin loads the year, the page shows the recomputed deadline without the note."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from e2e.conftest import FiledCase, LiveServer, login_headers

SAMPLE = Path(__file__).resolve().parent.parent / "docs" / "holidays" / "2027.example.json"


def test_a_provisional_deadline_is_shown_then_cleared_when_the_year_is_loaded(
    page: Page, file_case_api: Callable[..., FiledCase], live_server: LiveServer, http: httpx.Client
) -> None:
    # 医疗纠纷: 30 working days from today (2026-11-30 or later) reach into 2027
    case = file_case_api("在卫生院做完手术后伤口感染，要求医院赔偿医疗费")
    page.goto(f"{live_server.url}/t/{case.code}#k={case.token}")
    note = page.get_by_test_id("trace-deadline-provisional")
    expect(note).to_be_visible()
    expect(note).to_contain_text("2027年放假安排尚未载入")
    expect(note).to_contain_text("不会提前")

    r = http.put(
        "/api/v1/holidays/2027",
        json=json.loads(SAMPLE.read_text(encoding="utf-8")),
        headers=login_headers(http, "admin"),
    )
    assert r.status_code == 200, r.text
    assert r.json()["recomputed"] >= 1
    page.reload()
    expect(page.get_by_test_id("trace-status")).to_be_visible()
    expect(page.get_by_test_id("trace-deadline-provisional")).to_have_count(0)
    expect(page.get_by_test_id("page-trace")).to_contain_text("办理期限已按放假安排重新计算")
