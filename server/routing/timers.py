"""SLA timers: planned as rows with a due time, fired by a scan of what is due.

- The scan reads the partial index ``ix_timers_pending_due`` (unfired rows by due time), so its cost
  grows with what is due, not with the number of open cases.
- Firing happens in the same transaction as its effects (escalation ops, timeline, notifications),
  under the sync writer lock and ``FOR UPDATE SKIP LOCKED``: with several server processes each
  timer fires exactly once, and a crash mid-way rolls back so another process fires it later.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from server.background import PollingWorker
from server.db import Database
from server.routing import sla
from server.routing.holidays import BASE, WorkCalendar
from server.routing.models import Timer
from server.sync.service import ServerReplica, Writer
from server.sync.store import SqlStore

if TYPE_CHECKING:
    from server.routing.service import RoutingService

log = logging.getLogger(__name__)

# Timers fired per transaction: each hold of the sync writer lock stays well under 0.2 s.
_BATCH = 20


def _dt(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def wanted_timers(
    view: Mapping[str, Any], warn_fraction: float, cal: WorkCalendar = BASE
) -> list[tuple[str, datetime]]:
    """(kind, due) of every timer the case's current state calls for (pure)."""
    status = view.get("status")
    if view.get("paused") or status not in (
        "assigned",
        "accepted",
        "confirmation_requested",
        "filing_requested",
    ):
        return []
    out: list[tuple[str, datetime]] = []
    start = _dt(view.get("assigned_at"))
    respond_by = _dt(view.get("respond_by"))
    if respond_by is not None and status in ("assigned", "confirmation_requested", "filing_requested"):
        if start is not None:
            out.append(("respond_warn", sla.warn_at(start, respond_by, warn_fraction, cal)))
        out.append(("respond_breach", respond_by))
    resolve_by = _dt(view.get("resolve_by"))
    rstart = _dt(view.get("accepted_at")) or start
    if resolve_by is not None and status == "accepted":
        if rstart is not None:
            out.append(("resolve_warn", sla.warn_at(rstart, resolve_by, warn_fraction, cal)))
        out.append(("resolve_breach", resolve_by))
    return out


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
    for kind, due in wanted_timers(view, warn_fraction, cal):
        if (kind, due) not in fired:
            s.add(Timer(case_key=case_key, kind=kind, due_at=due))
    s.flush()


def fire_due(
    db: Database, routing: RoutingService, server: ServerReplica, now: datetime, limit: int = _BATCH
) -> int:
    """Fire due timers (up to ``limit``); returns how many fired.

    Small batches keep each hold of the sync writer lock short (a breach escalates, ~10 ms each), so
    phones pushing during a burst of breaches wait a fraction of a second, not seconds.
    """
    with db.session() as s:
        store = SqlStore(s)
        store.lock_for_write()
        q = (
            select(Timer)
            .where(Timer.fired_at.is_(None), Timer.due_at <= now)
            .order_by(Timer.due_at)
            .limit(limit)
        )
        if store.pg:
            q = q.with_for_update(skip_locked=True)
        due = list(s.scalars(q))
        if not due:
            return 0
        w = Writer(store, server, int(now.timestamp() * 1000))
        for t in due:
            t.fired_at = now
            _fire(w, routing, t)
        w.finish()
        return len(due)


def _fire(w: Writer, routing: RoutingService, t: Timer) -> None:
    view = dict(w.view("case", t.case_key))
    if t.kind.endswith("_warn"):
        w.server_put("case", t.case_key, "warned", t.kind)
        routing.notifier.deadline_warning(w, t.case_key, view, t.kind.split("_")[0])
        return
    escalated_to: str | None = None
    if view.get("status") in ("assigned", "accepted"):
        why = "超过受理期限未答复" if t.kind == "respond_breach" else "超过调解期限未办结"
        decision = routing.escalate(w, t.case_key, why)
        if decision is not None and decision.org_id:
            org = routing.registry(_session(w)).org(decision.org_id)
            escalated_to = org.name if org else decision.org_id
    routing.notifier.deadline_breached(w, t.case_key, view, t.kind.split("_")[0], escalated_to)


def _session(w: Writer) -> Session:
    assert isinstance(w.store, SqlStore)
    return w.store.s


class Scheduler(PollingWorker):
    """Fires due timers every ``interval`` seconds until stopped (one per server process)."""

    name = "jiefen-sla-timers"

    def __init__(self, db: Database, routing: RoutingService, server: ServerReplica, interval: float) -> None:
        super().__init__(interval=interval, batch=_BATCH)
        self.db, self.routing, self.server = db, routing, server

    def deliver(self, now: datetime) -> int:
        # The wall clock, not ``now`` of the round: each batch runs as the time it really runs at.
        return fire_due(self.db, self.routing, self.server, datetime.now(UTC), limit=self.batch)
