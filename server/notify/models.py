"""Push subscriptions, the push and SMS delivery queues (leased rows) and the server's VAPID key.

Both queues share their bookkeeping columns (:class:`QueuedDelivery`), which is all that
``delivery.py`` reads and writes; what is sent (a push payload to a subscription, a text to a
phone) stays in each channel's own table.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, BigId, Json, UTCDateTime, utcnow


class PushSubscriptionRow(Base):
    __tablename__ = "push_subscriptions"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(64), ForeignKey("users.id"), index=True)
    endpoint: Mapped[str] = mapped_column(String(1000), unique=True)
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QueuedDelivery:
    """The columns the delivery queue works on, shared by every channel's table.

    ``status`` is pending|sent|failed (push also ``gone``); ``attempts`` counts tries made;
    ``next_attempt_at`` is when the row is due; ``lease_until`` is set while a worker holds it;
    ``ttl`` (seconds, 0 = none) counts down from ``created_at``: a row older than that is dropped
    instead of sent. All times are UTC.
    """

    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ttl: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    if TYPE_CHECKING:
        id: Mapped[int]  # each table declares its own key


class PushDelivery(QueuedDelivery, Base):
    __tablename__ = "push_deliveries"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subscription_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("push_subscriptions.id", ondelete="CASCADE"), index=True
    )
    payload: Mapped[Any] = mapped_column(Json)
    ttl: Mapped[int] = mapped_column(Integer, default=86400)
    urgency: Mapped[str] = mapped_column(String(16), default="normal")

    __table_args__ = (
        Index(
            "ix_push_deliveries_due",
            "next_attempt_at",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
    )


_SMS_PENDING = text("status = 'pending'")  # made here: in the class body ``text`` is the column


class SmsDelivery(QueuedDelivery, Base):
    """One queued text message: to a staff user without push, or to a party by the party's phone.

    ``user_id`` is None for a party (a villager on whose behalf a grid worker filed: no account).
    ``text`` is what the person reads, without the gateway's signature; it never holds a name.
    """

    __tablename__ = "sms_deliveries"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[str | None] = mapped_column(String(64), ForeignKey("users.id"), index=True)
    phone: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(32))

    __table_args__ = (
        Index(
            "ix_sms_deliveries_due",
            "next_attempt_at",
            postgresql_where=_SMS_PENDING,
            sqlite_where=_SMS_PENDING,
        ),
    )


class VapidKeyRow(Base):
    __tablename__ = "vapid_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    private_pem: Mapped[str] = mapped_column(Text)
    public_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
