"""One leased delivery queue for every channel (Web Push, SMS): lease, send, record, back off.

A channel (an :class:`Outbox`) knows only its table, how to read what one row sends, how to send
it and what to do when the recipient is gone for good; this module owns the cycle around it:

- *lease*: due rows are leased (``lease_until``) in a short transaction. On PostgreSQL
  ``FOR UPDATE SKIP LOCKED`` keeps concurrent workers off each other's rows; on SQLite the single
  writer lock does. An unexpired lease keeps a row from being sent twice; an expired one (a worker
  that died mid-send) makes the row due again.
- *send* with no transaction open (a push service or SMS gateway may take seconds). The TTL counts
  down from when the row was queued, so a deadline warning stuck in retries is dropped, not sent late.
- *record* the outcome in another short transaction, only while our lease still holds: sent;
  retried after :func:`~server.notify.webpush.backoff` (a retryable failure, or any unexpected
  error) until the channel's ``max_attempts``; failed; or gone (the channel forgets the recipient).
- *release* the rows a slow round could not reach before its lease would run out.
"""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from server.background import PollingWorker
from server.db import Database
from server.notify.models import QueuedDelivery
from server.notify.webpush import DeliveryResult, backoff

__all__ = ["EXPIRED", "LEASE", "DeliveryWorker", "Outbox", "deliver_due", "remaining_ttl"]

LEASE = timedelta(seconds=60)
EXPIRED = "expired before it could be delivered"

R = TypeVar("R", bound=QueuedDelivery)
J = TypeVar("J")


class Outbox(ABC, Generic[R, J]):
    """One channel's side of the queue: rows of type ``R`` in its table, sent as jobs ``J``.

    Subclasses set the class attributes and implement :meth:`jobs` and :meth:`send`; they never
    touch the bookkeeping columns of :class:`~server.notify.models.QueuedDelivery`.
    """

    name: str  # "push", "sms": the worker thread's and the log's name
    table: type[R]
    max_attempts: int  # tries before a retryable failure counts as failed
    send_budget: float  # seconds one send may take at most (the round stops before the lease would)

    @abstractmethod
    def jobs(self, s: Session, rows: Sequence[R]) -> list[J]:
        """What each of ``rows`` sends (same order), read in the leasing transaction."""

    @abstractmethod
    def send(self, job: J, ttl: int) -> DeliveryResult:
        """Send one job; ``ttl`` is what is left of the row's TTL in seconds (0 when it has none).

        Returns the outcome classified (ok, retry, gone or final failure); an exception counts as
        a retryable failure."""

    def forget(self, s: Session, row: R) -> None:
        """The recipient of ``row`` is gone for good (a dropped push subscription): forget it."""


@dataclass(frozen=True, slots=True)
class _Leased(Generic[J]):
    id: int
    attempts: int
    created_at: datetime
    ttl: int
    job: J


def remaining_ttl(ttl: int, created_at: datetime, now: datetime) -> int:
    """Seconds left of a ``ttl`` counted from ``created_at`` (never below 0)."""
    return max(0, ttl - max(0, int((now - created_at).total_seconds())))


def _lease(
    db: Database, outbox: Outbox[R, J], now: datetime, until: datetime, batch: int
) -> list[_Leased[J]]:
    t = outbox.table
    with db.session() as s:
        q = (
            select(t)
            .where(
                t.status == "pending",
                t.next_attempt_at <= now,
                or_(t.lease_until.is_(None), t.lease_until < now),
            )
            .order_by(t.next_attempt_at, t.id)
            .limit(batch)
        )
        if s.get_bind().dialect.name == "postgresql":
            q = q.with_for_update(skip_locked=True)
        rows = list(s.scalars(q))
        for row in rows:
            row.lease_until = until
        jobs = outbox.jobs(s, rows)
        return [
            _Leased(r.id, r.attempts, r.created_at, r.ttl, job) for r, job in zip(rows, jobs, strict=True)
        ]


