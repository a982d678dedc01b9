"""The village mediator works a case in one browser while the villager follows it in another."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import BrowserContext, Page, expect

from e2e.conftest import TOWN_ORG_NAME, VILLAGE, VILLAGE_ORG_NAME, staff_login, wait_offline_ready
from e2e.test_offline_filing import file_from_form

TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")


def file_online(page: Page, summary: str) -> tuple[str, str]:
    """A villager files from the poster link while online; returns (key, code) once it is routed."""
    page.goto(f"/?v={VILLAGE}")
    wait_offline_ready(page)
    key = file_from_form(page, summary)
    code = page.get_by_test_id("case-code").inner_text()
    page.get_by_test_id("qr-done").click()
    expect(page.get_by_test_id("status-label")).to_have_attribute("data-status", "assigned")
    expect(page.get_by_test_id("case-org")).to_have_text(VILLAGE_ORG_NAME)
    return key, code


def open_from_inbox(page: Page, code: str) -> None:
    """Find the case in the mediator's inbox (soonest deadline first) and open it."""
    item = page.locator(f'[data-testid="inbox-item"][data-code="{code}"]')
    expect(item).to_be_visible()
    deadlines = page.locator("[data-deadline]").evaluate_all(
        "els => els.map(e => e.dataset.deadline).filter(Boolean).map(d => Date.parse(d))"
    )
    assert deadlines == sorted(deadlines), deadlines
    expect(item.get_by_test_id("inbox-item-deadline")).to_have_attribute("data-level", "ok")
    item.click()
    expect(page.get_by_test_id("page-case")).to_be_visible()


def who_am_i(page: Page) -> str:
    return page.get_by_test_id("whoami").inner_text().split(" · ")[0]


def test_mediator_accepts_and_resolves_while_the_filer_follows(
    page: Page, new_context: Callable[..., BrowserContext]
) -> None:
    key, code = file_online(page, "隔壁装修天天敲到半夜，吵得孩子睡不着")

    staff = new_context().new_page()
    staff_login(staff, "village_mediator")
    mediator_name = who_am_i(staff)
    expect(staff.get_by_test_id("page-inbox")).to_be_visible()
    open_from_inbox(staff, code)
    expect(staff.get_by_test_id("case-org")).to_have_text(VILLAGE_ORG_NAME)
    expect(staff.get_by_test_id("case-parties")).to_contain_text("王大锤")
    staff.get_by_test_id("action-accept").click()
    expect(staff.get_by_test_id("case-sync")).to_have_attribute("data-state", "synced")
    expect(staff.get_by_test_id("status-label")).to_have_attribute("data-status", "accepted")
    expect(staff.get_by_test_id("case-mediator")).to_have_text(mediator_name)
    staff.get_by_test_id("message-input").fill("明天上午九点请到村委会调解室")
    staff.get_by_test_id("message-send").click()
    mine = staff.get_by_test_id("message-item").filter(has_text="明天上午九点")
    expect(mine.get_by_test_id("message-who")).to_have_text("我")
    expect(staff.get_by_test_id("case-sync")).to_have_attribute("data-state", "synced")

    # the filer's next sync (here: reopening the app) shows the acceptance and the message
    page.reload()
    expect(page.get_by_test_id("status-label")).to_have_attribute("data-status", "accepted")
    expect(page.get_by_test_id("status-label")).to_contain_text("已受理")
    # a villager cannot list the committee's mediators: the committee's name stands in for a name
    expect(page.get_by_test_id("case-mediator")).to_have_text(f"{VILLAGE_ORG_NAME}调解员")
    theirs = page.get_by_test_id("message-item").filter(has_text="明天上午九点")
    expect(theirs.get_by_test_id("message-who")).to_have_text(f"{mediator_name}（调解员）")
    accepted = page.locator('[data-testid="timeline-item"][data-event="accepted"]')
    expect(accepted.get_by_test_id("timeline-who")).to_have_text(f"{mediator_name}（调解员）")
    # the server's inbox record reached the phone too (no push service needed): it opens the case
    page.goto("/")
    note = page.get_by_test_id("notification-item").filter(has_text=code)
    expect(note).to_contain_text("已受理")
    note.click()
    expect(page.get_by_test_id("case-code")).to_have_text(code)

    staff.get_by_test_id("action-resolve").click()
    staff.get_by_test_id("ask-confirm").click()  # the agreement is required: nothing is sent without it
    expect(staff.get_by_test_id("ask-resolve")).to_be_visible()
    staff.get_by_test_id("ask-text").fill("双方同意：晚上十点后不再施工，施工方赔偿五百元。")
    staff.get_by_test_id("ask-confirm").click()
    expect(staff.get_by_test_id("status-label")).to_have_attribute("data-status", "resolved")
    expect(staff.get_by_test_id("case-sync")).to_have_attribute("data-state", "synced")

    # the filer taps the sync badge: the outcome shows in the timeline with who and when
    page.get_by_test_id("sync-badge").click()
    resolved = page.locator('[data-testid="timeline-item"][data-event="resolved"]')
    expect(resolved.get_by_test_id("timeline-label")).to_have_text("调解成功")
    expect(resolved.get_by_test_id("timeline-who")).to_have_text(f"{mediator_name}（调解员）")
    expect(resolved.get_by_test_id("timeline-at")).to_have_text(TIME_RE)
    expect(resolved).to_contain_text("晚上十点后不再施工")
    expect(page.get_by_test_id("status-label")).to_have_text("调解成功")
    expect(page.get_by_test_id("action-request-confirmation")).to_be_visible()
    assert key in page.url


def test_decline_moves_the_case_to_the_town_committee(
    page: Page, new_context: Callable[..., BrowserContext]
) -> None:
    _, code = file_online(page, "邻居在楼道堆放杂物，挡住了消防通道")

    staff = new_context().new_page()
    staff_login(staff, "village_mediator")
    open_from_inbox(staff, code)
    staff.get_by_test_id("action-decline").click()
    staff.get_by_test_id("ask-text").fill("涉及物业管理，本村调委会无法处理")
    staff.get_by_test_id("ask-confirm").click()
    # the case leaves the village committee's scope: its next sync evicts it, the mediator is
    # taken back to the inbox (e2e/test_journeys.py checks the words)
    expect(staff.get_by_test_id("page-inbox")).to_be_visible()
    expect(staff.locator(f'[data-testid="inbox-item"][data-code="{code}"]')).to_have_count(0)

    page.reload()
    expect(page.get_by_test_id("status-label")).to_have_attribute("data-status", "assigned")
    expect(page.get_by_test_id("case-org")).to_have_text(TOWN_ORG_NAME)
    declined = page.locator('[data-testid="timeline-item"][data-event="declined"]')
    expect(declined.get_by_test_id("timeline-reason")).to_have_text("涉及物业管理，本村调委会无法处理")
    expect(page.locator('[data-testid="timeline-item"][data-event="escalated"]')).to_contain_text("已上移")
    expect(
        page.locator('[data-testid="timeline-item"][data-event="assigned"]').last.get_by_test_id(
            "timeline-label"
        )
    ).to_have_text(f"已分派：{TOWN_ORG_NAME}")
