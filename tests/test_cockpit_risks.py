"""Risk early warnings: the pure rules as tables, then the planted patterns of a demo seeding."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from litestar.testing import TestClient

from server.cockpit.risks import (
    OpenCaseRow,
    RespondentRow,
    WeekCounts,
    group_disputes,
    is_spike,
    mask_name,
    normalise_phone,
    repeat_respondents,
    spikes,
)
from server.db import Database
from server.demo.cases import seed_demo_cases
from server.demo.plan import REPEAT_PHONES, REPEAT_RESPONDENT, SPIKE_TOWN
from tests.conftest import login

TOWNS = {"330522001000": "雉城街道", "330522103000": "夹浦镇"}
CATS = {"wage_arrears": "拖欠工资", "neighbor": "邻里纠纷"}


@pytest.mark.parametrize(
    ("recent", "previous", "warn"),
    [
        (0, 0, False),
        (2, 0, False),  # fewer than 3 is never a spike
        (3, 0, True),  # baseline 0: 3 ≥ 1
        (3, 8, True),  # baseline 1: 3 ≥ 3
        (2, 8, False),
        (4, 12, True),  # baseline 1.5: 4 ≥ 4
        (3, 12, False),  # baseline 1.5: 3 < 4
        (5, 16, True),  # baseline 2: 5 ≥ 5
        (4, 16, False),
        (9, 40, False),  # baseline 5: 9 < 11
        (11, 40, True),
    ],
)
def test_spike_rule_table(recent: int, previous: int, warn: bool) -> None:
    assert is_spike(recent, previous / 8) is warn
    found = spikes([WeekCounts("330522103000", "wage_arrears", recent, previous)], TOWNS, CATS)
    assert bool(found) is warn
    if warn:
        w = found[0]
        assert (w.type, w.region, w.category, w.count, w.baseline) == (
            "spike",
            "330522103000",
            "wage_arrears",
            recent,
            round(previous / 8, 2),
        )
        assert w.message.startswith(f"夹浦镇近7天拖欠工资纠纷{recent}件")


@pytest.mark.parametrize(
    ("category", "sentence"),
    [("wage_arrears", "拖欠工资纠纷"), ("neighbour", "邻里纠纷"), ("labour", "劳动争议")],
)
def test_warnings_name_the_dispute_once(category: str, sentence: str) -> None:
    names = {"wage_arrears": "拖欠工资", "neighbour": "邻里纠纷", "labour": "劳动争议"}
    (w,) = spikes([WeekCounts("330522103000", category, 11, 40)], TOWNS, names)
    assert w.message.startswith(f"夹浦镇近7天{sentence}11件")
    assert "纠纷纠纷" not in w.message and "争议纠纷" not in w.message


def test_spikes_sorted_by_strength() -> None:
    rows = [
        WeekCounts("330522001000", "neighbor", 4, 8),  # 4 / (1 + 1) = 2
        WeekCounts("330522103000", "wage_arrears", 6, 0),  # 6 / (0 + 1) = 6
        WeekCounts("330522001000", "wage_arrears", 1, 0),
    ]
    assert [(w.region, w.category) for w in spikes(rows, TOWNS, CATS)] == [
        ("330522103000", "wage_arrears"),
        ("330522001000", "neighbor"),
    ]


@pytest.mark.parametrize(
    ("phone", "digits"),
    [
        ("13905728866", "13905728866"),
        ("+86-139-0572-8866", "13905728866"),
        ("0572-6012345", "05726012345"),
        ("", ""),
    ],
)
def test_normalise_phone(phone: str, digits: str) -> None:
    assert normalise_phone(phone) == digits


@pytest.mark.parametrize(
    ("name", "masked"), [("王建国", "王*"), (" 钱 国良", "钱*"), ("欧阳娜", "欧*"), ("", "*")]
)
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def R(case: str, name: str, phone: str, town: str = "330522001000", cat: str = "neighbor") -> RespondentRow:
    return RespondentRow(case, name, phone, town, cat)


def test_repeat_respondent_needs_three_distinct_cases_of_the_same_name_and_phone() -> None:
    rows = [
        R("c1", "王建国", "13905728866"),
        R("c2", "王 建国", "+86-139-0572-8866", town="330522103000"),
        R("c3", "王建国", "139-0572-8866"),
        R("c3", "王建国", "13905728866"),  # a second respondent row of the same case counts once
        R("c4", "王建国", "13800000000"),  # same name, another phone: another person
        R("c5", "李芳", ""),
        R("c6", "李芳", ""),
        R("c7", "李芳", "13700000000"),  # a phone where the others have none: not merged
        R("c8", "", "13905728866"),  # no name: not matched
    ]
    found = repeat_respondents(rows, TOWNS, CATS)
    assert len(found) == 1
    w = found[0]
    assert (w.type, w.respondent, w.count, w.cases, w.region, w.category) == (
        "repeat_respondent",
        "王*",
        3,
        3,
        "330522001000",
        "neighbor",
    )
    assert w.message == "被申请人王*近90天涉及3件纠纷（雉城街道、夹浦镇），请关注是否存在系统性问题。"
    assert "建国" not in repr(w) and "139" not in repr(w)


def test_group_disputes_are_open_cases_with_five_or_more_applicants() -> None:
    at = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)  # 2026-11-21 in China
    rows = [
        OpenCaseRow("330522001000", "neighbor", "assigned", 5, at),
        OpenCaseRow("330522103000", "wage_arrears", "accepted", 12, at),
        OpenCaseRow("330522103000", "wage_arrears", "accepted", 4, at),
        OpenCaseRow("330522103000", "wage_arrears", "resolved", 30, at),
        OpenCaseRow(None, None, "submitted", 6, at),
    ]
    found = group_disputes(rows, TOWNS, CATS)
    assert [(w.region, w.count) for w in found] == [("330522103000", 12), (None, 6), ("330522001000", 5)]
    assert (
        found[0].message
        == "夹浦镇一起拖欠工资纠纷涉及12名申请人，2026-11-21提交，尚未办结，请防范群体性事件。"
    )
    assert found[1].region_name == "全县" and found[1].category_name == "未分类"


def test_demo_seeding_plants_each_kind_of_warning(client: TestClient[Any], db: Database) -> None:
    report = seed_demo_cases(db, 40, seed=3)
    assert (report.cases, report.rejected) == (40, 0)
    assert seed_demo_cases(db, 40).cases == 0  # once only
    r = client.get("/api/v1/cockpit/risks", headers=login(client, "analyst"))
    assert r.status_code == 200, r.text
    warnings = r.json()["warnings"]
    kinds = {w["type"] for w in warnings}
    assert kinds == {"spike", "repeat_respondent", "group_dispute"}
    spike = next(w for w in warnings if w["type"] == "spike" and w["region"] == SPIKE_TOWN)
    assert (spike["category"], spike["count"]) == ("wage_arrears", 6)
    repeat = [w for w in warnings if w["type"] == "repeat_respondent"]
    assert [(w.get("respondent"), w["cases"]) for w in repeat] == [(None, 4)]  # an analyst: counts only
    admin = client.get("/api/v1/cockpit/risks", headers=login(client, "admin")).json()["warnings"]
    repeat = [w for w in admin if w["type"] == "repeat_respondent"]
    assert [(w["respondent"], w["cases"]) for w in repeat] == [(REPEAT_RESPONDENT[0] + "*", 4)]
    groups = sorted(w["count"] for w in warnings if w["type"] == "group_dispute")
    assert groups == [8, 12]
    trace = client.get(f"/api/v1/trace/{report.sample_code}", headers={"X-Case-Token": report.sample_token})
    assert trace.status_code == 200, trace.text  # the demo cases have a public trace
    assert len(trace.json()["timeline"]) >= 2
    text = r.text
    assert REPEAT_RESPONDENT not in text
    for phone in REPEAT_PHONES:
        assert normalise_phone(phone) not in "".join(ch for ch in text if ch.isdigit())
