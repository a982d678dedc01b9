"""Routing: each rule of DESIGN.md §4 as a table row, mediator choice, escalation.

Speed is measured in bench/routing/latency.py, never here."""

from __future__ import annotations

import pytest

from server.routing.config import RoutingConfig
from server.routing.route import (
    CaseFacts,
    Mediator,
    Org,
    Registry,
    RoutingDecision,
    escalate,
    parse_region,
    route,
)

CONFIG = RoutingConfig()
COUNTY = "330522000000"  # 长兴县
TOWN = "330522101000"  # 雉城街道
VILLAGE = "330522101201"  # a village with its own committee
BARE_VILLAGE = "330522101202"  # a village without one
BARE_TOWN_VILLAGE = "330522102203"  # a village in a town without any committee


def org(id_: str, level: str, kind: str, region: str, **kw: object) -> Org:
    return Org(id_, kw.pop("name", id_), level, kind, region, **kw)  # type: ignore[arg-type]


ORGS = [
    org("v201", "village", "people_mediation", VILLAGE, name="一村人民调解委员会"),
    org("t101", "town", "people_mediation", TOWN, name="雉城街道人民调解委员会"),
    org("c-pm", "county", "people_mediation", COUNTY, name="县人民调解委员会"),
    org("c-ctr", "county", "conflict_center", COUNTY, name="县矛调中心"),
    org("p-traffic", "professional", "traffic", COUNTY, name="县交通事故调解委员会"),
    org("p-labor", "professional", "labor", COUNTY, name="县劳动争议调解委员会"),
    org("p-family", "professional", "family", COUNTY, name="县婚姻家庭调解委员会"),
    org("court", "court", "court", COUNTY, name="长兴县人民法院"),
]
MEDIATORS = [
    Mediator("m1", "v201", frozenset({"neighbor"}), open_cases=4, capacity=5, name="王大姐"),
    Mediator("m2", "v201", frozenset(), open_cases=1, capacity=5, name="李叔"),
    Mediator("m3", "v201", frozenset({"neighbor"}), open_cases=5, capacity=5),  # full
    Mediator("m4", "t101", frozenset({"private_lending"}), open_cases=2, capacity=8),
    Mediator("m5", "p-labor", frozenset({"wage_arrears"}), open_cases=0, capacity=3),
]
REGISTRY = Registry(ORGS, MEDIATORS)


@pytest.mark.parametrize(
    ("facts", "level", "org_id", "reason_part"),
    [
        # Professional categories go to the county's committee of that kind, even in person.
        (CaseFacts(VILLAGE, "traffic_accident"), "professional", "p-traffic", "专业性纠纷"),
        (CaseFacts(VILLAGE, "wage_arrears", "in_person"), "professional", "p-labor", "专业性纠纷"),
        (CaseFacts(VILLAGE, "inheritance"), "professional", "p-family", "专业性纠纷"),
        # ...and fall through to the general rules when the county has none of that kind.
        (CaseFacts(VILLAGE, "medical"), "village", "v201", "未设医疗纠纷专业调解组织"),
        # In person → the county's conflict-resolution centre.
        (CaseFacts(VILLAGE, "neighbor", "in_person"), "county", "c-ctr", "矛调中心"),
        # Big amounts and group disputes start at the township.
        (CaseFacts(VILLAGE, "private_lending", amount=100_000), "town", "t101", "大事不出镇"),
        (CaseFacts(VILLAGE, "village_affairs", applicants=5), "town", "t101", "群体性纠纷"),
        # Otherwise the village; a village without a committee passes to the town, then the county.
        (
            CaseFacts(VILLAGE, "neighbor", amount=99_999.99, applicants=4),
            "village",
            "v201",
            "一村人民调解委员会",
        ),
        (CaseFacts(BARE_VILLAGE, "neighbor"), "town", "t101", "上移一级"),
        (CaseFacts(BARE_TOWN_VILLAGE, "neighbor"), "county", "c-pm", "上移一级"),
        # A town-level region code starts at the town.
        (CaseFacts(TOWN, "neighbor"), "town", "t101", "乡镇级"),
    ],
)
def test_routing_rules(facts: CaseFacts, level: str, org_id: str, reason_part: str) -> None:
    decision = route(facts, REGISTRY, CONFIG)
    assert (decision.level, decision.org_id) == (level, org_id)
    assert any(reason_part in r for r in decision.reasons), decision.reasons


