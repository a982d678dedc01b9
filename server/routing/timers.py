"""SLA timer rows: planned with a due time, taken when due.

- What a case's state calls for is ``sla.wanted_timers`` (pure); this module keeps the rows in step.
- ``take_due`` reads the partial index ``ix_timers_pending_due`` (unfired rows by due time), so its
  cost grows with what is due, not with the number of open cases; on PostgreSQL it skips rows another
  process holds (``FOR UPDATE SKIP LOCKED``), so with several processes each timer fires once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from server.routing import sla
from server.routing.holidays import BASE, WorkCalendar
from server.routing.models import Timer


def plan_timers(
    s: Session,
    case_key: str,
    view: Mapping[str, Any],
    now: datetime,
    warn_fraction: float,
    *,
    restart: bool = False,
    cal: WorkCalendar = BASE,
) -> None:
    """Replace the case's pending timers with what its state calls for now.

    Fired rows are kept so a re-plan (pause, resume, acceptance) never fires the same warning twice;
    ``restart`` (a new assignment) forgets them: the new organisation's clocks start afresh.
    """
    if restart:
        s.execute(delete(Timer).where(Timer.case_key == case_key))
        fired: set[tuple[str, datetime]] = set()
    else:
        s.execute(delete(Timer).where(Timer.case_key == case_key, Timer.fired_at.is_(None)))
        rows = s.execute(
            select(Timer.kind, Timer.due_at).where(Timer.case_key == case_key, Timer.fired_at.is_not(None))
        )
        fired = {(kind, due) for kind, due in rows}
    for kind, due in sla.wanted_timers(view, warn_fraction, cal):
        if (kind, due) not in fired:
            s.add(Timer(case_key=case_key, kind=kind, due_at=due))
    s.flush()


def take_due(s: Session, now: datetime, limit: int, *, skip_locked: bool) -> list[Timer]:
    """Up to ``limit`` unfired timers due at ``now``, earliest first.

    The caller sets ``fired_at`` and fires each in the same transaction: a crash rolls the marks back
    and another round takes them again. ``skip_locked`` (PostgreSQL) leaves rows another process holds.
    """
    q = select(Timer).where(Timer.fired_at.is_(None), Timer.due_at <= now).order_by(Timer.due_at).limit(limit)
    if skip_locked:
        q = q.with_for_update(skip_locked=True)
    return list(s.scalars(q))