def _send(outbox: Outbox[R, J], leased: _Leased[J], now: datetime, log: logging.Logger) -> DeliveryResult:
    ttl = remaining_ttl(leased.ttl, leased.created_at, now)
    if leased.ttl > 0 and ttl == 0:
        return DeliveryResult(ok=False, error=EXPIRED)
    try:
        return outbox.send(leased.job, ttl)
    except Exception as exc:  # a channel bug or a provider's odd error: try again later
        log.exception("%s delivery %s: unexpected error", outbox.name, leased.id)
        return DeliveryResult(ok=False, retry=True, error=f"{type(exc).__name__}: {exc}")


def _record(
    db: Database,
    outbox: Outbox[R, J],
    leased: _Leased[J],
    result: DeliveryResult,
    now: datetime,
    lease: datetime,
) -> str:
    """Store one outcome; returns the status written ("" when the lease was lost meanwhile)."""
    t = outbox.table
    with db.session() as s:
        row = s.scalars(
            select(t).where(t.id == leased.id, t.lease_until == lease).with_for_update()
        ).one_or_none()
        if row is None or row.status != "pending":
            return ""  # our lease ran out and another worker took the row over: its outcome counts
        row.attempts = leased.attempts + 1
        row.last_error = result.error
        row.lease_until = None
        if result.ok:
            row.status = "sent"
        elif result.gone:
            row.status = "gone"
            outbox.forget(s, row)
        elif result.retry and row.attempts < outbox.max_attempts:
            wait = backoff(row.attempts - 1, retry_after=result.retry_after)
            row.next_attempt_at = now + timedelta(seconds=wait)
        else:
            row.status = "failed"
        return row.status


def _release(db: Database, outbox: Outbox[R, J], leased: Sequence[_Leased[J]], lease: datetime) -> None:
    with db.session() as s:
        for item in leased:
            row = s.get(outbox.table, item.id)
            if row is not None and row.lease_until == lease:
                row.lease_until = None


def deliver_due(db: Database, outbox: Outbox[R, J], now: datetime, *, owner: str, batch: int = 50) -> int:
    """Lease up to ``batch`` of ``outbox``'s due rows, send them, record outcomes.

    ``now`` is UTC; ``owner`` names the worker in the debug log. Returns how many were tried (an
    expired row counts: it was dealt with). Raises only what the database raises."""
    log = logging.getLogger(f"jiefen.notify.{outbox.name}")
    lease = now + LEASE
    leased = _lease(db, outbox, now, lease, batch)
    started = time.monotonic()
    tried = 0
    for i, item in enumerate(leased):
        # Stop before a slow channel could outlast the lease: the rest go back to the queue.
        if time.monotonic() - started + outbox.send_budget > LEASE.total_seconds() - 5:
            _release(db, outbox, leased[i:], lease)
            break
        result = _send(outbox, item, now, log)
        status = _record(db, outbox, item, result, now, lease)
        tried += 1
        log.debug(
            "%s delivery %s by %s: %s %s", outbox.name, item.id, owner, status or "lease lost", result.status
        )
    return tried


class DeliveryWorker(PollingWorker, Generic[R, J]):
    """A daemon thread that runs :func:`deliver_due` every ``interval`` seconds until stopped.

    ``outbox`` is called at the start of each round, so a channel may pick up a rotated key; the
    thread is named ``jiefen-<name>``."""

    def __init__(
        self,
        db: Database,
        outbox: Callable[[], Outbox[R, J]],
        *,
        name: str,
        interval: float,
        batch: int = 50,
        owner: str | None = None,
    ) -> None:
        super().__init__(interval=interval, batch=batch, owner=owner)
        self.db = db
        self.outbox = outbox
        self.name = f"jiefen-{name}"

    def deliver(self, now: datetime) -> int:
        return deliver_due(self.db, self.outbox(), now, owner=self.owner, batch=self.batch)
