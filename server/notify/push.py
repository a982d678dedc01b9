"""Web Push as a channel of the delivery queue (``delivery.py``): one row → one encrypted push.

This module only reads a ``push_deliveries`` row with its subscription, sends it with
:func:`~server.notify.webpush.send` (which classifies the push service's answer), and deletes a
subscription the push service says is gone (its queued rows cascade). Leasing, retries with
back-off, the TTL and recording outcomes are the queue's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from server.db import Database
from server.notify import delivery, webpush
from server.notify.keys import load_or_create
from server.notify.models import PushDelivery, PushSubscriptionRow
from server.notify.vapid import VapidKeys
from server.notify.webpush import DeliveryResult, Urgency
from server.settings import Settings

__all__ = ["MAX_ATTEMPTS", "PushJob", "PushOutbox", "PushWorker", "deliver_due"]

MAX_ATTEMPTS = 8  # with backoff() that is about four hours of trying
_DEFAULT_SUBJECT = Settings.vapid_subject


@dataclass(frozen=True, slots=True)
class PushJob:
    """One push as sent: the subscription (``PushSubscription.toJSON()`` shape) and the payload."""

    subscription: dict[str, Any] | None  # None when the subscription went away meanwhile
    payload: dict[str, Any]
    urgency: str


class PushOutbox(delivery.Outbox[PushDelivery, PushJob]):
    """Sends queued pushes signed with ``keys`` for the VAPID ``subject``.

    ``timeout`` (seconds) bounds one request to a push service; ``sender`` is
    :func:`webpush.send` or a stand-in with its signature."""

    name = "push"
    table = PushDelivery
    max_attempts = MAX_ATTEMPTS

    def __init__(
        self,
        keys: VapidKeys,
        *,
        subject: str = _DEFAULT_SUBJECT,
        timeout: float = 10.0,
        sender: Callable[..., DeliveryResult] = webpush.send,
    ) -> None:
        self.keys = keys
        self.subject = subject
        self.send_budget = timeout
        self.sender = sender

    def jobs(self, s: Session, rows: Sequence[PushDelivery]) -> list[PushJob]:
        ids = {r.subscription_id for r in rows}
        subs = {
            sub.id: {"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}}
            for sub in s.scalars(select(PushSubscriptionRow).where(PushSubscriptionRow.id.in_(ids)))
        }
        return [PushJob(subs.get(r.subscription_id), dict(r.payload), r.urgency) for r in rows]

    def send(self, job: PushJob, ttl: int) -> DeliveryResult:
        if job.subscription is None:
            return DeliveryResult(ok=False, gone=True, error="subscription deleted")
        try:
            return self.sender(
                job.subscription,
                job.payload,
                vapid_private_key=self.keys,
                subject=self.subject,
                ttl=ttl,
                urgency=cast(Urgency, job.urgency),
                timeout=self.send_budget,
            )
        except ValueError as exc:  # payload too large, unknown urgency: retrying cannot help
            return DeliveryResult(ok=False, error=f"not sendable: {exc}")

    def forget(self, s: Session, row: PushDelivery) -> None:
        # The browser dropped the subscription: forget it (its queued deliveries cascade).
        s.flush()
        s.execute(delete(PushSubscriptionRow).where(PushSubscriptionRow.id == row.subscription_id))


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
    """Send up to ``batch`` due pushes (see :func:`delivery.deliver_due`); returns how many were tried."""
    outbox = PushOutbox(keys, subject=subject, timeout=timeout, sender=sender)
    return delivery.deliver_due(db, outbox, now, owner=owner, batch=batch)


class PushWorker(delivery.DeliveryWorker[PushDelivery, PushJob]):
    """The push queue's thread; it reads the VAPID key each round (made on first use)."""

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
        def outbox() -> PushOutbox:
            return PushOutbox(load_or_create(db), subject=subject, timeout=timeout)

        super().__init__(db, outbox, name="push", interval=interval, batch=batch, owner=owner)
