"""Mediators as routing sees them, kept in this process's memory while it is exact.

A routing decision needs, for the one organisation it picked, each mediator's speciality, capacity,
name and open-case count. Reading them is one indexed SELECT, but on a loaded PostgreSQL server a
round trip per decision is what sets the tail. This cache answers from memory when it can prove
the answer equals what the SELECT would return, and otherwise reads (and remembers) it:

- **Open-case counts** change only in a transaction that holds the sync writer lock and appends
  ops (``assignment.adjust_load``; every writer takes ``SqlStore.lock_for_write``). So the log head
  read under that lock (``Writer.head``) versions the counts: counts remembered at head ``H`` are
  exact for a transaction that finds the head still at ``H`` — nobody committed since. When a
  transaction of *this* process commits, its own count changes are folded in and the cache moves
  to the head it wrote (``_on_commit``); any other head (another process wrote) forgets every count.
  A transaction's own, uncommitted changes are added on top (``note_load``); a rollback drops them.
- **Speciality, capacity, name and the mediator list** change only through the CLI (seeding,
  ``create-user``), which announces ``registry`` (crossproc.py); the listener calls ``clear``.
  Because the announcement is the only signal, the cache is used only while this process listens
  (``watching``: PostgreSQL with a connected listener). Elsewhere (SQLite, tests) every decision
  reads live, as before.
"""

from __future__ import annotations

import dataclasses
import threading
import weakref
from collections.abc import Callable, Sequence

from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from server.registry.models import Mediator as MediatorRow
from server.routing.route import Mediator
from server.sync.store.sql import LOG_SPAN as _SPAN  # (head before, head after) of a transaction's ops

_OVERLAY = "jiefen_load_overlay"  # session.info: {mediator id: delta} of this transaction


def read_mediators(s: Session, org_id: str) -> list[Mediator]:
    """An organisation's mediators as stored (``s`` sees its own uncommitted writes), by id."""
    rows = s.execute(
        select(
            MediatorRow.id,
            MediatorRow.specialities,
            MediatorRow.open_cases,
            MediatorRow.capacity,
            MediatorRow.name,
        )
        .where(MediatorRow.org_id == org_id)
        .order_by(MediatorRow.id)
    )
    return [
        Mediator(
            id=mid,
            org_id=org_id,
            specialities=frozenset(spec or ()),
            open_cases=load,
            capacity=cap,
            name=name,
        )
        for mid, spec, load, cap, name in rows
    ]


def note_load(s: Session, mediator_id: str, delta: int) -> None:
    """Record that this transaction changed ``mediator_id``'s open-case count by ``delta``."""
    overlay: dict[str, int] = s.info.setdefault(_OVERLAY, {})
    overlay[mediator_id] = overlay.get(mediator_id, 0) + delta


class MediatorCache:
    """This process's mediators per organisation, exact as of log head ``head`` (module doc)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.watching: Callable[[], bool] = lambda: False
        self._lock = threading.Lock()
        self._head = -1
        self._orgs: dict[str, list[Mediator]] = {}
        self._org_of: dict[str, str] = {}
        self.hits = 0
        self.misses = 0
        _CACHES.add(self)

    def clear(self) -> None:
        """Forget everything (the registry changed, or the listener reconnected)."""
        with self._lock:
            self._head = -1
            self._orgs.clear()
            self._org_of.clear()

    def mediators_of(self, s: Session, org_id: str, head: int | None) -> Sequence[Mediator]:
        """``org_id``'s mediators as transaction ``s`` sees them; ``head`` is the log head that
        transaction found under the writer lock (None: not known, read live)."""
        if head is None or not self.watching():
            return read_mediators(s, org_id)
        overlay: dict[str, int] = s.info.get(_OVERLAY, {})
        with self._lock:
            if head != self._head:
                self._orgs.clear()
                self._org_of.clear()
                self._head = head
            cached = self._orgs.get(org_id)
        if cached is None:
            self.misses += 1
            live = read_mediators(s, org_id)  # includes this transaction's own changes
            base = [_plus(m, -overlay.get(m.id, 0)) for m in live]
            with self._lock:
                if self._head == head:
                    self._orgs[org_id] = base
                    self._org_of.update((m.id, org_id) for m in base)
            return live
        self.hits += 1
        return [_plus(m, overlay.get(m.id, 0)) for m in cached]

    def _on_commit(self, before: int, after: int, overlay: dict[str, int]) -> None:
        with self._lock:
            if self._head != before:
                return  # counts are from another head: the next decision will see it and reload
            for mid, delta in overlay.items():
                org = self._org_of.get(mid)
                if org is not None:
                    self._orgs[org] = [_plus(m, delta) if m.id == mid else m for m in self._orgs[org]]
            self._head = after


def _plus(m: Mediator, delta: int) -> Mediator:
    return dataclasses.replace(m, open_cases=m.open_cases + delta) if delta else m


_CACHES: weakref.WeakSet[MediatorCache] = weakref.WeakSet()


@event.listens_for(Session, "after_commit")
def _fold_commit(session: Session) -> None:
    span = session.info.pop(_SPAN, None)
    overlay = session.info.pop(_OVERLAY, {})
    if span is None:
        return  # no ops appended: no count changed (every count change comes with ops)
    pool = getattr(session.get_bind(), "pool", None)
    for cache in list(_CACHES):
        if cache.engine.pool is pool:  # this database's cache only (tests run several)
            cache._on_commit(span[0], span[1], overlay)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_SPAN, None)
    session.info.pop(_OVERLAY, None)
