"""Sending queued Web Pushes off the request path: leased rows, retries with back-off, pruning.

A row is *leased* (``lease_until``) in a short transaction, sent with no transaction open (a push
service may take seconds), and its outcome recorded in another short transaction.  Several worker
threads or processes can share one queue: on PostgreSQL ``FOR UPDATE SKIP LOCKED`` keeps them off
each other's rows while leasing, on SQLite the single writer lock does; an unexpired lease keeps a
row from being sent twice, and an outcome is only recorded while its lease still holds.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import delete, or_, select

from server.background import PollingWorker
from server.db import Database
from server.notify import webpush
from server.notify.keys import load_or_create
from server.notify.models import PushDelivery, PushSubscriptionRow
from server.notify.vapid import VapidKeys
from server.notify.webpush import DeliveryResult, Urgency
from server.settings import Settings

__all__ = ["LEASE", "MAX_ATTEMPTS", "PushWorker", "deliver_due"]

log = logging.getLogger("jiefen.notify.push")

LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 8  # with backoff() that is about four hours of trying
_DEFAULT_SUBJECT = Settings.vapid_subject


@dataclass(frozen=True, slots=True)
class _Job:
    id: int
    subscription_id: int
    subscription: dict[str, Any]
    payload: dict[str, Any]
    ttl: int
    urgency: str
    attempts: int
    created_at: datetime


def _lease(db: Database, now: datetime, until: datetime, batch: int) -> list[_Job]:
    with db.session() as s:
        q = (
            select(PushDelivery, PushSubscriptionRow)
            .join(PushSubscriptionRow, PushSubscriptionRow.id == PushDelivery.subscription_id)
            .where(
                PushDelivery.status == "pending",
                PushDelivery.next_attempt_at <= now,
                or_(PushDelivery.lease_until.is_(None), PushDelivery.lease_until < now),
            )
            .order_by(PushDelivery.next_attempt_at, PushDelivery.id)
            .limit(batch)
        )
        if s.get_bind().dialect.name == "postgresql":
            q = q.with_for_update(skip_locked=True, of=PushDelivery)
        jobs = []
        for d, sub in s.execute(q):
            d.lease_until = until
            jobs.append(
                _Job(
                    d.id,
                    sub.id,
                    {"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}},
                    dict(d.payload),
                    d.ttl,
                    d.urgency,
                    d.attempts,
                    d.created_at,
                )
            )
        return jobs


def _record(db: Database, job: _Job, result: DeliveryResult, now: datetime, lease: datetime) -> str:
    """Store one outcome; returns the status written ("" when the lease was lost meanwhile)."""
    with db.session() as s:
        d = s.scalars(
            select(PushDelivery)
            .where(PushDelivery.id == job.id, PushDelivery.lease_until == lease)
            .with_for_update()
        ).one_or_none()
        if d is None or d.status != "pending":
            return ""  # our lease ran out and another worker took the row over: its outcome counts
        d.attempts = job.attempts + 1
        d.last_error = result.error
        d.lease_until = None
        if result.ok:
            d.status = "sent"
        elif result.gone:
            # The browser dropped the subscription: forget it (its queued deliveries cascade).
            s.execute(delete(PushSubscriptionRow).where(PushSubscriptionRow.id == job.subscription_id))
            return "gone"
        elif result.retry and d.attempts < MAX_ATTEMPTS:
            wait = webpush.backoff(d.attempts - 1, retry_after=result.retry_after)
            d.next_attempt_at = now + timedelta(seconds=wait)
        else:
            d.status = "failed"
        return d.status


def _release(db: Database, jobs: list[_Job], lease: datetime) -> None:
    with db.session() as s:
        for job in jobs:
            d = s.get(PushDelivery, job.id)
            if d is not None and d.lease_until == lease:
                d.lease_until = None


def _send_one(
    job: _Job,
    keys: VapidKeys,
    now: datetime,
    subject: str,
    timeout: float,
    sender: Callable[..., DeliveryResult],
) -> DeliveryResult:
    # The push service keeps a message for its TTL from when it gets it; time spent in our queue
    # (retries) counts against it, so a deadline warning never arrives after the deadline.
    elapsed = max(0, int((now - job.created_at).total_seconds()))
    ttl = max(0, job.ttl - elapsed)
    if job.ttl > 0 and ttl == 0:
        return DeliveryResult(ok=False, error="expired before it could be delivered")
    try:
        return sender(
            job.subscription,
            job.payload,
            vapid_private_key=keys,
            subject=subject,
            ttl=ttl,
            urgency=cast(Urgency, job.urgency),
            timeout=timeout,
        )
    except ValueError as exc:  # payload too large, unknown urgency: retrying cannot help
        return DeliveryResult(ok=False, error=f"not sendable: {exc}")
    except Exception as exc:
        log.exception("push delivery %s: unexpected error", job.id)
        return DeliveryResult(ok=False, retry=True, error=f"{type(exc).__name__}: {exc}")


def deliver_due(
    db: Database,
    keys: VapidKeys,
    now: datetime,
    *,
    owner: str,
    batch: int = 50,
    subject: str = _DEFAULT_SUBJECT,
    timeout: float = 10.0,
    sender: Callable[..., DeliveryResult] = webpush.send,
) -> int:
    """Lease up to ``batch`` due deliveries, send them, record outcomes; returns how many were tried."""
    lease = now + LEASE
    jobs = _lease(db, now, lease, batch)
    started = time.monotonic()
    tried = 0
    for i, job in enumerate(jobs):
        # Stop before a slow push service could outlast the lease: the rest go back to the queue.
        if time.monotonic() - started + timeout > LEASE.total_seconds() - 5:
            _release(db, jobs[i:], lease)
            break
        result = _send_one(job, keys, now, subject, timeout, sender)
        status = _record(db, job, result, now, lease)
        tried += 1
        log.debug("push delivery %s by %s: %s %s", job.id, owner, status or "lease lost", result.status)
    return tried


class PushWorker(PollingWorker):
    """A daemon thread that runs :func:`deliver_due` every ``interval`` seconds until stopped."""

    name = "jiefen-push"

    def __init__(
        self,
        db: Database,
        *,
        interval: float,
        subject: str = _DEFAULT_SUBJECT,
        batch: int = 50,
        owner: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        super().__init__(interval=interval, batch=batch, owner=owner)
        self.db = db
        self.subject = subject
        self.timeout = timeout

    def deliver(self, now: datetime) -> int:
        keys = load_or_create(self.db)
        return deliver_due(
            self.db, keys, now, owner=self.owner, batch=self.batch, subject=self.subject, timeout=self.timeout
        )
