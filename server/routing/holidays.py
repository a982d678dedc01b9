"""The working-day calendar: a year's official arrangement as data, and the fallback before it.

Three sources, first match wins, for a date ``d``:

1. **A loaded arrangement** (``jiefen holidays load FILE`` or ``PUT /api/v1/holidays/{year}``):
   the State Council's notice for a year, as data (format below).  Its holidays are rest days, its
   adjusted workdays (调休上班) are working days, every other day follows Monday–Friday.
2. **The chinesecalendar library**, for the years it knows (2004–2026 in the version we pin).
3. **The statutory fallback** for later years: Monday–Friday minus the holidays every citizen has
   by 《全国年节及纪念日放假办法》 (as amended by 国务院令第795号, 2024-11-10, in force 2025-01-01):
   第二条 新年 1 day (1月1日), 春节 4 days (农历除夕、正月初一至初三), 清明节 1 day (农历清明当日),
   劳动节 2 days (5月1日、2日), 端午节 1 day (农历端午当日), 中秋节 1 day (农历中秋当日), 国庆节 3
   days (10月1日至3日); 第六条 a holiday on a Saturday or Sunday is made up on the next working day
   (补假).  The make-up swaps of 第七条 (调休) cannot be predicted and are left out.  Lunar dates
   and the 清明 solar term come from the ``lunar_python`` library.  Deadlines that touch a
   fallback year are *provisional*; they are recomputed (never earlier) when the year is loaded.

File format (JSON, UTF-8), one year per file::

    {
      "year": 2027,
      "source": "国务院办公厅关于2027年部分节假日安排的通知",
      "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"}, ...],
      "workdays": [{"name": "春节", "date": "2027-02-14"}, ...]
    }

``holidays`` are inclusive date ranges of rest days; ``workdays`` are weekend days declared working
days.  Dates lie in the year, or in the December before it (a notice may start 元旦 on 12-30).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import chinese_calendar
from lunar_python import Lunar

from server.refusals import ProblemsError

_DAY = timedelta(days=1)
MIN_YEAR, MAX_YEAR = 2000, 2100
_MAX_RANGE_DAYS = 15


@lru_cache(maxsize=256)
def statutory_holidays(year: int) -> Mapping[date, str]:
    """Rest days every citizen has in ``year`` by 放假办法 第二条 (name by date, no 补假).

    Raises ValueError outside 2000–2100 (beyond the lunar tables we rely on).
    """
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"year {year} outside {MIN_YEAR}–{MAX_YEAR}")
    spring = _lunar(year, 1, 1)
    qingming_solar = Lunar.fromYmd(year, 1, 1).getJieQiTable()["清明"]
    days: dict[date, str] = {date(year, 1, 1): "元旦"}
    for i in range(-1, 3):  # 除夕 is the day before 正月初一, whatever the length of 腊月
        days[spring + i * _DAY] = "春节"
    days[date(qingming_solar.getYear(), qingming_solar.getMonth(), qingming_solar.getDay())] = "清明节"
    days[date(year, 5, 1)] = days[date(year, 5, 2)] = "劳动节"
    days[_lunar(year, 5, 5)] = "端午节"
    days[_lunar(year, 8, 15)] = "中秋节"
    for d in (1, 2, 3):
        days[date(year, 10, d)] = "国庆节"
    return days


def _lunar(year: int, month: int, day: int) -> date:
    s = Lunar.fromYmd(year, month, day).getSolar()
    return date(s.getYear(), s.getMonth(), s.getDay())


@lru_cache(maxsize=256)
def fallback_rest_days(year: int) -> Mapping[date, str]:
    """Statutory holidays of ``year`` plus the make-up days of 第六条 (补假), by date."""
    base = statutory_holidays(year)
    rest = dict(base)
    for d in sorted(base):
        if d.weekday() >= 5:  # made up on the first working day after the holiday
            day = d + _DAY
            while day in rest or day.weekday() >= 5:
                day += _DAY
            rest[day] = f"{base[d]}（补假）"
    return rest


@lru_cache(maxsize=64)
def library_covers(year: int) -> bool:
    """Whether the chinesecalendar library has the State Council's notice for ``year``."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


