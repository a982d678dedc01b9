"""Risk early warnings, as pure functions over plain rows (docs/cockpit.md).

Three kinds, each with a rule that can be stated in one sentence:

- ``spike`` (激增): per (town, category), the cases filed in the last 7 days (``count``) against the
  mean weekly count of the 8 weeks before them (``baseline`` = cases in days 8–63 before now / 8).
  Warn when ``count ≥ 3`` and ``count ≥ 2 × baseline + 1``.
- ``repeat_respondent`` (重复被申请人): the same respondent — normalised name and phone digits —
  named in at least 3 distinct cases filed within the last 90 days. The warning carries the name
  masked to its first character and ``*``; never a phone number or an ID number.
- ``group_dispute`` (群体性纠纷): an open case (submitted, assigned, accepted, escalated) with at
  least 5 applicants.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Literal

from server.vocabulary import OPEN_STATES

SPIKE_WINDOW_DAYS = 7
SPIKE_BASELINE_WEEKS = 8
SPIKE_MIN_COUNT = 3
REPEAT_WINDOW_DAYS = 90
REPEAT_MIN_CASES = 3
GROUP_MIN_APPLICANTS = 5
CST = timezone(timedelta(hours=8))  # China Standard Time: days and dates in messages

Kind = Literal["spike", "repeat_respondent", "group_dispute"]


@dataclass(frozen=True, slots=True)
class Alert:
    """One early warning: its kind, where and in which category, the count that tripped it against
    its ``baseline``, and a Chinese ``message``. Respondent names are masked."""

    type: Kind
    region: str | None  # town code
    region_name: str
    category: str | None
    category_name: str
    count: int
    baseline: float | None
    message: str
    respondent: str | None = None  # masked, repeat_respondent only
    cases: int | None = None  # repeat_respondent: distinct cases
    towns: list[str] = field(default_factory=list)  # repeat_respondent: towns involved


# -- spikes ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class WeekCounts:
    """Cases of one (town, category): in the last 7 days, and in the 8 weeks before those."""

    town: str
    category: str
    recent: int
    previous: int  # over SPIKE_BASELINE_WEEKS weeks


def is_spike(recent: int, baseline: float) -> bool:
    """The spike rule: ``recent ≥ 3`` and ``recent ≥ 2 × baseline + 1``."""
    return recent >= SPIKE_MIN_COUNT and recent >= 2 * baseline + 1


def as_dispute(category_name: str) -> str:
    """A category's name as a kind of dispute in a sentence: ``拖欠工资`` → ``拖欠工资纠纷``, while
    ``邻里纠纷`` and ``劳动争议`` already say so (never ``邻里纠纷纠纷``)."""
    return category_name if category_name.endswith(("纠纷", "争议")) else category_name + "纠纷"


def spikes(
    rows: Iterable[WeekCounts], town_names: dict[str, str], category_names: dict[str, str]
) -> list[Alert]:
    """Spike warnings (``is_spike``) per town and category, strongest first; names from the maps."""
    out: list[tuple[float, Alert]] = []
    for r in rows:
        baseline = r.previous / SPIKE_BASELINE_WEEKS
        if not is_spike(r.recent, baseline):
            continue
        tname = town_names.get(r.town, r.town)
        cname = category_names.get(r.category, r.category)
        msg = (
            f"{tname}近7天{as_dispute(cname)}{r.recent}件，前8周平均每周{baseline:.1f}件，明显增多，请关注。"
        )
        w = Alert("spike", r.town, tname, r.category, cname, r.recent, round(baseline, 2), msg)
        out.append((r.recent / (baseline + 1), w))
    out.sort(key=lambda x: (-x[0], x[1].region or "", x[1].category or ""))
    return [w for _, w in out]


# -- repeated respondents -----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RespondentRow:
    """One respondent party of a case filed within the window (personal data: never returned)."""

    case: str
    name: str
    phone: str
    town: str | None
    category: str | None


_SPACE = re.compile(r"[\s\u3000·•.]+")


def normalise_name(name: str) -> str:
    """A person's name with all white space removed (for matching the same respondent)."""
    return _SPACE.sub("", name or "").strip()


def normalise_phone(phone: str) -> str:
    """Digits only; a leading country code 86 before an 11-digit mobile number is dropped."""
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits


