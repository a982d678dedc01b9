"""SQL for the cockpit: GROUP BY counts, never one row per case in Python.

The summary's and trend's tallies come from the roll-up (``rollup.py``: counts per day and month,
kept by the case projection); a window or scope it cannot answer exactly falls back to counting
``cases`` (``direct.py``, the reference). Risks read the recent ``cases`` rows.

Times: ``cases.created_at`` is UTC; days and months are China Standard Time (UTC+8), turned into
UTC bounds here so every backend compares plain timestamps. A township is the first 9 digits of a
case's 12-digit region (``substr(region, 1, 9)``), so village and town filings count for their town.

The one read of personal records is ``respondents``: the name and phone of respondent parties of
cases filed in the last 90 days, for matching only (risks.py masks the name; the phone never leaves).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from server.cockpit import direct, rollup
from server.cockpit.metrics import Tally, town_of
from server.cockpit.risks import (
    CST,
    GROUP_MIN_APPLICANTS,
    REPEAT_WINDOW_DAYS,
    SPIKE_BASELINE_WEEKS,
    SPIKE_WINDOW_DAYS,
    OpenCaseRow,
    RespondentRow,
    WeekCounts,
)
from server.registry.models import Region
from server.sync.models import CaseRow, RecordRow
from server.vocabulary import OPEN_STATES


@dataclass(frozen=True, slots=True)
class Scope:
    """Which cases a caller may count: those whose region starts with ``prefix`` (None: all)."""

    prefix: str | None = None

    def where(self) -> ColumnElement[bool]:
        return direct.in_scope(self.prefix)


@dataclass(frozen=True, slots=True)
class Town:
    code: str
    name: str
    population: int


def day_start(d: date) -> datetime:
    """00:00 China time of ``d``, as an aware datetime."""
    return datetime.combine(d, time(0), tzinfo=CST)


def month_starts(today: date, months: int) -> list[datetime]:
    """``months + 1`` bounds: the first day of each of the last ``months`` months (this one
    included) and of the next month, at 00:00 China time."""
    y, m = today.year, today.month
    out: list[datetime] = []
    for back in range(months - 1, -2, -1):
        yy, mm = divmod((y * 12 + m - 1) - back, 12)
        out.append(day_start(date(yy, mm + 1, 1)))
    return out


def _town9() -> ColumnElement[str]:
    return func.substr(CaseRow.region, 1, 9)


def _town_codes(raw: dict[Any, list[Tally]]) -> dict[str | None, list[Tally]]:
    """Group keys ``substr(region, 1, 9)`` as 12-digit town codes (None: no township)."""
    out: dict[str | None, list[Tally]] = {}
    for g, ts in raw.items():
        code = f"{g}000" if isinstance(g, str) and len(g) == 9 and g[6:] != "000" else None
        out.setdefault(code, []).extend(ts)
    return out


def tallies_by_town(
    s: Session, start: datetime, end: datetime, scope: Scope
) -> dict[str | None, list[Tally]]:
    """Tallies of cases filed in [start, end), by town code (None: a region outside any town).

    From the roll-up (rollup.py) when the bounds are midnights in China time, else from cases."""
    parts = rollup.windows(start, end)
    if parts is not None and rollup.covers(scope.prefix):
        return _town_codes(rollup.by_town(s, parts, scope.prefix))
    return _town_codes(direct.by_town(s, start, end, scope.prefix))


def tallies_by_county(
    s: Session, start: datetime, end: datetime, scope: Scope
) -> dict[str | None, list[Tally]]:
    """Tallies of cases filed in [start, end), by the first 6 characters of the region (a county
    code; None for a case with no region). Every case of the scope is in one entry, so a province
    view takes its total from here (from the county grain: ~100 rows a month, not ~10,000)."""
    parts = rollup.windows(start, end)
    if parts is not None and rollup.covers(scope.prefix):
        raw = rollup.by_county(s, parts, scope.prefix)
    else:
        raw = direct.by_county(s, start, end, scope.prefix)
    out: dict[str | None, list[Tally]] = {}
    for g, ts in raw.items():
        out.setdefault(str(g) if g else None, []).extend(ts)
    return out


def per_city(by_county: dict[str | None, list[Tally]]) -> dict[str | None, list[Tally]]:
    """County tallies (``tallies_by_county``) summed per city (the first 4 characters; None for no
    region): a province's city rows cost no read of their own. Pure."""
    out: dict[str | None, list[Tally]] = {}
    for county, ts in by_county.items():
        out.setdefault(county[:4] if county else None, []).extend(ts)
    return out


def tallies_by_city(
    s: Session, start: datetime, end: datetime, scope: Scope
) -> dict[str | None, list[Tally]]:
    """Tallies of cases filed in [start, end), by city: ``per_city`` of ``tallies_by_county``."""
    return per_city(tallies_by_county(s, start, end, scope))


def lists_cities(scope: Scope) -> bool:
    """Whether the summary of ``scope`` has a row per city: only a view wider than one city (the
    province, or everything)."""
    return scope.prefix is None or len(scope.prefix) < 4


def lists_towns(scope: Scope) -> bool:
    """Whether the summary of ``scope`` has a row per township: a city or narrower does; the
    province (or everything) lists its counties only — 1,387 townships are no table to read on a
    phone, and summing them is what made a province summary slow (docs/cockpit.md)."""
    return scope.prefix is not None and len(scope.prefix) >= 4


