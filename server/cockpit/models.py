"""The cockpit's roll-up table (``rollup.py`` keeps and reads it)."""

from __future__ import annotations

from sqlalchemy import Boolean, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base


class CaseCount(Base):
    """How many cases filed in one period and township are now in one (status, mediated).

    ``grain`` ``d``: ``period`` is a day (``YYYY-MM-DD``, China time) and ``town`` the first 9
    characters of the case's region ('' when it has none); ``m``: ``period`` is the first day of
    a month; ``D`` and ``M``: the same per county (``town`` holds the first 6 characters). Every
    case is counted once in each grain. ``n`` can be 0 (a case moved away); such rows are harmless.
    """

    __tablename__ = "cockpit_counts"
    grain: Mapped[str] = mapped_column(String(1), primary_key=True)
    period: Mapped[str] = mapped_column(String(10), primary_key=True)
    town: Mapped[str] = mapped_column(String(9), primary_key=True)
    status: Mapped[str] = mapped_column(String(32), primary_key=True)
    mediated: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)

    # The primary key serves a window over every township (a province); this one a county's or a
    # township's few rows of a window.
    __table_args__ = (Index("ix_cockpit_counts_grain_town_period", "grain", "town", "period"),)
