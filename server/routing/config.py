"""Every routing threshold and SLA period in one place, with where each default comes from.

Periods say whether they count working days (``workdays``: Chinese statutory calendar, see
``workdays.py``) or calendar days (``days``).  Calendar-day periods follow 民事诉讼法 第八十五条:
the day the period starts is not counted, and a period whose last day falls on a rest day ends on
the next working day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Unit = Literal["workdays", "days"]
CountsFrom = Literal["start", "accept"]


@dataclass(frozen=True)
class Period:
    amount: int
    """How many days."""

    unit: Unit
    """``workdays`` (Chinese working days) or ``days`` (calendar days)."""

    def describe(self) -> str:
        return f"{self.amount}个工作日" if self.unit == "workdays" else f"{self.amount}日"


@dataclass(frozen=True)
class SlaPolicy:
    respond: Period
    """Time to accept or decline after the case reaches the organisation."""

    resolve: Period
    """Time to finish mediation (or, at the court, to decide)."""

    resolve_counts_from: CountsFrom
    """Whether the resolve period runs from receipt (``start``) or from acceptance (``accept``)."""

    basis: tuple[str, ...]
    """Legal grounds, shown to staff next to the deadline."""


_RESPOND_3_WORKDAYS = Period(3, "workdays")
_RESPOND_BASIS = "参照《人民法院在线调解规则》第十二条：调解组织应在3个工作日内决定是否接受调解"

PEOPLES_MEDIATION = SlaPolicy(
    respond=_RESPOND_3_WORKDAYS,
    resolve=Period(30, "days"),
    resolve_counts_from="accept",
    basis=(_RESPOND_BASIS, "《人民调解工作若干规定》第三十三条：人民调解委员会调解纠纷，一般在一个月内调结"),
)
LABOR_MEDIATION = SlaPolicy(
    respond=_RESPOND_3_WORKDAYS,
    resolve=Period(15, "days"),
    resolve_counts_from="start",
    basis=(
        _RESPOND_BASIS,
        "《劳动争议调解仲裁法》第十四条：自收到调解申请之日起十五日内未达成调解协议的，当事人可以申请仲裁",
    ),
)
TRAFFIC_MEDIATION = SlaPolicy(
    respond=_RESPOND_3_WORKDAYS,
    resolve=Period(10, "days"),
    resolve_counts_from="accept",
    basis=(
        _RESPOND_BASIS,
        "《道路交通安全法实施条例》：公安机关交通管理部门调解交通事故损害赔偿，调解期限为10日",
    ),
)
MEDICAL_MEDIATION = SlaPolicy(
    respond=_RESPOND_3_WORKDAYS,
    resolve=Period(30, "workdays"),
    resolve_counts_from="accept",
    basis=(
        _RESPOND_BASIS,
        "《医疗纠纷预防和处理条例》：医疗纠纷人民调解委员会自受理之日起30个工作日内完成调解，鉴定时间不计入调解期限",
    ),
)
COURT_CONFIRMATION = SlaPolicy(
    respond=Period(3, "days"),
    resolve=Period(15, "days"),
    resolve_counts_from="accept",
    basis=(
        "《最高人民法院关于人民调解协议司法确认程序的若干规定》第四条：收到申请后三日内决定是否受理",
        "同规定第五条：自受理之日起十五日内作出是否确认的决定",
    ),
)
COURT_FILING = SlaPolicy(
    respond=Period(7, "days"),
    resolve=Period(7, "days"),
    resolve_counts_from="start",
    basis=("《民事诉讼法》第一百二十六条：符合起诉条件的，应当在七日内立案",),
)


def _default_by_level() -> dict[str, SlaPolicy]:
    return {"village": PEOPLES_MEDIATION, "town": PEOPLES_MEDIATION, "county": PEOPLES_MEDIATION}


def _default_professional() -> dict[str, SlaPolicy]:
    return {
        "labor": LABOR_MEDIATION,
        "wage_arrears": LABOR_MEDIATION,
        "traffic_accident": TRAFFIC_MEDIATION,
        "medical": MEDICAL_MEDIATION,
    }


def _default_professional_kinds() -> dict[str, str]:
    return {
        "traffic_accident": "traffic",
        "labor": "labor",
        "wage_arrears": "labor",
        "medical": "medical",
        "property_management": "property",
        "marriage_family": "family",
        "inheritance": "family",
        "consumer": "consumer",
    }


@dataclass(frozen=True)
class RoutingConfig:
    large_amount_yuan: float = 100_000
    """Disputes at or above this amount start at the township (大事不出镇)."""

    group_applicants: int = 5
    """Disputes with at least this many applicants are group disputes and start at the township."""

    warn_fraction: float = 0.75
    """A warning fires when this fraction of a deadline's working time has passed."""

    professional_kinds: dict[str, str] = field(default_factory=_default_professional_kinds)
    """Category → kind of the county's professional mediation committee that handles it.

    Mirrors ``professional``/``body_kind`` in categories.json; the config wins so a county can
    switch a category off without editing the rules file."""

    sla_by_level: dict[str, SlaPolicy] = field(default_factory=_default_by_level)
    """People's mediation at village, town and county level."""

    sla_professional: dict[str, SlaPolicy] = field(default_factory=_default_professional)
    """Professional committees by category; categories not listed use ``sla_professional_default``."""

    sla_professional_default: SlaPolicy = PEOPLES_MEDIATION
    """Property, family and consumer committees are people's mediation committees too."""

    sla_overrides: dict[tuple[str, str], SlaPolicy] = field(default_factory=dict)
    """Local policy per (level, category); wins over everything else."""

    sla_court_confirmation: SlaPolicy = COURT_CONFIRMATION
    """司法确认: accept the application, then decide."""

    sla_court_filing: SlaPolicy = COURT_FILING
    """诉讼立案: register the lawsuit."""

    roll_calendar_deadlines_to_workday: bool = True
    """A calendar-day period ending on a rest day ends on the next working day (民事诉讼法 第八十五条)."""

    counties: dict[str, RoutingConfig] = field(default_factory=dict)
    """A county's own configuration (6-digit code → config), where it differs from the area's."""

    def for_region(self, region: str | None) -> RoutingConfig:
        """The configuration that governs a case in ``region`` (12 digits): its county's, if it has
        one, else this one."""
        return self.counties.get((region or "")[:6], self)

    def is_professional(self, category: str) -> bool:
        return category in self.professional_kinds

    def sla_policy(self, level: str, category: str, stage: str = "mediation") -> SlaPolicy:
        """The policy for a case at ``level`` in ``category``; ``stage`` selects the court stages."""
        if stage == "confirmation":
            return self.sla_court_confirmation
        if stage == "filing" or level == "court":
            return self.sla_court_filing
        if (level, category) in self.sla_overrides:
            return self.sla_overrides[(level, category)]
        if level == "professional":
            return self.sla_professional.get(category, self.sla_professional_default)
        return self.sla_by_level.get(level, PEOPLES_MEDIATION)
