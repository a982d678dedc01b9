"""The cockpit's roll-up: cases counted by filing day and month, township, status and mediated.

The cockpit's figures (metrics.py) only need counts of cases by (group, status, mediated) over a
cohort of filing dates, so the roll-up keeps exactly those counts in ``cockpit_counts``
(models.py) per day and per month in China time, each per township and per county — and the
cockpit sums a few thousand rows instead of scanning the window's cases (issue #12: 1,000,000
cases, summary ≤ 500 ms for the province, ≤ 100 ms for a county).

- **Kept in step** by the case projection: ``SqlCaseIndex.project`` (server/sync/store/sql.py)
  calls ``count_change`` with the case's key before and after, in the same transaction as the
  ``cases`` row, so the counts are right at every commit. ``mediated`` is the case's status
  implying acceptance or ``cases.accepted`` (an ``accepted`` timeline event, set by the same
  projection).
- **Read** by ``queries.py`` for windows whose bounds are midnights in China time (the summary's
  days, the trend's months) and scopes of a township or wider; anything else falls back to
  ``direct.py``, the reference these counts must equal (tests/test_cockpit_rollup.py).
- **Rebuilt** from ``cases`` and the timeline by ``rebuild`` (``jiefen cockpit rebuild-rollup``),
  for repair or after a bulk load.

Not rolled up: the risk warnings (risks.py) count exact 7-day and 90-day windows back from *now*
and read respondents' records, which no day grain answers exactly; they read the last weeks'
cases through ``ix_cases_created_at``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, delete, exists, func, literal, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import InstrumentedAttribute, Session

from server.cockpit.metrics import IMPLIES_MEDIATED, Tally
from server.cockpit.models import CaseCount
from server.cockpit.risks import CST
from server.sync.models import CaseRow, RecordRow

DAY, MONTH = "d", "m"  # per township: ``town`` is the first 9 characters of the region
COUNTY_DAY, COUNTY_MONTH = "D", "M"  # per county: ``town`` holds its first 6
_TO_COUNTY = {DAY: COUNTY_DAY, MONTH: COUNTY_MONTH}


@dataclass(frozen=True, slots=True)
class Key:
    """Where one case is counted: filing ``day`` (``YYYY-MM-DD``, China time), ``town`` (first 9
    characters of its region, '' for none), current ``status``, ever ``mediated``."""

    day: str
    town: str
    status: str
    mediated: bool


def key_of(created_at: datetime, region: str | None, status: str, accepted: bool) -> Key:
    """The roll-up key of a case (``created_at`` aware; ``accepted``: an accepted timeline event)."""
    return Key(
        day=created_at.astimezone(CST).date().isoformat(),
        town=(region or "")[:9],
        status=status,
        mediated=accepted or status in IMPLIES_MEDIATED,
    )


def key_of_row(row: CaseRow) -> Key:
    return key_of(row.created_at, row.region, row.status, bool(row.accepted))


def _month(day: str) -> str:
    return day[:8] + "01"


def count_change(s: Session, old: Key | None, new: Key | None) -> None:
    """Move one case from ``old`` to ``new`` (None: not counted before / no longer counted), in
    all four grains, with one upsert statement; nothing when the key did not change."""
    if old == new:
        return
    deltas: dict[tuple[str, str, str, str, bool], int] = {}
    for key, d in ((old, -1), (new, 1)):
        if key is None:
            continue
        county = key.town[:6]
        for grain, period, place in (
            (DAY, key.day, key.town),
            (MONTH, _month(key.day), key.town),
            (COUNTY_DAY, key.day, county),
            (COUNTY_MONTH, _month(key.day), county),
        ):
            pk = (grain, period, place, key.status, key.mediated)
            deltas[pk] = deltas.get(pk, 0) + d
    rows = [
        {"grain": g, "period": p, "town": t, "status": st, "mediated": m, "n": n}
        for (g, p, t, st, m), n in sorted(deltas.items())
        if n
    ]
    if rows:
        s.execute(_upsert(s), rows)


def _upsert(s: Session) -> Any:
    """INSERT … ON CONFLICT (the key) DO UPDATE SET n = n + excluded.n, on either backend."""
    dialect = s.get_bind().dialect.name
    ins = postgresql.insert(CaseCount) if dialect == "postgresql" else sqlite.insert(CaseCount)
    return ins.on_conflict_do_update(
        index_elements=["grain", "period", "town", "status", "mediated"],
        set_={"n": CaseCount.n + ins.excluded.n},
    )


# -- reading ------------------------------------------------------------------------------------
def _local_day(at: datetime) -> date | None:
    """The China-time date of ``at`` when it is a midnight there, else None."""
    local = at.astimezone(CST)
    return local.date() if local.time() == time(0) else None


def _first_of_next_month(d: date) -> date:
    y, m = divmod(d.year * 12 + d.month, 12)
    return date(y, m + 1, 1)


def windows(start: datetime, end: datetime) -> list[tuple[str, str, str]] | None:
    """[start, end) as (grain, first period, period after the last): whole months from the month
    rows, the days before and after them from the day rows. None when a bound is not a midnight
    in China time (the roll-up cannot answer exactly)."""
    d0, d1 = _local_day(start), _local_day(end)
    if d0 is None or d1 is None:
        return None
    if d0 >= d1:
        return []
    m0 = d0 if d0.day == 1 else _first_of_next_month(d0)
    m1 = d1.replace(day=1)
    if m0 >= m1:
        return [(DAY, d0.isoformat(), d1.isoformat())]
    out = [(MONTH, m0.isoformat(), m1.isoformat())]
    if d0 < m0:
        out.append((DAY, d0.isoformat(), m0.isoformat()))
    if m1 < d1:
        out.append((DAY, m1.isoformat(), d1.isoformat()))
    return out


def covers(prefix: str | None) -> bool:
    """Whether the roll-up can count a scope: all cases, or a prefix of at most a township."""
    return prefix is None or len(prefix) <= 9


def _where(parts: Sequence[tuple[str, str, str]], prefix: str | None) -> ColumnElement[bool]:
    if not parts:
        return literal(False)
    when = or_(
        *[and_(CaseCount.grain == g, CaseCount.period >= lo, CaseCount.period < hi) for g, lo, hi in parts]
    )
    if prefix:
        # The range lets the (grain, town, period) index find a county's or township's rows (a
        # LIKE with ESCAPE does not); the LIKE keeps the match exact under any collation.
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        return and_(
            when,
            CaseCount.town >= prefix,
            CaseCount.town < upper,
            CaseCount.town.startswith(prefix, autoescape=True),
        )
    return when


def statement(
    group: ColumnElement[Any] | InstrumentedAttribute[Any],
    parts: Sequence[tuple[str, str, str]],
    prefix: str | None,
) -> Select[Any]:
    """The SELECT summing the windows ``parts`` by (``group``, status, mediated) (for EXPLAIN)."""
    total = func.sum(CaseCount.n)
    return (
        select(group, CaseCount.status, CaseCount.mediated, total)
        .where(_where(parts, prefix))
        .group_by(group, CaseCount.status, CaseCount.mediated)
        .having(total != 0)
    )


def _tallies(
    s: Session,
    group: ColumnElement[Any] | InstrumentedAttribute[Any],
    parts: Sequence[tuple[str, str, str]],
    prefix: str | None,
) -> dict[Any, list[Tally]]:
    out: dict[Any, list[Tally]] = {}
    for g, status, mediated, n in s.execute(statement(group, parts, prefix)):
        out.setdefault(g, []).append(Tally(str(status), bool(mediated), int(n)))
    return out


def by_town(s: Session, parts: Sequence[tuple[str, str, str]], prefix: str | None) -> dict[str, list[Tally]]:
    """Counts of the windows ``parts`` (from ``windows``) by township ('' for no region)."""
    return _tallies(s, CaseCount.town, parts, prefix)


def by_county(
    s: Session, parts: Sequence[tuple[str, str, str]], prefix: str | None
) -> dict[str, list[Tally]]:
    """Counts of the windows ``parts`` by county (first 6 characters of the region)."""
    if prefix is None or len(prefix) <= 6:
        county_parts = [(_TO_COUNTY[g], lo, hi) for g, lo, hi in parts]
        return _tallies(s, CaseCount.town, county_parts, prefix)
    return _tallies(s, func.substr(CaseCount.town, 1, 6), parts, prefix)


def by_month(s: Session, bounds: Sequence[datetime], prefix: str | None) -> list[list[Tally]] | None:
    """Counts per month between ``bounds`` (first days of months at midnight, China time), oldest
    first; None when a bound is not the first of a month at midnight."""
    days = [_local_day(b) for b in bounds]
    if any(d is None or d.day != 1 for d in days) or len(bounds) < 2:
        return None
    index = {d.isoformat(): i for i, d in enumerate(days[:-1]) if d is not None}
    first, last = days[0], days[-1]
    assert first is not None and last is not None
    grain = COUNTY_MONTH if prefix is None or len(prefix) <= 6 else MONTH
    raw = _tallies(s, CaseCount.period, [(grain, first.isoformat(), last.isoformat())], prefix)
    out: list[list[Tally]] = [[] for _ in range(len(bounds) - 1)]
    for period, ts in raw.items():
        if str(period) in index:
            out[index[str(period)]] = ts
    return out


# -- rebuilding ---------------------------------------------------------------------------------
def _accepted_event() -> ColumnElement[bool]:
    return exists().where(
        RecordRow.root == CaseRow.key,
        RecordRow.entity == "timeline",
        RecordRow.view["event"].as_string() == "accepted",
    )


def _day_sql(dialect: str) -> str:
    if dialect == "postgresql":
        return "to_char(created_at + interval '8 hours', 'YYYY-MM-DD')"
    return "strftime('%Y-%m-%d', created_at, '+8 hours')"  # SQLite keeps naive UTC text


def rebuild(s: Session, *, recheck_accepted: bool = True) -> int:
    """Recount ``cockpit_counts`` from ``cases`` (and, with ``recheck_accepted``, first set
    ``cases.accepted`` from the timeline records). Runs in the caller's transaction; returns the
    number of roll-up rows written."""
    dialect = s.get_bind().dialect.name
    if recheck_accepted:
        event = _accepted_event()
        s.execute(
            update(CaseRow)
            .where(CaseRow.accepted != event)
            .values(accepted=event)
            .execution_options(synchronize_session=False)
        )
    s.execute(delete(CaseCount))
    implies = ", ".join(f"'{x}'" for x in sorted(IMPLIES_MEDIATED))
    s.execute(
        text(
            "INSERT INTO cockpit_counts (grain, period, town, status, mediated, n) "
            f"SELECT 'd', {_day_sql(dialect)}, coalesce(substr(region, 1, 9), ''), status, "
            f"(accepted OR status IN ({implies})), count(*) FROM cases GROUP BY 2, 3, 4, 5"
        )
    )
    s.execute(
        text(
            "INSERT INTO cockpit_counts (grain, period, town, status, mediated, n) "
            "SELECT 'm', substr(period, 1, 8) || '01', town, status, mediated, sum(n) "
            "FROM cockpit_counts WHERE grain = 'd' GROUP BY 2, 3, 4, 5"
        )
    )
    s.execute(
        text(
            "INSERT INTO cockpit_counts (grain, period, town, status, mediated, n) "
            "SELECT CASE grain WHEN 'd' THEN 'D' ELSE 'M' END, period, substr(town, 1, 6), status, "
            "mediated, sum(n) FROM cockpit_counts WHERE grain IN ('d', 'm') GROUP BY 1, 2, 3, 4, 5"
        )
    )
    return int(s.scalar(select(func.count()).select_from(CaseCount)) or 0)


__all__ = [
    "COUNTY_DAY",
    "COUNTY_MONTH",
    "DAY",
    "MONTH",
    "Key",
    "by_county",
    "by_month",
    "by_town",
    "count_change",
    "covers",
    "key_of",
    "key_of_row",
    "rebuild",
    "statement",
    "windows",
]
