"""SLA deadlines per level and category, warnings, pauses and the timers a case's state calls for."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.routing.config import Period, RoutingConfig, SlaPolicy
from server.routing.sla import apply_pause, deadlines, wanted_timers, warn_at
from server.routing.workdays import TZ, is_workday, local_date

CONFIG = RoutingConfig()


def sh(y: int, m: int, d: int, h: int = 10, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=TZ)


def eod(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 23, 59, 59, tzinfo=TZ)


@pytest.mark.parametrize(
    ("level", "category", "start", "accepted", "respond_by", "resolve_by"),
    [
        # People's mediation: 3 working days to answer (National Day skipped), one month after acceptance.
        ("village", "neighbor", sh(2026, 9, 29), sh(2026, 9, 30), eod(2026, 10, 9), eod(2026, 10, 30)),
        ("town", "private_lending", sh(2026, 11, 2), sh(2026, 11, 3), eod(2026, 11, 5), eod(2026, 12, 3)),
        # Labour mediation: 15 days from the application, whenever it was accepted.
        (
            "professional",
            "wage_arrears",
            sh(2026, 11, 2),
            sh(2026, 11, 4),
            eod(2026, 11, 5),
            eod(2026, 11, 17),
        ),
        # Traffic: 10 days; 1 Oct is a holiday so the period ends on 8 Oct (Sunday 20 Sep is a working day).
        (
            "professional",
            "traffic_accident",
            sh(2026, 9, 18),
            sh(2026, 9, 21),
            eod(2026, 9, 22),
            eod(2026, 10, 8),
        ),
        # Medical: 30 working days after acceptance.
        ("professional", "medical", sh(2026, 11, 2), sh(2026, 11, 2), eod(2026, 11, 5), eod(2026, 12, 14)),
        # Family committee: people's mediation periods.
        (
            "professional",
            "marriage_family",
            sh(2026, 11, 2),
            sh(2026, 11, 2),
            eod(2026, 11, 5),
            eod(2026, 12, 2),
        ),
        # Court level: registering a lawsuit within 7 days.
        ("court", "contract", sh(2026, 11, 2), None, eod(2026, 11, 9), eod(2026, 11, 9)),
    ],
)
def test_default_deadlines(
    level: str,
    category: str,
    start: datetime,
    accepted: datetime | None,
    respond_by: datetime,
    resolve_by: datetime,
) -> None:
    d = deadlines(level, category, start, CONFIG, accepted_at=accepted)
    assert (d.respond_by, d.resolve_by) == (respond_by, resolve_by)
    assert d.basis  # the legal ground is shown with the deadline


def test_before_acceptance_the_resolve_deadline_is_provisional_and_says_so() -> None:
    d = deadlines("village", "neighbor", sh(2026, 11, 2), CONFIG)
    assert d.resolve_by == eod(2026, 12, 2)
    assert any("受理后重新计算" in n for n in d.notes)


def test_judicial_confirmation_stage() -> None:
    d = deadlines(
        "court", "private_lending", sh(2026, 11, 2), CONFIG, stage="confirmation", accepted_at=sh(2026, 11, 4)
    )
    assert d.respond_by == eod(2026, 11, 5)
    assert d.resolve_by == eod(2026, 11, 19)


def test_local_overrides_win() -> None:
    fast = SlaPolicy(Period(1, "workdays"), Period(5, "workdays"), "start", ("县司法局规定",))
    config = RoutingConfig(sla_overrides={("village", "neighbor"): fast})
    d = deadlines("village", "neighbor", sh(2026, 11, 27), config)
    assert d.respond_by == eod(2026, 11, 30)
    assert d.resolve_by == eod(2026, 12, 4)
    assert d.basis == ("县司法局规定",)


def test_deadlines_reaching_an_unannounced_year_carry_a_note() -> None:
    d = deadlines("village", "neighbor", sh(2026, 12, 28), CONFIG)
    assert any("2027年" in n for n in d.notes)


def test_warning_counts_working_time_and_avoids_the_small_hours() -> None:
    start = sh(2026, 11, 27)  # a Friday
    deadline = eod(2026, 12, 2)
    at = warn_at(start, deadline, 0.75)
    assert is_workday(local_date(at))
    assert at == sh(2026, 12, 2, 8)
    half = warn_at(start, deadline, 0.5)
    assert start < half < at <= deadline
    assert warn_at(start, deadline, 1.0) == deadline
    with pytest.raises(ValueError, match="fraction"):
        warn_at(start, deadline, 0)


def test_pause_moves_the_deadline_by_paused_working_days() -> None:
    deadline = eod(2026, 12, 2)
    # Paused Monday 09:00 → Wednesday 09:00: two working days.
    assert apply_pause(deadline, sh(2026, 11, 30, 9), sh(2026, 12, 2, 9)) == eod(2026, 12, 4)
    # Part of a day counts as a day (不足一日按一日计).
    assert apply_pause(deadline, sh(2026, 11, 30, 9), sh(2026, 11, 30, 11)) == eod(2026, 12, 3)


def test_pause_over_rest_days_only_changes_nothing_for_working_day_clocks() -> None:
    deadline = eod(2026, 10, 12)
    assert apply_pause(deadline, sh(2026, 10, 1, 0), sh(2026, 10, 8, 0)) == deadline


def test_pause_after_the_deadline_or_reversed_changes_nothing() -> None:
    deadline = eod(2026, 11, 5)
    assert apply_pause(deadline, sh(2026, 11, 6), sh(2026, 11, 10)) == deadline
    assert apply_pause(deadline, sh(2026, 11, 3), sh(2026, 11, 2)) == deadline


def test_calendar_day_pause_uses_elapsed_days() -> None:
    deadline = eod(2026, 11, 17)  # a Tuesday
    assert apply_pause(deadline, sh(2026, 11, 6), sh(2026, 11, 9), unit="days") == eod(2026, 11, 20)


moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 10, 31)).map(
    lambda d: d.replace(tzinfo=TZ)
)


@given(moments, st.integers(min_value=1, max_value=30), st.floats(0, 40 * 24), st.floats(0, 20 * 24))
def test_pausing_never_shortens_a_deadline(start: datetime, n: int, offset_h: float, length_h: float) -> None:
    deadline = deadlines("professional", "medical", start, CONFIG, accepted_at=start).resolve_by
    paused = start + timedelta(hours=offset_h)
    moved = apply_pause(deadline, paused, paused + timedelta(hours=length_h))
    assert moved >= deadline
    if moved != deadline:
        assert is_workday(local_date(moved))


@given(moments, st.floats(0.05, 1.0))
def test_warning_lies_between_start_and_deadline(start: datetime, fraction: float) -> None:
    deadline = deadlines("village", "neighbor", start, CONFIG).respond_by
    assert start <= warn_at(start, deadline, fraction) <= deadline


def _view(status: str, **times: datetime | bool) -> dict[str, object]:
    return {
        "status": status,
        **{k: v.isoformat() if isinstance(v, datetime) else v for k, v in times.items()},
    }


def test_an_assigned_case_wants_a_warning_then_a_breach() -> None:
    start = sh(2026, 11, 27)
    respond_by = eod(2026, 12, 2)
    view = _view("assigned", assigned_at=start, respond_by=respond_by)
    assert wanted_timers(view, 0.75) == [("respond_warn", sh(2026, 12, 2, 8)), ("respond_breach", respond_by)]
    # Before the court the respond clock runs the same way.
    assert [k for k, _ in wanted_timers({**view, "status": "confirmation_requested"}, 0.75)] == [
        "respond_warn",
        "respond_breach",
    ]


def test_an_accepted_case_wants_the_resolve_clock_and_a_paused_or_closed_one_none() -> None:
    accepted = sh(2026, 11, 3)
    resolve_by = eod(2026, 12, 3)
    view = _view("accepted", accepted_at=accepted, resolve_by=resolve_by, respond_by=eod(2026, 11, 6))
    (warn_kind, when), (breach_kind, due) = wanted_timers(view, 0.75)
    assert (warn_kind, breach_kind, due) == ("resolve_warn", "resolve_breach", resolve_by)
    assert accepted < when < resolve_by
    assert wanted_timers({**view, "paused": True}, 0.75) == []
    assert wanted_timers({**view, "status": "resolved"}, 0.75) == []
    assert wanted_timers({"status": "accepted"}, 0.75) == []
