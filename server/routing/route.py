"""Which organisation (and mediator) a case goes to, with the reasons in Chinese.

Order of the rules (DESIGN.md §4):
1. professional categories → the county's professional committee of that kind;
2. in-person filings → the county's 矛调中心 (kind ``conflict_center``);
3. large amounts or group disputes → the township (大事不出镇);
4. otherwise the village people's mediation committee; a level without one passes to the next
   (village → town → county).
A rule whose organisation does not exist falls through to the next rule, and says so.

Region codes are 12 digits: province 2, city 2, county 2, town 3, village 3; a code ending in
``000`` is a town-level code (no village).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from server.routing.config import RoutingConfig
from server.vocabulary import CATEGORY_NAMES_ZH

LEVEL_ZH = {
    "village": "村（社区）",
    "town": "乡镇（街道）",
    "county": "县（市、区）",
    "professional": "县级专业调解委员会",
    "court": "人民法院",
}
KIND_ZH = {
    "traffic": "道路交通事故",
    "labor": "劳动争议",
    "medical": "医疗纠纷",
    "property": "物业纠纷",
    "family": "婚姻家庭",
    "consumer": "消费纠纷",
}
# Kinds that mediate general disputes at each level, in order of preference.
_GENERAL_KINDS = {
    "village": ("people_mediation",),
    "town": ("people_mediation", "judicial_office"),
    "county": ("people_mediation", "conflict_center"),
}
_LADDER = ("village", "town", "county")


@dataclass(frozen=True)
class CaseFacts:
    """What routing needs to know of a case (no personal data)."""

    region: str
    """12-digit village (or town, ending in 000) code."""
    category: str
    channel: str = "online"
    """``online`` or ``in_person``."""
    amount: float | None = None
    """Yuan; None when not given."""
    applicants: int = 1


@dataclass(frozen=True)
class Org:
    """An organisation as routing sees it."""

    id: str
    name: str
    level: str
    """village | town | county | court | professional"""
    kind: str
    """people_mediation, judicial_office, conflict_center, traffic, labor, medical, property, family,
    consumer, court"""
    region: str
    """12-digit code of the area it serves (a county org: the county's code padded with zeros)."""
    categories: frozenset[str] = frozenset()
    """Categories it handles; empty means all."""
    online: bool = True
    in_person: bool = True


@dataclass(frozen=True)
class Mediator:
    """A mediator as routing sees it: workload (``open_cases`` of ``capacity``) and specialities."""

    id: str
    org_id: str
    specialities: frozenset[str] = frozenset()
    open_cases: int = 0
    capacity: int = 10
    name: str = ""
    active: bool = True


@dataclass(frozen=True)
class RoutingDecision:
    """Where a case goes: the level, organisation and mediator chosen, and why (Chinese, in order)."""

    level: str
    org_id: str | None
    """None only when the county has no organisation at all for the case (misconfiguration)."""
    mediator_id: str | None
    reasons: list[str] = field(default_factory=list)
    staff_only: frozenset[str] = frozenset()
    """Those of ``reasons`` that are internal (which mediator, their open-case count): never
    stored on the case (whose ``routing_reason`` its filer reads) nor in the timeline."""

    @property
    def public_reasons(self) -> list[str]:
        """The reasons a party may read (``reasons`` without ``staff_only``), in order."""
        return [r for r in self.reasons if r not in self.staff_only]


class RegistryView(Protocol):
    """The registry queries routing makes (a DB-backed view in production, dicts in tests)."""

    def orgs_at(self, level: str, area: str, kind: str) -> Sequence[Org]:
        """Organisations of ``level`` and ``kind`` serving ``area`` (see ``area_of``)."""
        ...

    def mediators_of(self, org_id: str) -> Sequence[Mediator]:
        """All mediators of organisation ``org_id`` (routing itself skips inactive and full ones)."""
        ...


def parse_region(region: str) -> tuple[str, str, str | None]:
    """(county 6 digits, town 9 digits, village 12 digits or None for a town-level code)."""
    if len(region) != 12 or not region.isdigit():
        raise ValueError(f"地区编码必须是12位数字：{region!r}")
    return region[:6], region[:9], None if region.endswith("000") else region


def area_of(region: str, level: str) -> str:
    """The key an org of ``level`` is indexed under: village 12 digits, town 9, others 6."""
    return region if level == "village" else region[:9] if level == "town" else region[:6]


class Registry:
    """In-memory ``RegistryView``: indexes built once, lookups are dict hits."""

    def __init__(self, orgs: Iterable[Org], mediators: Iterable[Mediator]) -> None:
        self._orgs: dict[tuple[str, str, str], list[Org]] = {}
        self._by_id: dict[str, Org] = {}
        for org in sorted(orgs, key=lambda o: o.id):
            self._orgs.setdefault((org.level, area_of(org.region, org.level), org.kind), []).append(org)
            self._by_id[org.id] = org
        self._mediators: dict[str, list[Mediator]] = {}
        for m in sorted(mediators, key=lambda m: m.id):
            self._mediators.setdefault(m.org_id, []).append(m)

    def orgs_at(self, level: str, area: str, kind: str) -> Sequence[Org]:
        """Organisations of ``level`` in ``area`` (a region code) of ``kind``."""
        return self._orgs.get((level, area, kind), ())

    def mediators_of(self, org_id: str) -> Sequence[Mediator]:
        """Mediators of an organisation (none in the in-memory view)."""
        return self._mediators.get(org_id, ())

    def org(self, org_id: str) -> Org | None:
        """The organisation with id ``org_id``, or None."""
        return self._by_id.get(org_id)


def _category_zh(category: str) -> str:
    return CATEGORY_NAMES_ZH.get(category, category)


def _usable(org: Org, case: CaseFacts) -> bool:
    handles = not org.categories or case.category in org.categories
    reachable = org.in_person if case.channel == "in_person" else org.online
    return handles and reachable


def _first(
    registry: RegistryView, level: str, area: str, kinds: Sequence[str], case: CaseFacts
) -> Org | None:
    for kind in kinds:
        for org in registry.orgs_at(level, area, kind):
            if _usable(org, case):
                return org
    return None


def pick_mediator(org: Org, case: CaseFacts, registry: RegistryView) -> tuple[str | None, str]:
    """Matching speciality first, then the least open cases, within capacity; with the reason."""
    free = [m for m in registry.mediators_of(org.id) if m.active and m.open_cases < m.capacity]
    if not free:
        return None, "机构内暂无可接案的调解员，进入机构待分配队列"
    experts = [m for m in free if case.category in m.specialities]
    chosen = min(experts or free, key=lambda m: (m.open_cases, m.id))
    who = chosen.name or chosen.id
    if experts:
        return chosen.id, f"指派调解员{who}：擅长{_category_zh(case.category)}，在办{chosen.open_cases}件"
    return (
        chosen.id,
        f"指派调解员{who}：无{_category_zh(case.category)}专长调解员，按在办案件最少指派（{chosen.open_cases}件）",
    )


def _decide(
    level: str, org: Org, case: CaseFacts, registry: RegistryView, reasons: list[str]
) -> RoutingDecision:
    if level == "court":
        return RoutingDecision(level, org.id, None, reasons)
    mediator_id, why = pick_mediator(org, case, registry)
    return RoutingDecision(level, org.id, mediator_id, [*reasons, why], frozenset({why}))


def _climb(case: CaseFacts, registry: RegistryView, from_level: str, reasons: list[str]) -> RoutingDecision:
    county, town, village = parse_region(case.region)
    areas = {"village": village, "town": town, "county": county}
    for level in _LADDER[_LADDER.index(from_level) :]:
        area = areas[level]
        if area is None:
            reasons.append("地区编码为乡镇级，从乡镇（街道）开始")
            continue
        org = _first(registry, level, area, _GENERAL_KINDS[level], case)
        if org is not None:
            reasons.append(f"由{org.name}受理")
            return _decide(level, org, case, registry, reasons)
        if level != "county":
            reasons.append(f"本{LEVEL_ZH[level]}未设可受理的人民调解组织，上移一级")
    reasons.append("本县未找到可受理的调解组织，请管理员配置机构后人工分派")
    return RoutingDecision("county", None, None, reasons)


def route(case: CaseFacts, registry: RegistryView, config: RoutingConfig) -> RoutingDecision:
    """The organisation (and mediator) a new case goes to, with the reasons in Chinese.

    Order: a professional committee for its category; the county's 矛调中心 for in-person filings;
    else the lowest people's mediation level that has an organisation (village → town → county).
    ``org_id`` is None when the county has none at all (an admin must assign by hand)."""
    county, _, _ = parse_region(case.region)
    reasons: list[str] = []
    kind = config.professional_kinds.get(case.category)
    if kind is not None:
        org = _first(registry, "professional", county, (kind,), case)
        if org is not None:
            reasons.append(f"{_category_zh(case.category)}属专业性纠纷，由{org.name}受理")
            return _decide("professional", org, case, registry, reasons)
        reasons.append(f"本县未设{KIND_ZH.get(kind, kind)}专业调解组织，按一般规则分派")
    if case.channel == "in_person":
        org = _first(registry, "county", county, ("conflict_center",), case)
        if org is not None:
            reasons.append(f"线下来访，由{org.name}（矛调中心）统一受理")
            return _decide("county", org, case, registry, reasons)
        reasons.append("本县未设矛调中心，按一般规则分派")
    big_amount = case.amount is not None and case.amount >= config.large_amount_yuan
    group = case.applicants >= config.group_applicants
    if big_amount:
        reasons.append(
            f"涉案金额{case.amount:g}元，达到{config.large_amount_yuan:g}元，按“大事不出镇”由乡镇受理"
        )
    if group:
        reasons.append(f"申请人{case.applicants}人，属群体性纠纷，由乡镇受理")
    return _climb(case, registry, "town" if big_amount or group else "village", reasons)


def escalate(
    case: CaseFacts, current_level: str, registry: RegistryView, config: RoutingConfig, why: str = ""
) -> RoutingDecision | None:
    """The next level up: village → town → county → court (a filing suggestion); None at court.

    ``why`` (e.g. "调解员拒绝受理", "超过受理期限") opens the reasons.
    """
    county, _, _ = parse_region(case.region)
    reasons = [f"{LEVEL_ZH.get(current_level, current_level)}{why or '未能化解'}"]
    if current_level in ("village", "town"):
        nxt = _LADDER[_LADDER.index(current_level) + 1]
        reasons[0] += f"，上移至{LEVEL_ZH[nxt]}"
        return _climb(case, registry, nxt, reasons)
    if current_level in ("county", "professional"):
        court = _first(registry, "court", county, ("court",), case)
        if court is None:
            reasons.append("本县未登记人民法院，请当事人向有管辖权的人民法院起诉")
            return RoutingDecision("court", None, None, reasons)
        reasons.append(f"调解未果，建议向{court.name}申请诉讼立案；已达成协议的可申请司法确认")
        return _decide("court", court, case, registry, reasons)
    return None
