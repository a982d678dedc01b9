"""The working-day calendar past the library's last year: statutory fallback, files as data."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import chinese_calendar
import pytest

from server.routing.holidays import (
    BASE,
    ArrangementError,
    WorkCalendar,
    fallback_rest_days,
    library_covers,
    parse_arrangement,
    statutory_holidays,
)
from server.routing.workdays import TZ, add_workdays

SAMPLE = Path(__file__).resolve().parent.parent / "docs" / "holidays" / "2027.example.json"


def sample() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    return data


def eod(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 23, 59, 59, tzinfo=TZ)


@pytest.mark.parametrize("year", [2025, 2026])
def test_statutory_days_are_holidays_in_the_official_notices(year: int) -> None:
    # The 2024 amendment (in force 2025) is what our fallback applies: its 13 days must all be rest
    # days in the State Council's notices the library carries, lunar dates and 清明 included.
    days = statutory_holidays(year)
    assert len(days) == 13
    for d, name in days.items():
        assert chinese_calendar.is_holiday(d), (d, name)


@pytest.mark.parametrize("year", range(2008, 2027))
def test_lunar_festivals_match_the_notices_of_every_library_year(year: int) -> None:
    for d, name in statutory_holidays(year).items():
        if name in ("清明节", "端午节", "中秋节") or (
            name == "春节" and d != min(x for x, n in statutory_holidays(year).items() if n == "春节")
        ):
            assert chinese_calendar.is_holiday(d), (year, d, name)


def test_fallback_makes_up_holidays_that_fall_on_a_weekend() -> None:
    rest = fallback_rest_days(2027)
    # 春节 2027: 除夕 Fri 02-05, 初一–初三 Sat–Mon; Sat and Sun are made up Tue and Wed (第六条).
    assert [d.day for d in sorted(rest) if d.month == 2] == [5, 6, 7, 8, 9, 10]
    assert not library_covers(2027)
    assert BASE.provisional(2027) and not BASE.provisional(2026)


def test_a_filing_before_new_year_does_not_end_on_new_years_day() -> None:
    start = datetime(2026, 12, 29, 10, tzinfo=TZ)
    assert add_workdays(start, 3) == eod(2027, 1, 4)  # not 2027-01-01 (元旦)


def test_the_sample_file_is_valid_and_round_trips() -> None:
    a = parse_arrangement(sample())
    assert a.year == 2027
    assert parse_arrangement(a.to_json()) == a
    cal = WorkCalendar.of([a], 1)
    assert not cal.provisional(2027)
    assert not cal.is_workday(date(2027, 2, 12))  # the notice's longer 春节
    assert cal.is_workday(date(2027, 2, 20))  # a Saturday made a working day
    assert cal.is_workday(date(2027, 2, 22))
    assert add_workdays(datetime(2027, 2, 3, 9, tzinfo=TZ), 3, cal) == eod(2027, 2, 16)
    assert add_workdays(datetime(2027, 2, 3, 9, tzinfo=TZ), 3) == eod(2027, 2, 12)  # fallback


def test_a_loaded_year_overrides_the_library() -> None:
    data = sample()
    data["year"] = 2026
    data["holidays"] = [
        {"name": n, "from": d.isoformat(), "to": d.isoformat()} for d, n in statutory_holidays(2026).items()
    ]
    data["workdays"] = []
    cal = WorkCalendar.of([parse_arrangement(data)])
    assert chinese_calendar.is_holiday(date(2026, 10, 5))
    assert cal.is_workday(date(2026, 10, 5))  # the loaded file says nothing of 10-05: a Monday


def _bad(mutate: Any) -> list[str]:
    data = sample()
    mutate(data)
    with pytest.raises(ArrangementError) as e:
        parse_arrangement(data)
    return e.value.errors


def _drop_new_year(d: dict[str, Any]) -> None:
    d["holidays"] = d["holidays"][1:]


@pytest.mark.parametrize(
    ("mutate", "says"),
    [
        (_drop_new_year, "缺少《全国年节及纪念日放假办法》第二条规定的法定节日：2027-01-01（元旦）"),
        (lambda d: d["workdays"].append({"name": "x", "date": "2027-03-03"}), "不是周六或周日"),
        (lambda d: d["workdays"].append({"name": "x", "date": "2027-01-02"}), "已列为假期"),
        (lambda d: d["holidays"].append({"name": "x", "from": "2027-02-10", "to": "2027-02-11"}), "重复"),
        (lambda d: d["holidays"].append({"name": "x", "from": "2028-01-01", "to": "2028-01-01"}), "之间"),
        (lambda d: d["holidays"].append({"name": "x", "from": "2027-03-01", "to": "2027-03-30"}), "不应超过"),
        (lambda d: d["holidays"][0].update({"from": "2027-1-1"}), "YYYY-MM-DD"),
        (lambda d: d["holidays"][0].update({"name": ""}), "节日名称"),
        (lambda d: d.update({"source": ""}), "source"),
        (lambda d: d.update({"extra": 1}), "不认识的字段"),
        (lambda d: d.update({"holidays": "元旦"}), "holidays 应为列表"),
    ],
)
def test_bad_files_are_refused_with_the_reason(mutate: Any, says: str) -> None:
    assert any(says in e for e in _bad(mutate))


@pytest.mark.parametrize("year", [None, "2027", 1999, 2101, True, 10**30])
def test_a_bad_year_is_refused(year: Any) -> None:
    assert any("year" in e for e in _bad(lambda d: d.update({"year": year})))


def test_not_an_object_is_refused() -> None:
    with pytest.raises(ArrangementError):
        parse_arrangement([sample()])


def test_december_before_the_year_may_be_part_of_its_notice() -> None:
    data = copy.deepcopy(sample())
    data["holidays"][0]["from"] = "2026-12-31"
    cal = WorkCalendar.of([parse_arrangement(data)])
    assert not cal.is_workday(date(2026, 12, 31))
    assert date(2026, 12, 31) - timedelta(days=1) not in parse_arrangement(data).holidays
