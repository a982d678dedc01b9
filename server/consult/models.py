"""Consultation content versions admins publish, and the anonymous consultation tally."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, BigId, Json, UTCDateTime, utcnow


class GuidanceSet(Base):
    """A version of the consultation content; the newest row is in force (else guidance.json)."""

    __tablename__ = "guidance_sets"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    version: Mapped[str] = mapped_column(String(32))
    data: Mapped[Any] = mapped_column(Json)
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Consultation(Base):
    """One answered consultation, anonymous by construction: the China-time day, the township (the
    first 9 digits of the region, or the county's 6) and the category — never the text, the caller
    or the address it came from."""

    __tablename__ = "consultations"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    day: Mapped[date] = mapped_column(Date)
    area: Mapped[str | None] = mapped_column(String(12))
    category: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(8), default="server")  # server | device (answered offline)

    __table_args__ = (Index("ix_consultations_day", "day"),)
