"""Loaded holiday arrangements in the database, and the calendar each process keeps in memory.

- ``load_arrangement`` validates a year's file, stores it as the year's next version, and in the
  same transaction recomputes every open case whose deadlines were provisional (never earlier).
- ``CalendarCache.current(s)`` compares the newest row id with the one it was built from (one
  indexed ``max(id)`` per unit of work) and rebuilds on change: a load from the CLI or another
  server process takes effect everywhere without a restart.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.db import Database
from server.routing.holidays import BASE, Arrangement, WorkCalendar, parse_arrangement
from server.routing.models import HolidayYear
from server.sync.models import CaseRow
from server.sync.service import ServerReplica, Writer
from server.sync.store import SqlStore

log = logging.getLogger(__name__)


class CalendarCache:
    """The working-day calendar as of the newest loaded arrangement (thread-safe)."""

    def __init__(self) -> None:
        self._cal = BASE
        self._lock = threading.Lock()

    def current(self, s: Session) -> WorkCalendar:
        version = s.scalar(select(func.max(HolidayYear.id))) or 0
        with self._lock:
            if version != self._cal.version:
                self._cal = WorkCalendar.of(_newest(s), version)
            return self._cal


def _newest(s: Session) -> list[Arrangement]:
    newest = (
        select(HolidayYear.year, func.max(HolidayYear.version).label("v"))
        .group_by(HolidayYear.year)
        .subquery()
    )
    rows = s.scalars(
        select(HolidayYear).join(
            newest, (HolidayYear.year == newest.c.year) & (HolidayYear.version == newest.c.v)
        )
    )
    out: list[Arrangement] = []
    for row in rows:
        try:
            out.append(parse_arrangement(row.data))
        except ValueError:  # validated when loaded; a later rule change must not stop deadlines
            log.exception("stored holiday arrangement %s v%s no longer validates", row.year, row.version)
    return out


class Recounter(Protocol):
    """What loading needs of the routing service (kept apart so this module does not import it)."""

    calendars: CalendarCache

    def now(self, w: Writer | None = None) -> datetime: ...

    def recompute_deadlines(self, w: Writer, key: str, cal: WorkCalendar, loaded: Arrangement) -> bool: ...


@dataclass(frozen=True)
class LoadResult:
    year: int
    version: int
    source: str
    recomputed: int
    """Open cases whose provisional deadlines were recomputed."""


def load_arrangement(
    db: Database,
    routing: Recounter,
    server: ServerReplica,
    raw: Any,
    loaded_by: str | None,
    now: datetime | None = None,
) -> LoadResult:
    """Validate and store ``raw`` (the file format of ``holidays.py``) as its year's next version.

    Raises ``ArrangementError`` (nothing stored) when the file is not usable.  Recomputes the
    provisional deadlines of open cases in the same transaction, under the sync writer lock.
    """
    arrangement = parse_arrangement(raw)
    moment = now or routing.now()
    with db.session() as s:
        store = SqlStore(s)
        store.lock_for_write()
        version = (
            s.scalar(select(func.max(HolidayYear.version)).where(HolidayYear.year == arrangement.year)) or 0
        ) + 1
        s.add(
            HolidayYear(
                year=arrangement.year,
                version=version,
                source=arrangement.source,
                data=arrangement.to_json(),
                loaded_by=loaded_by,
                loaded_at=moment.astimezone(UTC),
            )
        )
        s.flush()
        cal = routing.calendars.current(s)
        keys = list(
            s.scalars(
                select(CaseRow.key).where(CaseRow.deadline_provisional.is_not(None)).order_by(CaseRow.key)
            )
        )
        w = Writer(store, server, int(moment.timestamp() * 1000))
        done = sum(routing.recompute_deadlines(w, key, cal, arrangement) for key in keys)
        w.finish()
    return LoadResult(arrangement.year, version, arrangement.source, done)


def list_years(db: Database) -> list[dict[str, Any]]:
    """Every stored version, newest first: year, version, source, who loaded it and when."""
    with db.read_session() as s:
        rows = s.execute(
            select(
                HolidayYear.year,
                HolidayYear.version,
                HolidayYear.source,
                HolidayYear.loaded_by,
                HolidayYear.loaded_at,
            ).order_by(HolidayYear.year.desc(), HolidayYear.version.desc())
        )
        return [
            {"year": y, "version": v, "source": src, "loaded_by": by, "loaded_at": at.isoformat()}
            for y, v, src, by, at in rows
        ]


def stored_year(db: Database, year: int) -> dict[str, Any] | None:
    """The newest stored arrangement of ``year`` in the file format, with its version; or None."""
    with db.read_session() as s:
        row = s.scalars(
            select(HolidayYear).where(HolidayYear.year == year).order_by(HolidayYear.version.desc()).limit(1)
        ).first()
        if row is None:
            return None
        return {"version": row.version, **row.data}
