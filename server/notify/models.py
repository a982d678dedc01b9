"""Push subscriptions, the push and SMS delivery queues (leased rows) and the server's VAPID key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

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


class PushDelivery(Base):
    __tablename__ = "push_deliveries"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subscription_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("push_subscriptions.id", ondelete="CASCADE"), index=True
    )
    payload: Mapped[Any] = mapped_column(Json)
    ttl: Mapped[int] = mapped_column(Integer, default=86400)
    urgency: Mapped[str] = mapped_column(String(16), default="normal")
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|sent|failed|gone
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index(
            "ix_push_deliveries_due",
            "next_attempt_at",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
    )


_SMS_PENDING = text("status = 'pending'")  # made here: in the class body ``text`` is the column


class SmsDelivery(Base):
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
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

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
