"""The SLA scheduler: a background worker that fires due timers through ``RoutingService.on_timer``.

One direction: scheduler → service (effects: warning, escalation, notification) → timer rows
(``timers.py``) → pure deadlines (``sla.py``). Firing happens in the same transaction as its
effects, under the sync writer lock, so a crash mid-way rolls back and another round fires it later.
"""

from __future__ import annotations

from datetime import UTC, datetime

from server.background import PollingWorker
from server.db import Database
from server.routing.service import RoutingService
from server.routing.timers import take_due
from server.sync.service import ServerReplica, Writer
from server.sync.store import SqlStore

# Timers fired per transaction: each hold of the sync writer lock stays well under 0.2 s.
BATCH = 20


def fire_due(
    db: Database, routing: RoutingService, server: ServerReplica, now: datetime, limit: int = BATCH
) -> int:
    """Fire due timers (up to ``limit``); returns how many fired.

    Small batches keep each hold of the sync writer lock short (a breach escalates, ~10 ms each), so
    phones pushing during a burst of breaches wait a fraction of a second, not seconds.
    """
    with db.session() as s:
        store = SqlStore(s)
        store.lock_for_write()
        due = take_due(s, now, limit, skip_locked=store.pg)
        if not due:
            return 0
        w = Writer(store, server, int(now.timestamp() * 1000))
        for t in due:
            t.fired_at = now
            routing.on_timer(w, t.case_key, t.kind)
        w.finish()
        return len(due)


class Scheduler(PollingWorker):
    """Fires due timers every ``interval`` seconds until stopped (one per server process)."""

    name = "jiefen-sla-timers"

    def __init__(self, db: Database, routing: RoutingService, server: ServerReplica, interval: float) -> None:
        super().__init__(interval=interval, batch=BATCH)
        self.db, self.routing, self.server = db, routing, server

    def deliver(self, now: datetime) -> int:
        # The wall clock, not ``now`` of the round: each batch runs as the time it really runs at.
        """One batch of due timers fired; how many fired."""
        return fire_due(self.db, self.routing, self.server, datetime.now(UTC), limit=self.batch)
