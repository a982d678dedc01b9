"""Regions, organisations and mediators: who serves where (DESIGN.md §4)."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, Json

LEVELS = ("village", "town", "county", "court", "professional")


class Region(Base):
    """A 12-digit administrative division (province 2, city 2, county 2, town 3, village 3)."""

    __tablename__ = "regions"
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    parent: Mapped[str | None] = mapped_column(String(12), index=True)
    level: Mapped[str] = mapped_column(String(16))  # county | town | village
    population: Mapped[int] = mapped_column(Integer, default=0)
    population_approx: Mapped[bool] = mapped_column(Boolean, default=True)


class Org(Base):
    """A mediation organisation, a 司法所, a professional committee or a court."""

    __tablename__ = "orgs"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))
    domain: Mapped[str | None] = mapped_column(String(16))  # professional committees: traffic, labor…
    parent_id: Mapped[str | None] = mapped_column(String(64))  # where a case escalates to by default
    region: Mapped[str] = mapped_column(String(12), ForeignKey("regions.code"), index=True)
    categories: Mapped[list[str]] = mapped_column(Json, default=list)
    online: Mapped[bool] = mapped_column(Boolean, default=True)
    in_person: Mapped[bool] = mapped_column(Boolean, default=True)
    hotline: Mapped[str | None] = mapped_column(String(32))


class Mediator(Base):
    __tablename__ = "mediators"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    org_id: Mapped[str] = mapped_column(String(64), ForeignKey("orgs.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    user_id: Mapped[str | None] = mapped_column(String(64), ForeignKey("users.id"), unique=True)
    specialities: Mapped[list[str]] = mapped_column(Json, default=list)
    capacity: Mapped[int] = mapped_column(Integer, default=20)
    open_cases: Mapped[int] = mapped_column(Integer, default=0)
