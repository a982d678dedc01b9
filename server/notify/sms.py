"""Text messages: who gets one is decided in ``events.py``; this module queues them and sends them.

SMS is the fallback for people push cannot reach: a staff user with a phone number and no push
subscription (a mediator with a feature phone), and the applicant of a case a grid worker filed on
a villager's behalf (the villager may have no app at all).

What a text says is deliberately poor: the case code and what happened to it, never a name, a
summary or another party's number (an SMS passes through the provider and lies on the handset).
Links are left out as well: the recipients are exactly the people without the app.

Queueing happens in the unit of work of the event (``queue``), sending later in a worker thread
exactly like Web Push (``worker.py``): a row is leased in a short transaction, sent with no
transaction open, and its outcome recorded while the lease still holds; a gateway's
``SmsError(retry=True)`` (or any unexpected error) is retried with ``webpush.backoff`` and given up
after ``MAX_ATTEMPTS``.

The gateway is a deployment's choice (``JIEFEN_SMS_GATEWAY``): ``log`` (default) only logs each
text with the number masked, ``off`` queues nothing, and ``package.module:Class`` loads a class of
the deployment's own at startup. Such a class is built with no arguments (it reads its credentials
from its own environment variables) and implements :class:`~server.notify.channels.SmsGateway`::

    class AliyunGateway:
        def send_sms(self, phone: str, text: str) -> None:
            ...  # call the provider; raise SmsError(msg, retry=True) when trying later may work
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session

from server.background import PollingWorker
from server.db import Database, utcnow
from server.notify import webpush
from server.notify.channels import (
    SMS_MAX_CHARS,
    Channel,
    LoggingSmsGateway,
    Recipient,
    SmsGateway,
    mainland_mobile,
)
from server.notify.models import SmsDelivery
from server.notify.webpush import DeliveryResult, EventKind, NotificationText

__all__ = [
    "LEASE",
    "MAX_ATTEMPTS",
    "SmsWorker",
    "configure",
    "deliver_sms_due",
    "enabled",
    "load_gateway",
    "queue",
    "sms_content",
]

log = logging.getLogger("jiefen.notify.sms")

LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 5  # with webpush.backoff() about eight minutes of trying
_SEND_BUDGET = 15.0  # seconds one gateway call may take before the lease could run out under it
MAX_CONTENT = SMS_MAX_CHARS - 20  # room for the 【签名】 the channel puts in front

_enabled = True


def configure(*, enabled: bool) -> None:
    """Whether events queue texts at all (``JIEFEN_SMS_GATEWAY=off`` → False); set at app startup.

    Process-wide, like the gateway it stands for: the event functions run inside routing's unit
    of work, which knows nothing of the settings."""
    global _enabled
    _enabled = enabled


def enabled() -> bool:
    return _enabled


def load_gateway(spec: str) -> SmsGateway | None:
    """``log`` → :class:`LoggingSmsGateway`, ``off`` → None, ``module:Class`` → ``Class()``.

    Raises ``ValueError`` for anything else, so a misspelt setting stops the server at startup
    instead of silently dropping every text."""
    spec = spec.strip()
    if spec in ("", "log"):
        return LoggingSmsGateway()
    if spec == "off":
        return None
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise ValueError(f"JIEFEN_SMS_GATEWAY must be log, off or package.module:Class, not {spec!r}")
    try:
        factory = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"cannot load SMS gateway {spec!r}: {exc}") from exc
    gateway = factory()
    if not callable(getattr(gateway, "send_sms", None)):
        raise ValueError(f"SMS gateway {spec!r} has no send_sms(phone, text) method")
    return cast(SmsGateway, gateway)


# -- what a text says and queueing it ----------------------------------------------------------


def sms_content(message: NotificationText) -> str:
    """The words of a text for ``message``: its title (which names the case by code only) and,
    for the fixed texts of our own templates, its body.

    An assignment's body is the case summary, which may name people: it is replaced. Bodies that
    tell an app user to tap are dropped. The channel adds the signature in front."""
    title = message.title.rstrip("。")
    if message.kind == "assignment":
        body = "请登录解纷及时受理"
    elif message.kind in ("deadline_warning", "breach", "status") and "点击" not in message.body:
        body = message.body  # deadlines, the org escalated to, a status hint: no personal data
    else:
        body = ""
    body = body.rstrip("。")
    content = f"{title}，{body}" if body else title
    return content if len(content) <= MAX_CONTENT else content[: MAX_CONTENT - 1] + "…"


def queue(s: Session, recipients: Iterable[tuple[str | None, str]], content: str, kind: str) -> int:
    """Queue one text per distinct phone number (``recipients``: (user id or None, phone))."""
    if not _enabled:
        return 0
    seen: dict[str, str | None] = {}
    for user_id, raw in recipients:
        # One text per number however it was written (139-0572-8866, +86 13905728866…); a number no
        # SMS can reach (a landline, a typo) is not queued at all.
        phone = mainland_mobile(raw)
        if phone is not None and phone not in seen:
            seen[phone] = user_id
    if not seen:
        return 0
    queued_at = utcnow()  # the wall clock, as for pushes: a timer may fire with a logical now
    s.execute(
        insert(SmsDelivery),
        [
            {
                "user_id": user_id,
                "phone": phone,
                "text": content,
                "kind": kind,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": queued_at,
                "created_at": queued_at,
            }
            for phone, user_id in seen.items()
        ],
    )
    return len(seen)


# -- sending -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Job:
    id: int
    user_id: str | None
    phone: str
    text: str
    kind: str
    attempts: int


def _lease(db: Database, now: datetime, until: datetime, batch: int) -> list[_Job]:
    with db.session() as s:
        q = (
            select(SmsDelivery)
            .where(
                SmsDelivery.status == "pending",
                SmsDelivery.next_attempt_at <= now,
                or_(SmsDelivery.lease_until.is_(None), SmsDelivery.lease_until < now),
            )
            .order_by(SmsDelivery.next_attempt_at, SmsDelivery.id)
            .limit(batch)
        )
        if s.get_bind().dialect.name == "postgresql":
            q = q.with_for_update(skip_locked=True)
        jobs = []
        for d in s.scalars(q):
            d.lease_until = until
            jobs.append(_Job(d.id, d.user_id, d.phone, d.text, d.kind, d.attempts))
        return jobs


def _record(db: Database, job: _Job, result: DeliveryResult, now: datetime, lease: datetime) -> str:
    """Store one outcome; returns the status written ("" when the lease was lost meanwhile)."""
    with db.session() as s:
        d = s.scalars(
            select(SmsDelivery)
            .where(SmsDelivery.id == job.id, SmsDelivery.lease_until == lease)
            .with_for_update()
        ).one_or_none()
        if d is None or d.status != "pending":
            return ""  # another worker took the row over after our lease ran out: its outcome counts
        d.attempts = job.attempts + 1
        d.last_error = result.error
        d.lease_until = None
        if result.ok:
            d.status = "sent"
        elif result.retry and d.attempts < MAX_ATTEMPTS:
            wait = webpush.backoff(d.attempts - 1, retry_after=result.retry_after)
            d.next_attempt_at = now + timedelta(seconds=wait)
        else:
            d.status = "failed"
        return d.status


def _release(db: Database, jobs: list[_Job], lease: datetime) -> None:
    with db.session() as s:
        for job in jobs:
            d = s.get(SmsDelivery, job.id)
            if d is not None and d.lease_until == lease:
                d.lease_until = None


def _send_one(channel: Channel, job: _Job) -> DeliveryResult:
    # The stored text is the whole message: the channel puts the signature in front of the title.
    message = NotificationText(kind=cast(EventKind, job.kind), title=job.text, body="", url="", tag="")
    try:
        return channel.send(Recipient(job.user_id or "", phone=job.phone), message)
    except Exception as exc:  # a gateway that raised something else than SmsError: try again later
        log.exception("sms delivery %s: unexpected error", job.id)
        return DeliveryResult(ok=False, retry=True, error=f"{type(exc).__name__}: {exc}")


def deliver_sms_due(db: Database, channel: Channel, now: datetime, *, owner: str, batch: int = 50) -> int:
    """Lease up to ``batch`` due texts, send them, record outcomes; returns how many were tried."""
    lease = now + LEASE
    jobs = _lease(db, now, lease, batch)
    started = time.monotonic()
    tried = 0
    for i, job in enumerate(jobs):
        # Stop before a slow gateway could outlast the lease: the rest go back to the queue.
        if time.monotonic() - started + _SEND_BUDGET > LEASE.total_seconds() - 5:
            _release(db, jobs[i:], lease)
            break
        result = _send_one(channel, job)
        status = _record(db, job, result, now, lease)
        tried += 1
        log.debug("sms delivery %s by %s: %s", job.id, owner, status or "lease lost")
    return tried


class SmsWorker(PollingWorker):
    """A daemon thread that runs :func:`deliver_sms_due` every ``interval`` seconds until stopped."""

    name = "jiefen-sms"

    def __init__(
        self, db: Database, channel: Channel, *, interval: float, batch: int = 50, owner: str | None = None
    ) -> None:
        super().__init__(interval=interval, batch=batch, owner=owner)
        self.db = db
        self.channel = channel

    def deliver(self, now: datetime) -> int:
        return deliver_sms_due(self.db, self.channel, now, owner=self.owner, batch=self.batch)
