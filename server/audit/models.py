"""``personal_data_access``: who received or opened which case's party records, and when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, BigId, UTCDateTime, utcnow


class PersonalDataAccess(Base):
    """One staff member's access to one case's parties: ``via`` is ``sync`` (their device received
    party records) or ``parties`` (they opened the case's parties through the API)."""

    __tablename__ = "personal_data_access"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    case_key: Mapped[str] = mapped_column(String(64))
    via: Mapped[str] = mapped_column(String(16))

    __table_args__ = (Index("ix_personal_data_access_case", "case_key", "at"),)
