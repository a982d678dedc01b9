"""Working-day arithmetic across the 2025 and 2026 holidays (and the fallback outside them)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.routing.workdays import (
    TZ,
    add_calendar_days,
    add_workdays,
    calendar_notes,
    is_workday,
    local_date,
    workdays_between,
)


def sh(y: int, m: int, d: int, h: int = 10) -> datetime:
    return datetime(y, m, d, h, tzinfo=TZ)


def eod(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 23, 59, 59, tzinfo=TZ)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 10, 1), False),  # National Day
        (date(2026, 10, 7), False),
        (date(2026, 10, 10), True),  # Saturday made a working day (调休)
        (date(2026, 9, 20), True),  # Sunday made a working day
        (date(2026, 9, 25), False),  # Mid-Autumn Festival, a Friday
        (date(2026, 2, 14), True),  # Saturday before the Spring Festival
        (date(2026, 2, 17), False),  # Spring Festival
        (date(2026, 2, 23), False),  # last day of the Spring Festival break, a Monday
        (date(2026, 2, 28), True),  # Saturday after the Spring Festival
        (date(2025, 10, 8), False),  # 2025 National Day + Mid-Autumn, eight days
        (date(2025, 10, 11), True),  # 2025 adjusted Saturday
        (date(2025, 1, 26), True),  # 2025 adjusted Sunday before the Spring Festival
        (date(2026, 11, 28), False),  # an ordinary Saturday
        (date(2026, 11, 27), True),  # an ordinary Friday
    ],
)
def test_is_workday_follows_the_state_council_calendar(day: date, expected: bool) -> None:
    assert is_workday(day) is expected


@pytest.mark.parametrize(
    ("start", "n", "deadline"),
    [
        (sh(2026, 9, 30), 1, eod(2026, 10, 8)),  # the whole National Day week is skipped
        (sh(2026, 9, 30), 3, eod(2026, 10, 10)),  # ...and the adjusted Saturday counts
        (sh(2026, 9, 18), 1, eod(2026, 9, 20)),  # Friday → the adjusted Sunday
        (sh(2026, 2, 13), 1, eod(2026, 2, 14)),  # Friday → the adjusted Saturday
        (sh(2026, 2, 13), 2, eod(2026, 2, 24)),  # Spring Festival skipped
        (sh(2025, 9, 30), 1, eod(2025, 10, 9)),  # 2025: eight-day break
        (sh(2026, 11, 27), 3, eod(2026, 12, 2)),  # Friday + 3 → Wednesday
        (sh(2026, 11, 27), 0, eod(2026, 11, 27)),  # n = 0: end of the start day
    ],
)
def test_add_workdays_ends_on_the_nth_working_day(start: datetime, n: int, deadline: datetime) -> None:
    assert add_workdays(start, n) == deadline


def test_start_day_is_the_local_day_not_the_utc_day() -> None:
    # 16:30 UTC on 13 Feb is 00:30 on Saturday 14 Feb in Shanghai (an adjusted working day).
    start = datetime(2026, 2, 13, 16, 30, tzinfo=UTC)
    assert local_date(start) == date(2026, 2, 14)
    assert add_workdays(start, 1) == eod(2026, 2, 24)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        add_workdays(datetime(2026, 1, 5, 9), 1)


def test_workdays_between_counts_after_start_up_to_end() -> None:
    assert workdays_between(sh(2026, 9, 30), sh(2026, 10, 10)) == 3
    assert workdays_between(sh(2026, 10, 10), sh(2026, 9, 30)) == -3
    assert workdays_between(date(2026, 10, 1), date(2026, 10, 7)) == 0


def test_calendar_day_periods_ending_on_a_holiday_roll_to_the_next_working_day() -> None:
    assert add_calendar_days(sh(2026, 9, 5), 30) == eod(2026, 10, 8)
    assert add_calendar_days(sh(2026, 9, 5), 30, roll_to_workday=False) == eod(2026, 10, 5)
    assert add_calendar_days(sh(2026, 11, 2), 3) == eod(2026, 11, 5)


def test_years_outside_the_library_skip_the_statutory_holidays_and_say_so() -> None:
    assert not is_workday(date(2027, 1, 1))  # a Friday, but 元旦 (放假办法 第二条) whatever the notice says
    assert not is_workday(date(2027, 1, 2))
    assert is_workday(date(2027, 1, 4))
    assert add_workdays(sh(2026, 12, 29), 3) == eod(2027, 1, 4)  # 12-30, 12-31, (元旦, weekend), 1-4
    (note,) = calendar_notes(sh(2026, 12, 30), sh(2027, 1, 8))
    assert note.startswith("2027年放假安排尚未载入") and "不会提前" in note
    assert calendar_notes(sh(2026, 1, 5)) == []


starts = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 11, 30)).map(
    lambda d: d.replace(tzinfo=TZ)
)


@given(starts, st.integers(min_value=1, max_value=40))
def test_a_working_day_deadline_is_never_on_a_rest_day(start: datetime, n: int) -> None:
    deadline = add_workdays(start, n)
    assert is_workday(local_date(deadline))
    assert deadline.timetz().replace(tzinfo=None).isoformat() == "23:59:59"
    assert workdays_between(start, deadline) == n


@given(starts, st.integers(min_value=0, max_value=40))
def test_add_workdays_is_monotonic_in_n(start: datetime, n: int) -> None:
    assert add_workdays(start, n) < add_workdays(start, n + 1)
    assert add_workdays(start, n) > start - timedelta(days=1)
