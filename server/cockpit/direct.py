"""The cockpit's tallies counted straight from the ``cases`` projection and the timeline records.

The reference the roll-up (``rollup.py``) must equal, case for case: tests compare the two, and
``queries.py`` falls back to these for a window or scope the roll-up cannot answer exactly (bounds
that are not midnights in China time, a scope narrower than a township). They scan every case of
the window, so they cost what the window holds.

Times: ``cases.created_at`` is UTC; the bounds are aware datetimes. A township is the first 9
digits of a case's region (``substr(region, 1, 9)``), a county the first 6, a city the first 4.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, literal, literal_column, or_, select
from sqlalchemy.orm import Session

from server.cockpit.metrics import IMPLIES_MEDIATED, Tally
from server.sync.models import CaseRow, RecordRow


def in_scope(prefix: str | None) -> ColumnElement[bool]:
    """Cases whose region starts with ``prefix`` (None: every case)."""
    if not prefix:
        return literal(True)
    return CaseRow.region.startswith(prefix, autoescape=True)


def town9() -> ColumnElement[str]:
    return func.substr(CaseRow.region, 1, 9)


def mediated() -> ColumnElement[bool]:
    """True when the case was ever accepted: its status implies it, or its timeline says so."""
    accepted_event = exists().where(
        RecordRow.root == CaseRow.key,
        RecordRow.entity == "timeline",
        RecordRow.view["event"].as_string() == "accepted",
    )
    return or_(CaseRow.status.in_(sorted(IMPLIES_MEDIATED)), accepted_event)


def tallies(s: Session, group: ColumnElement[Any], where: ColumnElement[bool]) -> dict[Any, list[Tally]]:
    """Cases matching ``where`` counted by (``group``, status, mediated): group value → tallies."""
    inner = (
        select(
            group.label("g"),
            CaseRow.status.label("status"),
            case((mediated(), 1), else_=0).label("mediated"),
        )
        .where(where)
        .subquery()
    )
    q: Select[Any] = select(inner.c.g, inner.c.status, inner.c.mediated, func.count()).group_by(
        inner.c.g, inner.c.status, inner.c.mediated
    )
    out: dict[Any, list[Tally]] = {}
    for g, status, med, n in s.execute(q):
        out.setdefault(g, []).append(Tally(str(status), bool(med), int(n)))
    return out


def by_town(s: Session, start: datetime, end: datetime, prefix: str | None) -> dict[Any, list[Tally]]:
    """Cases filed in [start, end) by ``substr(region, 1, 9)`` (None for a case with no region)."""
    where = and_(CaseRow.created_at >= start, CaseRow.created_at < end, in_scope(prefix))
    return tallies(s, town9(), where)


def by_county(s: Session, start: datetime, end: datetime, prefix: str | None) -> dict[Any, list[Tally]]:
    """Cases filed in [start, end) by ``substr(region, 1, 6)``."""
    where = and_(CaseRow.created_at >= start, CaseRow.created_at < end, in_scope(prefix))
    return tallies(s, func.substr(CaseRow.region, 1, 6), where)


def by_city(s: Session, start: datetime, end: datetime, prefix: str | None) -> dict[Any, list[Tally]]:
    """Cases filed in [start, end) by ``substr(region, 1, 4)`` (a city code's first 4 digits)."""
    where = and_(CaseRow.created_at >= start, CaseRow.created_at < end, in_scope(prefix))
    return tallies(s, func.substr(CaseRow.region, 1, 4), where)


def by_month(s: Session, bounds: Sequence[datetime], prefix: str | None) -> list[list[Tally]]:
    """Tallies per interval [bounds[i], bounds[i+1]), oldest first."""
    inner = bounds[1:-1]
    # One interval has no inner bound, and CASE with no WHEN is not SQL: every row is bucket 0.
    bucket: ColumnElement[Any] = (
        case(*[(CaseRow.created_at < b, i) for i, b in enumerate(inner)], else_=len(bounds) - 2)
        if inner
        else literal_column("0")
    )
    where = and_(CaseRow.created_at >= bounds[0], CaseRow.created_at < bounds[-1], in_scope(prefix))
    raw = tallies(s, bucket, where)
    return [raw.get(i, []) for i in range(len(bounds) - 1)]


__all__ = ["by_city", "by_county", "by_month", "by_town", "in_scope", "mediated", "tallies", "town9"]