# -- arrangements as data -------------------------------------------------------------------------


class ArrangementError(ProblemsError):
    """A holiday file that cannot be used; ``errors`` lists every problem in Chinese."""


@dataclass(frozen=True)
class Arrangement:
    """One year's official holiday arrangement (放假安排)."""

    year: int
    source: str
    holidays: Mapping[date, str]
    """Rest days by date, with the festival's name."""
    workdays: Mapping[date, str]
    """Weekend days declared working days (调休上班), with the festival they belong to."""

    def to_json(self) -> dict[str, Any]:
        """The file format (ranges of consecutive days with one name)."""
        ranges: list[dict[str, str]] = []
        for d in sorted(self.holidays):
            name = self.holidays[d]
            last = ranges[-1] if ranges else None
            if last and last["name"] == name and date.fromisoformat(last["to"]) + _DAY == d:
                last["to"] = d.isoformat()
            else:
                ranges.append({"name": name, "from": d.isoformat(), "to": d.isoformat()})
        return {
            "year": self.year,
            "source": self.source,
            "holidays": ranges,
            "workdays": [{"name": self.workdays[d], "date": d.isoformat()} for d in sorted(self.workdays)],
        }


def parse_arrangement(raw: Any) -> Arrangement:
    """Validate a holiday file's JSON value; raises ArrangementError listing every problem.

    Checks: known keys only; ``year`` in 2000–2100; dates in the year (or its preceding December);
    ranges of at most 15 days that do not overlap; adjusted workdays fall on a Saturday or Sunday and
    not inside a holiday; every statutory holiday of 放假办法 第二条 is a rest day.
    """
    errors: list[str] = []
    if not isinstance(raw, dict):
        raise ArrangementError(["文件内容应为 JSON 对象"])
    for k in raw:
        if k not in ("year", "source", "holidays", "workdays"):
            errors.append(f"不认识的字段 {str(k)[:20]}")
    year = raw.get("year")
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise ArrangementError([*errors, f"year 应为 {MIN_YEAR}–{MAX_YEAR} 之间的年份"])
    source = raw.get("source")
    if not isinstance(source, str) or not source.strip() or len(source) > 200:
        errors.append("source 应为发布通知的名称（1–200 字）")
        source = ""
    lo, hi = date(year - 1, 12, 1), date(year, 12, 31)
    holidays: dict[date, str] = {}
    for i, item in enumerate(_list(raw, "holidays", errors)):
        where = f"holidays[{i}]"
        name = _name(item, where, errors)
        start, end = _date(item, "from", where, errors), _date(item, "to", where, errors)
        if name is None or start is None or end is None:
            continue
        if not (lo <= start <= end <= hi):
            errors.append(f"{where} 日期应在 {lo}–{hi} 之间且 from 不晚于 to")
            continue
        if (end - start).days >= _MAX_RANGE_DAYS:
            errors.append(f"{where} 一段假期不应超过 {_MAX_RANGE_DAYS} 天")
            continue
        day = start
        while day <= end:
            if day in holidays:
                errors.append(f"{where} 的 {day} 与其他假期重复")
            holidays[day] = name
            day += _DAY
    workdays: dict[date, str] = {}
    for i, item in enumerate(_list(raw, "workdays", errors)):
        where = f"workdays[{i}]"
        name = _name(item, where, errors)
        day_or_none = _date(item, "date", where, errors)
        if name is None or day_or_none is None:
            continue
        d = day_or_none
        if not lo <= d <= hi:
            errors.append(f"{where} 日期应在 {lo}–{hi} 之间")
        elif d.weekday() < 5:
            errors.append(f"{where} {d} 不是周六或周日，无需调休上班")
        elif d in holidays:
            errors.append(f"{where} {d} 已列为假期")
        elif d in workdays:
            errors.append(f"{where} {d} 重复")
        workdays[d] = name
    missing = [f"{d}（{n}）" for d, n in sorted(statutory_holidays(year).items()) if d not in holidays]
    if missing:
        errors.append("缺少《全国年节及纪念日放假办法》第二条规定的法定节日：" + "、".join(missing))
    if errors:
        raise ArrangementError(errors)
    return Arrangement(year, str(source).strip(), holidays, workdays)


