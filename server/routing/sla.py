"""SLA deadlines, warnings, pauses and the timers a case needs.  Pure: time is a parameter.

All deadlines are 23:59:59 Asia/Shanghai on their last day (see ``workdays.py``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any, Literal

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
from server.vocabulary import AWAITING_COURT, WITH_ORG

TimerKind = Literal["respond_warn", "respond_breach", "resolve_warn", "resolve_breach"]
Stage = Literal["mediation", "confirmation", "filing"]

# Warnings that would land in the small hours are sent at 08:00 the same day instead.
_WARN_NOT_BEFORE = time(8, 0)
_DAY_SECONDS = 86_400


@dataclass(frozen=True)
class Deadlines:
    """A case's two deadlines (aware datetimes, 23:59:59 Asia/Shanghai of the last day)."""

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
    """The end of ``period`` counted from ``start`` (23:59:59 Asia/Shanghai of its last day): working
    days by ``cal``, or calendar days rolled to a working day when the config says so."""
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


def _dt(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def wanted_timers(
    view: Mapping[str, Any], warn_fraction: float, cal: WorkCalendar = BASE
) -> list[tuple[TimerKind, datetime]]:
    """(kind, due) of every timer a case's current state calls for.

    ``view`` is the case record's merged view (``status``, ``paused`` and ISO-8601 ``assigned_at``,
    ``accepted_at``, ``respond_by``, ``resolve_by``). A paused case, or one in no clocked state
    (``WITH_ORG`` or ``AWAITING_COURT``), has none. The respond clock runs while an organisation or
    the court has yet to answer, the resolve clock once an organisation accepted; each has a warning
    at ``warn_fraction`` of its working time (``warn_at``) and a breach at its deadline.
    """
    status = view.get("status")
    if view.get("paused") or status not in WITH_ORG | AWAITING_COURT:
        return []
    out: list[tuple[TimerKind, datetime]] = []
    start = _dt(view.get("assigned_at"))
    respond_by = _dt(view.get("respond_by"))
    if respond_by is not None and status != "accepted":
        if start is not None:
            out.append(("respond_warn", warn_at(start, respond_by, warn_fraction, cal)))
        out.append(("respond_breach", respond_by))
    resolve_by = _dt(view.get("resolve_by"))
    rstart = _dt(view.get("accepted_at")) or start
    if resolve_by is not None and status == "accepted":
        if rstart is not None:
            out.append(("resolve_warn", warn_at(rstart, resolve_by, warn_fraction, cal)))
        out.append(("resolve_breach", resolve_by))
    return out