def mask_name(name: str) -> str:
    """``王建国`` → ``王*``: the first character (the surname, for a person) and a star."""
    n = normalise_name(name)
    return f"{n[0]}*" if n else "*"


def repeat_respondents(
    rows: Iterable[RespondentRow], town_names: dict[str, str], category_names: dict[str, str]
) -> list[Alert]:
    """Respondents (name + phone digits, both normalised) named in ≥ 3 distinct cases.

    A respondent without a phone is matched on the name among others without a phone only, so
    two different people who share a common name are not merged through a missing number.
    """
    cases: dict[tuple[str, str], set[str]] = {}
    towns: dict[tuple[str, str], Counter[str]] = {}
    cats: dict[tuple[str, str], Counter[str]] = {}
    for r in rows:
        name = normalise_name(r.name)
        if not name:
            continue
        key = (name, normalise_phone(r.phone))
        if r.case in cases.setdefault(key, set()):
            continue
        cases[key].add(r.case)
        if r.town:
            towns.setdefault(key, Counter())[r.town] += 1
        if r.category:
            cats.setdefault(key, Counter())[r.category] += 1
    out: list[Alert] = []
    for key, ks in cases.items():
        n = len(ks)
        if n < REPEAT_MIN_CASES:
            continue
        tc = towns.get(key, Counter())
        cc = cats.get(key, Counter())
        town = _top(tc)
        cat = _top(cc)
        masked = mask_name(key[0])
        tname = town_names.get(town, town) if town else "全县"
        cname = category_names.get(cat, cat) if cat else ""
        where = "、".join(town_names.get(t, t) for t in sorted(tc, key=lambda t: (-tc[t], t)))
        msg = (
            f"被申请人{masked}近90天涉及{n}件纠纷"
            + (f"（{where}）" if where else "")
            + "，请关注是否存在系统性问题。"
        )
        out.append(
            Alert(
                "repeat_respondent",
                town,
                tname,
                cat,
                cname,
                n,
                None,
                msg,
                respondent=masked,
                cases=n,
                towns=sorted(tc),
            )
        )
    out.sort(key=lambda w: (-w.count, w.region or "", w.respondent or ""))
    return out


def without_person(w: Alert) -> Alert:
    """``w`` for a reader who gets counts only (an analyst): a repeated respondent's warning keeps
    its count, towns and category, and loses the masked name (field and message). Others as given."""
    if w.type != "repeat_respondent" or w.respondent is None:
        return w
    msg = w.message.replace(f"被申请人{w.respondent}", "同一被申请人", 1)  # the prefix made above
    return replace(w, respondent=None, message=msg)


def _top(c: Counter[str]) -> str | None:
    if not c:
        return None
    return min(c, key=lambda k: (-c[k], k))


# -- group disputes -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OpenCaseRow:
    """An open case as the group-dispute check reads it (town code, category, applicants; UTC time)."""

    town: str | None
    category: str | None
    status: str
    applicants: int
    created_at: datetime


def group_disputes(
    rows: Iterable[OpenCaseRow], town_names: dict[str, str], category_names: dict[str, str]
) -> list[Alert]:
    """Open cases with at least ``GROUP_MIN_APPLICANTS`` applicants, largest first."""
    out: list[Alert] = []
    for r in rows:
        if r.status not in OPEN_STATES or r.applicants < GROUP_MIN_APPLICANTS:
            continue
        tname = town_names.get(r.town, r.town) if r.town else "全县"
        cname = category_names.get(r.category, r.category) if r.category else "未分类"
        msg = (
            f"{tname}一起{as_dispute(cname)}涉及{r.applicants}名申请人，"
            f"{r.created_at.astimezone(CST):%Y-%m-%d}提交，尚未办结，请防范群体性事件。"
        )
        out.append(Alert("group_dispute", r.town, tname, r.category, cname, r.applicants, None, msg))
    out.sort(key=lambda w: (-w.count, w.region or "", w.category or ""))
    return out


__all__ = [
    "Alert",
    "OpenCaseRow",
    "RespondentRow",
    "WeekCounts",
    "group_disputes",
    "is_spike",
    "mask_name",
    "normalise_name",
    "normalise_phone",
    "repeat_respondents",
    "spikes",
    "without_person",
]
