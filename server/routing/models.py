"""Timers (SLA deadlines), rule sets admins edit, and category corrections."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, BigId, Json, UTCDateTime, utcnow


class Timer(Base):
    """One pending SLA event; the scheduler leases due rows so each fires once across processes."""

    __tablename__ = "timers"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_key: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # respond_warn | respond_breach | resolve_*
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(64))

    # Partial index: the scan touches only unfired timers, in due order.
    __table_args__ = (
        Index(
            "ix_timers_pending_due",
            "due_at",
            postgresql_where=text("fired_at IS NULL"),
            sqlite_where=text("fired_at IS NULL"),
        ),
    )


class RuleSet(Base):
    """A version of the classification rules; the newest active one is used."""

    __tablename__ = "rule_sets"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    version: Mapped[str] = mapped_column(String(32))
    data: Mapped[Any] = mapped_column(Json)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CategoryCorrection(Base):
    """A mediator's correction of a case's category, kept so rules can be improved."""

    __tablename__ = "category_corrections"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_key: Mapped[str] = mapped_column(String(64), index=True)
    from_category: Mapped[str | None] = mapped_column(String(32))
    to_category: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(String(500), default="")
    by_user: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CategoryModel(Base):
    """A trained version of the category model (JSON artifact, see ``linear_model``).

    ``jiefen rules train`` adds a row with ``published_at`` unset (a draft, with its change
    report); publishing sets ``published_at`` to now.  The model in force is the row published
    most recently, so re-publishing an older row rolls back.  No row: the shipped model.json.
    """

    __tablename__ = "category_models"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    version: Mapped[str] = mapped_column(String(64))
    data: Mapped[Any] = mapped_column(Json)
    report: Mapped[Any] = mapped_column(Json)
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    published_by: Mapped[str | None] = mapped_column(String(64))


class CategoryExample(Base):
    """A labelled description from the field: a mediator's correction, or the category a case
    had when it was closed (resolved) — training data for the next model."""

    __tablename__ = "category_examples"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_key: Mapped[str] = mapped_column(String(64), index=True)
    text: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))  # correction | closing
    by_user: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HolidayYear(Base):
    """A loaded official holiday arrangement for one year (``holidays.py`` file format in ``data``).

    Rows are never changed: loading a year again adds its next ``version``; the newest row of each
    year is in force.  The largest ``id`` is the calendar's version every process compares to its own.
    """

    __tablename__ = "holiday_years"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    version: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(200))
    data: Mapped[Any] = mapped_column(Json)
    loaded_by: Mapped[str | None] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("year", "version"),)