def _list(raw: Mapping[str, Any], key: str, errors: list[str]) -> list[Any]:
    value = raw.get(key, [])
    if not isinstance(value, list) or len(value) > 100:
        errors.append(f"{key} 应为列表（最多 100 项）")
        return []
    return value


def _name(item: Any, where: str, errors: list[str]) -> str | None:
    if not isinstance(item, dict):
        errors.append(f"{where} 应为对象")
        return None
    extra = set(item) - {"name", "from", "to", "date"}
    if extra:
        errors.append(f"{where} 有不认识的字段 {sorted(str(k)[:20] for k in extra)}")
    name = item.get("name")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 20 or "\x00" in name:
        errors.append(f"{where} name 应为节日名称（1–20 字）")
        return None
    return name.strip()


def _date(item: Mapping[str, Any], key: str, where: str, errors: list[str]) -> date | None:
    value = item.get(key)
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        errors.append(f"{where} {key} 应为 YYYY-MM-DD 格式的日期")
        return None


# -- the calendar deadlines are counted in ----------------------------------------------------------


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days, given the arrangements loaded so far (immutable; cheap to share).

    ``version`` identifies the loaded data (the newest stored row id; 0 when nothing is loaded).
    """

    arrangements: Mapping[int, Arrangement] = field(default_factory=dict)
    version: int = 0
    _cache: dict[date, bool] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, arrangements: Iterable[Arrangement], version: int = 0) -> WorkCalendar:
        """The calendar of these arrangements (one per year; a later one of the same year wins)."""
        return cls({a.year: a for a in arrangements}, version)

    def loaded(self, year: int) -> bool:
        """True when an arrangement for ``year`` was loaded (from the database or a file)."""
        return year in self.arrangements

    def provisional(self, year: int) -> bool:
        """True when ``year`` is counted by the statutory fallback (no notice loaded or known)."""
        return not self.loaded(year) and not library_covers(year)

    def is_workday(self, d: date) -> bool:
        """Whether ``d`` is a working day: a loaded arrangement's holidays and make-up workdays
        first, then the chinesecalendar library, then the statutory holidays, else Monday–Friday.
        Memoized per calendar."""
        hit = self._cache.get(d)
        if hit is None:
            hit = self._cache[d] = self._is_workday(d)
        return hit

    def _is_workday(self, d: date) -> bool:
        for y in (d.year, d.year + 1):  # a notice may reach into the December before its year
            a = self.arrangements.get(y)
            if a is not None:
                if d in a.holidays:
                    return False
                if d in a.workdays:
                    return True
        if self.loaded(d.year):
            return d.weekday() < 5
        if library_covers(d.year):
            return bool(chinese_calendar.is_workday(d))
        if MIN_YEAR <= d.year <= MAX_YEAR and d in fallback_rest_days(d.year):
            return False
        return d.weekday() < 5

    def provisional_note(self, years: Iterable[int]) -> str | None:
        """The Chinese note shown next to a deadline counted in fallback years, or None."""
        missing = sorted({y for y in years if self.provisional(y)})
        if not missing:
            return None
        names = "、".join(f"{y}年" for y in missing)
        return (
            f"{names}放假安排尚未载入，期限按《全国年节及纪念日放假办法》规定的法定节日暂定（未计调休），"
            "载入后重新计算，不会提前"
        )


BASE = WorkCalendar()
"""The calendar before any arrangement is loaded (library years, then the statutory fallback)."""
