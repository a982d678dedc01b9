"""Ratings: one per case and party, written by the filer's rate intent after an outcome."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, BigId, UTCDateTime, utcnow


class Rating(Base):
    """A party's 1–5 satisfaction with how the case was handled, kept with who handled it then."""

    __tablename__ = "ratings"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_key: Mapped[str] = mapped_column(String(64), index=True)
    party: Mapped[str] = mapped_column(String(16))  # applicant (the filer's side)
    stars: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(String(500), default="")
    by_user: Mapped[str | None] = mapped_column(String(64))
    org_id: Mapped[str | None] = mapped_column(String(64), index=True)
    mediator_id: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("case_key", "party", name="uq_ratings_case_party"),)
