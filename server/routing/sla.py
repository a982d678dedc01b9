"""SLA deadlines, warnings, pauses and the next timer a case needs.  Pure: time is a parameter.

All deadlines are 23:59:59 Asia/Shanghai on their last day (see ``workdays.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, time
from typing import Literal

from server.routing.config import Period, RoutingConfig, Unit
from server.routing.holidays import BASE, WorkCalendar
from server.routing.workdays import (
    TZ,
    add_calendar_days,
    add_workdays,
    advance_working_seconds,
    calendar_notes,
    working_seconds,
)

TimerKind = Literal["respond_warn", "respond_breach", "resolve_warn", "resolve_breach"]
Stage = Literal["mediation", "confirmation", "filing"]

# Warnings that would land in the small hours are sent at 08:00 the same day instead.
_WARN_NOT_BEFORE = time(8, 0)
_DAY_SECONDS = 86_400


@dataclass(frozen=True)
class Deadlines:
    respond_by: datetime
    resolve_by: datetime
    basis: tuple[str, ...]
    """Legal grounds of the periods used (Chinese)."""
    notes: tuple[str, ...]
    """Caveats in Chinese, e.g. a year outside the holiday calendar."""
    provisional: str | None = None
    """Set (a Chinese note) when a year the periods touch has no loaded holiday arrangement: the
    deadlines are provisional and are recomputed, never earlier, when it is loaded."""


def period_end(start: datetime, period: Period, config: RoutingConfig, cal: WorkCalendar = BASE) -> datetime:
    if period.unit == "workdays":
        return add_workdays(start, period.amount, cal)
    return add_calendar_days(
        start, period.amount, roll_to_workday=config.roll_calendar_deadlines_to_workday, cal=cal
    )


def deadlines(
    level: str,
    category: str,
    start: datetime,
    config: RoutingConfig,
    *,
    stage: Stage = "mediation",
    accepted_at: datetime | None = None,
    cal: WorkCalendar = BASE,
) -> Deadlines:
    """Respond and resolve deadlines for a case that reached an organisation at ``start``.

    Resolve periods that run from acceptance use ``accepted_at``; before acceptance they are
    provisionally counted from ``start`` (stricter) and should be recomputed on acceptance.
    """
    policy = config.sla_policy(level, category, stage)
    respond_by = period_end(start, policy.respond, config, cal)
    notes: list[str] = []
    resolve_from = start
    if policy.resolve_counts_from == "accept":
        if accepted_at is None:
            notes.append(f"办理期限（{policy.resolve.describe()}）自受理之日起计算，受理后重新计算")
        else:
            resolve_from = accepted_at
    resolve_by = period_end(resolve_from, policy.resolve, config, cal)
    provisional = calendar_notes(start, respond_by, resolve_by, cal=cal)
    notes.extend(provisional)
    note = provisional[0] if provisional else None
    return Deadlines(respond_by, resolve_by, policy.basis, tuple(notes), note)


def warn_at(
    start: datetime, deadline: datetime, fraction: float = 0.75, cal: WorkCalendar = BASE
) -> datetime:
    """When ``fraction`` of the working time between ``start`` and ``deadline`` has passed.

    Counted in working-day time so a Friday filing is not warned about over the weekend; a warning
    falling before 08:00 moves to 08:00 that day (never past the deadline).
    """
    if not 0 < fraction <= 1:
        raise ValueError("fraction must be in (0, 1]")
    if deadline <= start:
        return deadline
    total = working_seconds(start, deadline, cal)
    if total > 0:
        at = advance_working_seconds(start, total * fraction, cal)
    else:  # the whole window is rest days: plain wall-clock fraction
        at = start + (deadline - start) * fraction
    local = at.astimezone(TZ)
    if local.time() < _WARN_NOT_BEFORE:
        local = local.replace(hour=_WARN_NOT_BEFORE.hour, minute=0, second=0, microsecond=0)
    return min(local, deadline.astimezone(TZ))


def apply_pause(
    deadline: datetime,
    paused_from: datetime,
    resumed_at: datetime,
    unit: Unit = "workdays",
    cal: WorkCalendar = BASE,
) -> datetime:
    """The deadline after the clock stood still from ``paused_from`` to ``resumed_at``.

    The deadline moves later by the paused time — working time for working-day periods, elapsed
    time for calendar-day ones — rounded up to whole days (不足一日按一日计), so it stays at the
    end of a day and is never shortened.  A pause that starts after the deadline changes nothing:
    the clock had already run out.  (E.g. 医疗纠纷: 鉴定时间不计入调解期限.)
    """
    if resumed_at <= paused_from or paused_from >= deadline:
        return deadline
    if unit == "workdays":
        days = math.ceil(working_seconds(paused_from, resumed_at, cal) / _DAY_SECONDS)
        return add_workdays(deadline, days, cal) if days else deadline
    days = math.ceil((resumed_at - paused_from).total_seconds() / _DAY_SECONDS)
    return add_calendar_days(deadline, days, cal=cal)


@dataclass(frozen=True)
class CaseSlaState:
    """What the scheduler knows about one case's clocks.

    A ``*_by`` of None means that clock is not running (e.g. ``respond_by`` is cleared once the
    organisation accepted or declined).  ``fired`` holds the timer kinds already sent.
    """

    respond_from: datetime | None = None
    respond_by: datetime | None = None
    resolve_from: datetime | None = None
    resolve_by: datetime | None = None
    fired: frozenset[str] = frozenset()
    paused: bool = False
    warn_fraction: float = 0.75


def next_timer(state: CaseSlaState, now: datetime) -> tuple[datetime, TimerKind] | None:
    """The earliest timer still to fire (possibly already due: ``when <= now``), or None.

    A warning whose deadline has already passed (or whose breach fired) is skipped: the breach says
    more.  A paused case has no timers; the service re-plans on resume with the moved deadline.
    """
    if state.paused:
        return None
    clocks: tuple[tuple[datetime | None, datetime | None, TimerKind, TimerKind], ...] = (
        (state.respond_from, state.respond_by, "respond_warn", "respond_breach"),
        (state.resolve_from, state.resolve_by, "resolve_warn", "resolve_breach"),
    )
    due: list[tuple[datetime, TimerKind]] = []
    for begun, deadline, warn_kind, breach_kind in clocks:
        if deadline is None:
            continue
        breach_done = breach_kind in state.fired
        if warn_kind not in state.fired and not breach_done and begun is not None and deadline > now:
            due.append((warn_at(begun, deadline, state.warn_fraction), warn_kind))
        if not breach_done:
            due.append((deadline, breach_kind))
    return min(due, key=lambda item: item[0]) if due else None