def counties(s: Session, scope: Scope) -> list[Town]:
    """The counties of the registry inside ``scope`` (code 12 digits, name, residents)."""
    q = select(Region.code, Region.name, Region.population).where(Region.level == "county")
    if scope.prefix:
        q = q.where(Region.code.startswith(scope.prefix[:6], autoescape=True))
    return [Town(c, n, int(p or 0)) for c, n, p in s.execute(q.order_by(Region.code))]


def cities(s: Session, scope: Scope) -> list[Town]:
    """The cities of the registry inside ``scope`` (code 12 digits, name, residents)."""
    q = select(Region.code, Region.name, Region.population).where(Region.level == "city")
    if scope.prefix:
        q = q.where(Region.code.startswith(scope.prefix[:4], autoescape=True))
    return [Town(c, n, int(p or 0)) for c, n, p in s.execute(q.order_by(Region.code))]


def tallies_by_month(s: Session, bounds: Sequence[datetime], scope: Scope) -> list[list[Tally]]:
    """Tallies per month: ``bounds`` from ``month_starts``; one list per month, oldest first."""
    if rollup.covers(scope.prefix):
        found = rollup.by_month(s, bounds, scope.prefix)
        if found is not None:
            return found
    return direct.by_month(s, bounds, scope.prefix)


def towns(s: Session, scope: Scope) -> list[Town]:
    q = select(Region.code, Region.name, Region.population).where(Region.level == "town")
    if scope.prefix:
        q = q.where(Region.code.startswith(scope.prefix, autoescape=True))
    return [Town(c, n, int(p or 0)) for c, n, p in s.execute(q.order_by(Region.code))]


def population(s: Session, scope: Scope) -> int:
    """Residents of the scope: its towns when it is narrower than a county, else its counties."""
    if scope.prefix and len(scope.prefix) > 6:
        return sum(t.population for t in towns(s, scope))
    q = select(func.coalesce(func.sum(Region.population), 0)).where(Region.level == "county")
    if scope.prefix:
        q = q.where(Region.code.startswith(scope.prefix, autoescape=True))
    return int(s.scalar(q) or 0)


def area(s: Session, prefix: str) -> tuple[str | None, str]:
    """The region an area prefix names (``3305`` → (``330500000000``, 湖州市)); the cockpit's
    widest view. (None, 全部) when the registry has no such row."""
    code = prefix.ljust(12, "0")
    name = region_name(s, code)
    return (code, name) if name else (None, "全部")


def region_name(s: Session, code: str) -> str | None:
    return s.scalar(select(Region.name).where(Region.code == code))


# -- risks --------------------------------------------------------------------------------------
def week_counts(s: Session, now: datetime, scope: Scope) -> list[WeekCounts]:
    """Per (town, category): cases of the last 7 days and of the 8 weeks before them."""
    recent_from = now - timedelta(days=SPIKE_WINDOW_DAYS)
    base_from = recent_from - timedelta(weeks=SPIKE_BASELINE_WEEKS)
    town = _town9().label("town")
    recent = func.sum(case((CaseRow.created_at >= recent_from, 1), else_=0))
    previous = func.sum(case((CaseRow.created_at < recent_from, 1), else_=0))
    q = (
        select(town, CaseRow.category, recent, previous)
        .where(
            CaseRow.created_at >= base_from,
            CaseRow.created_at <= now,
            CaseRow.category.is_not(None),
            scope.where(),
        )
        .group_by(town, CaseRow.category)
    )
    out: list[WeekCounts] = []
    for t, cat, r, p in s.execute(q):
        if isinstance(t, str) and len(t) == 9 and t[6:] != "000":
            out.append(WeekCounts(f"{t}000", str(cat), int(r or 0), int(p or 0)))
    return out


def respondents(s: Session, now: datetime, scope: Scope) -> list[RespondentRow]:
    """Respondent parties of cases filed in the last 90 days (name and phone only, for matching)."""
    since = now - timedelta(days=REPEAT_WINDOW_DAYS)
    q = (
        select(
            CaseRow.key,
            RecordRow.view["name"].as_string(),
            RecordRow.view["phone"].as_string(),
            CaseRow.region,
            CaseRow.category,
        )
        .join(CaseRow, CaseRow.key == RecordRow.root)
        .where(
            RecordRow.entity == "party",
            RecordRow.view["role"].as_string() == "respondent",
            CaseRow.created_at >= since,
            CaseRow.created_at <= now,
            scope.where(),
        )
    )
    out: list[RespondentRow] = []
    for key, name, phone, region, category in s.execute(q):
        out.append(RespondentRow(str(key), str(name or ""), str(phone or ""), town_of(region), category))
    return out


def open_group_cases(s: Session, scope: Scope) -> list[OpenCaseRow]:
    q = select(
        CaseRow.region, CaseRow.category, CaseRow.status, CaseRow.applicants, CaseRow.created_at
    ).where(
        CaseRow.status.in_(sorted(OPEN_STATES)),
        CaseRow.applicants >= GROUP_MIN_APPLICANTS,
        scope.where(),
    )
    out: list[OpenCaseRow] = []
    for region, category, status, applicants, created in s.execute(q):
        out.append(OpenCaseRow(town_of(region), category, str(status), int(applicants), created))
    return out


__all__ = [
    "Scope",
    "Town",
    "area",
    "cities",
    "counties",
    "day_start",
    "lists_cities",
    "lists_towns",
    "month_starts",
    "open_group_cases",
    "per_city",
    "population",
    "region_name",
    "respondents",
    "tallies_by_city",
    "tallies_by_county",
    "tallies_by_month",
    "tallies_by_town",
    "towns",
    "week_counts",
]