def test_thresholds_come_from_the_config() -> None:
    strict = RoutingConfig(large_amount_yuan=10_000, group_applicants=3)
    assert route(CaseFacts(VILLAGE, "neighbor", amount=20_000), REGISTRY, strict).level == "town"
    assert route(CaseFacts(VILLAGE, "neighbor", applicants=3), REGISTRY, strict).level == "town"


def test_orgs_that_do_not_handle_the_category_or_channel_are_skipped() -> None:
    picky = Registry(
        [
            org("v", "village", "people_mediation", VILLAGE, categories=frozenset({"neighbor"})),
            org("t", "town", "people_mediation", TOWN, online=False),
            org("tj", "town", "judicial_office", TOWN),
        ],
        [],
    )
    assert route(CaseFacts(VILLAGE, "neighbor"), picky, CONFIG).org_id == "v"
    assert route(CaseFacts(VILLAGE, "tenancy"), picky, CONFIG).org_id == "tj"


def test_mediator_with_the_speciality_and_room_is_chosen_first() -> None:
    decision = route(CaseFacts(VILLAGE, "neighbor"), REGISTRY, CONFIG)
    assert (
        decision.mediator_id == "m1"
    )  # the full specialist m3 is skipped, m2 has less load but no speciality
    assert "擅长邻里纠纷" in decision.reasons[-1]


def test_without_a_specialist_the_least_loaded_mediator_is_chosen() -> None:
    decision = route(CaseFacts(VILLAGE, "tenancy"), REGISTRY, CONFIG)
    assert decision.mediator_id == "m2"
    assert "在办案件最少" in decision.reasons[-1]


def test_an_org_without_free_mediators_queues_the_case() -> None:
    decision = route(CaseFacts(VILLAGE, "neighbor", "in_person"), REGISTRY, CONFIG)
    assert decision.org_id == "c-ctr"
    assert decision.mediator_id is None
    assert "进入机构待分配队列" in decision.reasons[-1]


def test_a_county_with_no_organisation_says_so() -> None:
    decision = route(CaseFacts("330599101201", "neighbor"), REGISTRY, CONFIG)
    assert decision == RoutingDecision("county", None, None, decision.reasons)
    assert "管理员" in decision.reasons[-1]


@pytest.mark.parametrize(
    ("current", "level", "org_id"),
    [
        ("village", "town", "t101"),
        ("town", "county", "c-pm"),
        ("county", "court", "court"),
        ("professional", "court", "court"),
    ],
)
def test_escalation_climbs_one_level(current: str, level: str, org_id: str) -> None:
    decision = escalate(CaseFacts(VILLAGE, "neighbor"), current, REGISTRY, CONFIG, why="超过受理期限")
    assert decision is not None
    assert (decision.level, decision.org_id) == (level, org_id)
    assert "超过受理期限" in decision.reasons[0]


def test_escalation_to_court_suggests_filing_and_ends_there() -> None:
    decision = escalate(CaseFacts(VILLAGE, "neighbor"), "county", REGISTRY, CONFIG)
    assert decision is not None and decision.mediator_id is None
    assert any("诉讼立案" in r for r in decision.reasons)
    assert escalate(CaseFacts(VILLAGE, "neighbor"), "court", REGISTRY, CONFIG) is None


@pytest.mark.parametrize("bad", ["33052210120", "3305221012011", "33052210120x"])
def test_region_codes_must_be_12_digits(bad: str) -> None:
    with pytest.raises(ValueError, match="12位"):
        parse_region(bad)


def test_region_code_parts() -> None:
    assert parse_region(VILLAGE) == ("330522", "330522101", VILLAGE)
    assert parse_region(TOWN) == ("330522", "330522101", None)
