"""The workflow table (DESIGN.md §3): who may make which move, and what a move must carry."""

from __future__ import annotations

from typing import Any

import pytest

from server.routing.transitions import STATES, TERMINAL, TRANSITIONS, check_transition, moves_from

REASON = {"reason": "双方分歧过大"}

# (from, to, role, is_filer, is_assigned_org, payload, expected refusal code or None)
TABLE: list[tuple[str, str, str, bool, bool, dict[str, Any], str | None]] = [
    ("submitted", "assigned", "system", False, False, {"org": "v201"}, None),
    ("submitted", "assigned", "system", False, False, {}, "missing_field"),
    ("submitted", "assigned", "mediator", False, True, {"org": "v201"}, "role_forbidden"),
    ("assigned", "accepted", "mediator", False, True, {}, None),
    ("assigned", "accepted", "org_admin", False, True, {}, None),
    ("assigned", "accepted", "mediator", False, False, {}, "not_assigned_org"),
    ("assigned", "accepted", "citizen", True, False, {}, "role_forbidden"),
    ("assigned", "declined", "mediator", False, True, REASON, None),
    ("assigned", "declined", "mediator", False, True, {"reason": "  "}, "missing_field"),
    ("assigned", "escalated", "system", False, False, {"reason": "超过受理期限"}, None),
    ("assigned", "escalated", "mediator", False, True, REASON, "role_forbidden"),
    ("declined", "escalated", "system", False, False, REASON, None),
    ("escalated", "assigned", "system", False, False, {"org": "t101"}, None),
    ("accepted", "resolved", "mediator", False, True, {"agreement": "甲方于十日内赔偿乙方两千元"}, None),
    ("accepted", "resolved", "mediator", False, True, {}, "missing_field"),
    ("accepted", "failed", "mediator", False, True, REASON, None),
    ("accepted", "failed", "mediator", False, True, {}, "missing_field"),
    ("accepted", "escalated", "org_admin", False, True, REASON, None),
    ("accepted", "escalated", "system", False, False, {"reason": "超过调解期限"}, None),
    # Withdrawal: the filer, until there is an outcome.
    ("submitted", "withdrawn", "citizen", True, False, {}, None),
    ("assigned", "withdrawn", "grid_worker", True, False, {}, None),
    ("accepted", "withdrawn", "citizen", True, False, {}, None),
    ("escalated", "withdrawn", "citizen", True, False, {}, None),
    ("accepted", "withdrawn", "citizen", False, False, {}, "not_filer"),
    ("accepted", "withdrawn", "mediator", False, True, {}, "role_forbidden"),
    ("resolved", "withdrawn", "citizen", True, False, {}, "not_allowed"),
    ("failed", "withdrawn", "citizen", True, False, {}, "not_allowed"),
    # 司法确认.
    ("resolved", "confirmation_requested", "citizen", True, False, {}, None),
    ("resolved", "confirmation_requested", "mediator", False, True, {}, None),
    ("resolved", "confirmation_requested", "citizen", False, False, {}, "not_filer"),
    (
        "confirmation_requested",
        "confirmed",
        "court_clerk",
        False,
        False,
        {"ruling": "(2026)浙0522民特123号"},
        None,
    ),
    ("confirmation_requested", "confirmed", "court_clerk", False, False, {}, "missing_field"),
    ("confirmation_requested", "confirmed", "mediator", False, True, {"ruling": "x"}, "role_forbidden"),
    ("confirmation_requested", "confirmation_denied", "court_clerk", False, False, REASON, None),
    # 诉讼立案.
    ("failed", "filing_requested", "citizen", True, False, {}, None),
    ("confirmation_denied", "filing_requested", "citizen", True, False, {}, None),
    ("filing_requested", "filed", "court_clerk", False, False, {"docket_no": "(2026)浙0522民初456号"}, None),
    ("filing_requested", "filed", "system", False, False, {"docket_no": "x"}, "role_forbidden"),
    # Court moves: only the case's court (issue #9) — the court column is the last flag below.
    ("confirmation_requested", "confirmed", "court_clerk", False, True, {"ruling": "x"}, "not_case_court"),
    ("filing_requested", "filed", "court_clerk", False, True, {"docket_no": "x"}, "not_case_court"),
    ("confirmation_requested", "confirmation_denied", "court_clerk", False, False, REASON, "not_case_court"),
    # Moves that do not exist.
    ("submitted", "resolved", "mediator", False, True, {"agreement": "x"}, "not_allowed"),
    ("filed", "submitted", "system", False, False, {}, "not_allowed"),
    ("withdrawn", "assigned", "system", False, False, {"org": "x"}, "not_allowed"),
    ("submitted", "closed", "system", False, False, {}, "unknown_state"),
]


@pytest.mark.parametrize(("frm", "to", "role", "is_filer", "is_org", "payload", "expected"), TABLE)
def test_transition_table(
    frm: str, to: str, role: str, is_filer: bool, is_org: bool, payload: dict[str, Any], expected: str | None
) -> None:
    # the rows' court clerks are the case's court unless the row expects ``not_case_court``
    court = role == "court_clerk" and expected != "not_case_court"
    refusal = check_transition(frm, to, role, is_filer, is_org, payload, is_case_court=court)
    assert (refusal.code if refusal else None) == expected
    if refusal is not None:
        assert refusal.message_zh  # shown to the user as is


def test_refusals_name_what_is_missing_in_chinese() -> None:
    refusal = check_transition("accepted", "resolved", "mediator", False, True, {})
    assert refusal is not None and refusal.message_zh == "请填写调解协议内容"


def test_every_state_is_reachable_from_submitted() -> None:
    seen, todo = {"submitted"}, ["submitted"]
    while todo:
        for nxt in moves_from(todo.pop()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    assert seen == set(STATES)


def test_outcomes_are_terminal_and_the_table_only_names_known_states() -> None:
    assert {"withdrawn", "confirmed", "filed"} <= TERMINAL
    assert "declined" not in TERMINAL  # it escalates
    assert all(f in STATES and t in STATES for f, t in TRANSITIONS)
