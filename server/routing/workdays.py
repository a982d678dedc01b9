"""Chinese working-day arithmetic (statutory holidays and adjusted working weekends).

Definitions, all in local time (Asia/Shanghai):

- A *working day* is Monday–Friday except statutory holidays, plus the Saturdays/Sundays the State
  Council declares as working days (调休).
- ``add_workdays(start, n)``: the day ``start`` falls on is not counted (民事诉讼法 第八十五条:
  期间开始的日不计算在期间内); the deadline is 23:59:59 on the n-th working day after it.
  ``n == 0`` gives the end of the start day itself.
- ``workdays_between(a, b)``: working days d with a's date < d ≤ b's date, so that
  ``workdays_between(s, add_workdays(s, n)) == n``.

Which days are working days is a ``WorkCalendar`` (``holidays.py``): loaded arrangements, the
chinesecalendar library, then the statutory fallback.  Every function takes it as ``cal`` (default:
nothing loaded); ``calendar_notes`` says when a result is provisional.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from server.routing.holidays import BASE, WorkCalendar, library_covers

TZ = ZoneInfo("Asia/Shanghai")
_DAY = timedelta(days=1)
_END = time(23, 59, 59)


def calendar_covers(year: int, cal: WorkCalendar = BASE) -> bool:
    """Whether ``year``'s official arrangement is known (loaded, or in the library)."""
    return cal.loaded(year) or library_covers(year)


def is_workday(d: date, cal: WorkCalendar = BASE) -> bool:
    """Whether ``d`` is a working day by ``cal`` (weekends and statutory holidays off, 调休 days on)."""
    return cal.is_workday(d)


def calendar_notes(*moments: date | datetime, cal: WorkCalendar = BASE) -> list[str]:
    """Chinese notes for years counted by the statutory fallback (the result is provisional)."""
    note = cal.provisional_note(local_date(m).year for m in moments)
    return [note] if note else []


def local_date(moment: date | datetime) -> date:
    """The Asia/Shanghai calendar date of ``moment``; naive datetimes are refused."""
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            raise ValueError("naive datetime: pass an aware datetime (UTC or Asia/Shanghai)")
        return moment.astimezone(TZ).date()
    return moment


def end_of_day(d: date) -> datetime:
    """23:59:59 Asia/Shanghai on ``d``: where every deadline ends."""
    return datetime.combine(d, _END, tzinfo=TZ)


def next_workday(d: date, *, inclusive: bool = False, cal: WorkCalendar = BASE) -> date:
    """The first working day after ``d`` (or ``d`` itself when ``inclusive`` and it is one)."""
    day = d if inclusive else d + _DAY
    while not cal.is_workday(day):
        day += _DAY
    return day


def add_workdays(start: datetime, n: int, cal: WorkCalendar = BASE) -> datetime:
    """23:59:59 local on the n-th working day after ``start``'s date (see module docstring)."""
    if n < 0:
        raise ValueError("n must be >= 0")
    day = local_date(start)
    for _ in range(n):
        day = next_workday(day, cal=cal)
    return end_of_day(day)


def add_calendar_days(
    start: datetime, n: int, *, roll_to_workday: bool = True, cal: WorkCalendar = BASE
) -> datetime:
    """23:59:59 local on the n-th calendar day after ``start``'s date.

    With ``roll_to_workday`` a last day that is a rest day moves to the next working day
    (民事诉讼法 第八十五条: 期间届满的最后一日是法定休假日的，以法定休假日后的第一日为期间届满的日期).
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    day = local_date(start) + timedelta(days=n)
    if roll_to_workday and n > 0:
        day = next_workday(day, inclusive=True, cal=cal)
    return end_of_day(day)


def workdays_between(a: date | datetime, b: date | datetime, cal: WorkCalendar = BASE) -> int:
    """Working days d with date(a) < d <= date(b); negative when b is before a."""
    da, db = local_date(a), local_date(b)
    if db < da:
        return -workdays_between(b, a, cal)
    count, day = 0, da + _DAY
    while day <= db:
        count += cal.is_workday(day)
        day += _DAY
    return count


def working_seconds(a: datetime, b: datetime, cal: WorkCalendar = BASE) -> float:
    """Seconds of the interval [a, b) that fall on working days (whole local days count)."""
    if b <= a:
        return 0.0
    total = 0.0
    cur = a.astimezone(TZ)
    end = b.astimezone(TZ)
    while cur < end:
        midnight = datetime.combine(cur.date() + _DAY, time(0), tzinfo=TZ)
        stop = min(midnight, end)
        if cal.is_workday(cur.date()):
            total += (stop - cur).total_seconds()
        cur = stop
    return total


def advance_working_seconds(start: datetime, seconds: float, cal: WorkCalendar = BASE) -> datetime:
    """The moment after ``seconds`` of working-day time has passed since ``start``."""
    cur = start.astimezone(TZ)
    left = max(0.0, seconds)
    while left > 0:
        midnight = datetime.combine(cur.date() + _DAY, time(0), tzinfo=TZ)
        if cal.is_workday(cur.date()):
            room = (midnight - cur).total_seconds()
            if left <= room:
                return cur + timedelta(seconds=left)
            left -= room
        cur = midnight
    return cur
