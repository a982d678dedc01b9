"""Text messages: who gets one is decided in ``events.py``; this module queues them and sends them.

SMS is the fallback for people push cannot reach: a staff user with a phone number and no push
subscription (a mediator with a feature phone), and the applicant of a case a grid worker filed on
a villager's behalf (the villager may have no app at all).

What a text says is deliberately poor: the case code and what happened to it, never a name, a
summary or another party's number (an SMS passes through the provider and lies on the handset).
Links are left out as well: the recipients are exactly the people without the app.

Queueing happens in the unit of work of the event (``queue``), sending later in the one delivery
queue that Web Push uses too (``delivery.py``), with :class:`SmsOutbox` as its channel: a
gateway's ``SmsError(retry=True)`` (or any unexpected error) is retried with back-off and given up
after ``MAX_ATTEMPTS``; a text still queued when its TTL has run out (a deadline warning after the
deadline) is dropped.

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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import insert
from sqlalchemy.orm import Session

from server.db import Database, utcnow
from server.notify import delivery
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
    "MAX_ATTEMPTS",
    "SmsJob",
    "SmsOutbox",
    "SmsWorker",
    "deliver_sms_due",
    "is_off",
    "load_gateway",
    "queue",
    "sms_content",
]

log = logging.getLogger("jiefen.notify.sms")

MAX_ATTEMPTS = 5  # with webpush.backoff() about eight minutes of trying
MAX_CONTENT = SMS_MAX_CHARS - 20  # room for the 【签名】 the channel puts in front


def is_off(spec: str) -> bool:
    """``JIEFEN_SMS_GATEWAY`` says to send no texts (then none are queued either)."""
    return spec.strip() == "off"


def load_gateway(spec: str) -> SmsGateway | None:
    """``log`` → :class:`LoggingSmsGateway`, ``off`` → None, ``module:Class`` → ``Class()``.

    Raises ``ValueError`` for anything else, so a misspelt setting stops the server at startup
    instead of silently dropping every text."""
    if is_off(spec):
        return None
    spec = spec.strip()
    if spec in ("", "log"):
        return LoggingSmsGateway()
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


def queue(
    s: Session, recipients: Iterable[tuple[str | None, str]], content: str, kind: str, *, ttl: int = 0
) -> int:
    """Queue one text per distinct phone number (``recipients``: (user id or None, phone)).

    ``ttl`` (seconds, 0 = none) is how long the text stays worth sending. Returns how many
    were queued."""
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
                "ttl": max(0, ttl),
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": queued_at,
                "created_at": queued_at,
            }
            for phone, user_id in seen.items()
        ],
    )
    return len(seen)


# -- sending ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SmsJob:
    """One text as sent: to whom (``user_id`` None for a party) and what the stored row says."""

    user_id: str | None
    phone: str
    text: str
    kind: str


class SmsOutbox(delivery.Outbox[SmsDelivery, SmsJob]):
    """Sends queued texts through ``channel`` (which adds the 【签名】 and classifies refusals)."""

    name = "sms"
    table = SmsDelivery
    max_attempts = MAX_ATTEMPTS
    send_budget = 15.0  # seconds one gateway call may take before the lease could run out under it

    def __init__(self, channel: Channel) -> None:
        self.channel = channel

    def jobs(self, s: Session, rows: Sequence[SmsDelivery]) -> list[SmsJob]:
        return [SmsJob(r.user_id, r.phone, r.text, r.kind) for r in rows]

    def send(self, job: SmsJob, ttl: int) -> DeliveryResult:
        # The stored text is the whole message: the channel puts the signature in front of the title.
        message = NotificationText(kind=cast(EventKind, job.kind), title=job.text, body="", url="", tag="")
        return self.channel.send(Recipient(job.user_id or "", phone=job.phone), message)


def deliver_sms_due(db: Database, channel: Channel, now: datetime, *, owner: str, batch: int = 50) -> int:
    """Send up to ``batch`` due texts (see :func:`delivery.deliver_due`); returns how many were tried."""
    return delivery.deliver_due(db, SmsOutbox(channel), now, owner=owner, batch=batch)


class SmsWorker(delivery.DeliveryWorker[SmsDelivery, SmsJob]):
    """The SMS queue's thread, sending through ``channel``."""

    def __init__(
        self, db: Database, channel: Channel, *, interval: float, batch: int = 50, owner: str | None = None
    ) -> None:
        outbox = SmsOutbox(channel)
        super().__init__(db, lambda: outbox, name="sms", interval=interval, batch=batch, owner=owner)
