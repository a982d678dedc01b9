"""Routing and workflow through the op log: cases come back routed; intents are decided by the server."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select

from server.core import components_of
from server.db import Database
from server.routing.models import CategoryCorrection, Timer
from server.routing.scheduler import fire_due
from server.sync.models import CaseRow, RecordRow
from tests.conftest import login, new_device
from tests.synctools import Device

VILLAGE = "330522001008"


def routed(client: TestClient[Any], summary: str, **fields: Any) -> tuple[Device, dict[str, Any]]:
    d = Device(client, new_device(client))
    d.file_case("k1", summary, region=fields.pop("region", VILLAGE), **fields)
    body = d.sync()
    assert body["rejected"] == []
    view = d.view("case", "k1")
    assert view is not None
    return d, view


def timeline(d: Device) -> list[dict[str, Any]]:
    items = [d.view("timeline", k) for k in d.keys("timeline")]
    return sorted((t for t in items if t), key=lambda t: t["at"])


def test_a_filed_case_comes_back_classified_routed_and_timed(client: TestClient[Any]) -> None:
    d, view = routed(client, "隔壁装修天天敲到半夜，吵得孩子睡不着")
    assert view["category"] == "neighbor"
    assert "装修" in view["category_reason"]
    assert view["status"] == "assigned"
    assert view["level"] == "village"
    assert view["org"] == "org-330522001008-pmc"
    assert view["mediator"]
    assert view["respond_by"] < view["resolve_by"]
    assert "人民调解委员会" in view["routing_reason"]
    events = [t["event"] for t in timeline(d)]
    assert events == ["submitted", "assigned"]


def test_the_filer_reads_a_plain_routing_reason_without_staff_workload(client: TestClient[Any]) -> None:
    """The whole case record syncs to its filer: its routing reason says where the case went and
    why, never which mediator was picked for what load ("在办N件")."""
    _, view = routed(client, "隔壁装修天天敲到半夜，吵得孩子睡不着")
    assert view["mediator"]  # a mediator was picked...
    reason = view["routing_reason"]
    assert reason == "由雉城社区人民调解委员会受理"
    assert "在办" not in reason and "指派调解员" not in reason, reason  # ...but not said to the filer


@pytest.mark.parametrize(
    ("summary", "fields", "level", "org"),
    [
        ("路口被电动车撞了，腿骨折，交警出了事故认定", {}, "professional", "org-330522-traffic"),
        ("老板欠了三个月工资不给", {}, "professional", "org-330522-labor"),
        ("邻居家狗半夜叫", {"channel": "in_person"}, "county", "org-330522-mtzx"),
        ("借给朋友二十万不还", {"amount": 200000}, "town", "org-330522001-pmc"),
        ("村里征地补偿分配不公", {"applicants": 12}, "town", "org-330522001-pmc"),
    ],
)
def test_routing_rules_apply_to_real_filings(
    client: TestClient[Any], summary: str, fields: dict[str, Any], level: str, org: str
) -> None:
    _, view = routed(client, summary, **fields)
    assert (view["level"], view["org"]) == (level, org)


def test_the_filers_own_category_is_kept(client: TestClient[Any]) -> None:
    _, view = routed(client, "隔壁装修噪音", category="contract")
    assert view["category"] == "contract"
    assert "申请人选择" in view["category_reason"]


def intent(d: Device, key: str, field: str, value: dict[str, Any]) -> dict[str, Any]:
    return d.op("case", key, "intent", field, value)


def test_mediator_accepts_and_the_filer_sees_it(client: TestClient[Any]) -> None:
    filer, _ = routed(client, "隔壁装修天天敲到半夜")
    med = Device(client, login(client, "village_mediator"))
    med.sync()
    intent(med, "k1", "transition", {"to": "accepted"})
    assert med.sync()["rejected"] == []
    filer.sync()
    view = filer.view("case", "k1")
    assert view is not None and view["status"] == "accepted"
    assert view["respond_by"] is None
    assert timeline(filer)[-1]["event"] == "accepted"


def test_two_offline_accepts_one_wins_the_other_is_told_why(client: TestClient[Any]) -> None:
    routed(client, "隔壁装修天天敲到半夜")
    a = Device(client, login(client, "village_mediator"))
    b = Device(client, login(client, "village_mediator"))
    a.sync()
    b.sync()
    intent(a, "k1", "transition", {"to": "accepted"})
    intent(b, "k1", "transition", {"to": "accepted"})
    assert a.sync()["rejected"] == []
    rejected = b.sync()["rejected"]
    assert [r["code"] for r in rejected] == ["not_allowed"]
    assert "已受理" in rejected[0]["message"]


def test_decline_needs_a_reason_then_escalates_to_the_town(client: TestClient[Any]) -> None:
    filer, _ = routed(client, "隔壁装修天天敲到半夜")
    med = Device(client, login(client, "village_mediator"))
    med.sync()
    intent(med, "k1", "transition", {"to": "declined"})
    assert [r["code"] for r in med.sync()["rejected"]] == ["missing_field"]
    intent(med, "k1", "transition", {"to": "declined", "reason": "当事人不在本村"})
    body = med.sync()
    assert body["rejected"] == []
    assert {"entity": "case", "key": "k1"} in body["evict"]  # it left the village committee
    filer.sync()
    view = filer.view("case", "k1")
    assert view is not None
    assert (view["status"], view["level"], view["org"]) == ("assigned", "town", "org-330522001-pmc")
    assert [t["event"] for t in timeline(filer)][-3:] == ["declined", "escalated", "assigned"]


def test_a_decline_reads_as_a_move_to_the_township_to_the_filer(client: TestClient[Any]) -> None:
    """Issue #10 finding 4: notice and timeline say where the case went and why, once, in causal
    order, with no internal figures (which mediator, how many open cases)."""
    filer, _ = routed(client, "隔壁装修天天敲到半夜")
    med = Device(client, login(client, "village_mediator"))
    med.sync()
    intent(med, "k1", "transition", {"to": "declined", "reason": "当事人不在本村居住"})
    assert med.sync()["rejected"] == []
    filer.sync()
    notes = [filer.view("notification", k) or {} for k in filer.keys("notification")]
    (moved,) = [n for n in notes if "转交" in str(n.get("title"))]
    assert "雉城街道人民调解委员会" in moved["body"] and "当事人不在本村居住" in moved["body"]
    for n in notes:
        assert "未予受理" not in n["title"] and "其他解决途径" not in n["body"], n
    events = timeline(filer)
    assert [t["event"] for t in events] == ["submitted", "assigned", "declined", "escalated", "assigned"]
    said = [str(t["reason"]) for t in events]
    assert sum("当事人不在本村居住" in r for r in said) == 1  # the mediator's reason, once
    assert said[3] == "村（社区）调解组织不予受理，上移至乡镇（街道）"
    assert "由雉城街道人民调解委员会受理" in said[4] and "上移" not in said[4]
    for r in said:
        assert "在办" not in r and "指派调解员" not in r, r


def test_only_the_filer_withdraws(client: TestClient[Any]) -> None:
    filer, _ = routed(client, "隔壁装修天天敲到半夜")
    med = Device(client, login(client, "village_mediator"))
    med.sync()
    intent(med, "k1", "transition", {"to": "withdrawn"})
    assert [r["code"] for r in med.sync()["rejected"]] == ["role_forbidden"]
    intent(filer, "k1", "transition", {"to": "withdrawn"})
    assert filer.sync()["rejected"] == []
    assert filer.view("case", "k1")["status"] == "withdrawn"  # type: ignore[index]


def test_pause_stops_the_clock_and_resume_moves_the_deadline(client: TestClient[Any], db: Database) -> None:
    routed(client, "隔壁装修天天敲到半夜")
    med = Device(client, login(client, "village_mediator"))
    med.sync()
    before = med.view("case", "k1")["respond_by"]  # type: ignore[index]
    routing = components_of(client.app).routing
    start = datetime.now(UTC)
    routing.clock = lambda: start
    intent(med, "k1", "pause", {"reason": "等待当事人提供材料"})
    assert med.sync()["rejected"] == []
    with db.session() as s:
        assert (
            s.scalar(
                select(func.count())
                .select_from(Timer)
                .where(Timer.case_key == "k1", Timer.fired_at.is_(None))
            )
            == 0
        )
    routing.clock = lambda: start + timedelta(days=7)
    intent(med, "k1", "resume", {"reason": "材料已交"})
    assert med.sync()["rejected"] == []
    after = med.view("case", "k1")["respond_by"]  # type: ignore[index]
    assert after > before
    routing.clock = None


def test_category_correction_is_recorded_for_rule_review(client: TestClient[Any], db: Database) -> None:
    routed(client, "隔壁装修天天敲到半夜")
    med = Device(client, login(client, "village_mediator"))
    med.sync()
    intent(med, "k1", "correct_category", {"category": "construction", "reason": "其实是装修公司质量问题"})
    assert med.sync()["rejected"] == []
    assert med.view("case", "k1")["category"] == "construction"  # type: ignore[index]
    with db.session() as s:
        row = s.scalars(select(CategoryCorrection)).one()
        assert (row.from_category, row.to_category) == ("neighbor", "construction")
    r = client.get("/api/v1/rules/corrections", headers=login(client, "analyst"))
    assert r.json()["counts"][0]["to_category"] == "construction"


def _fire_all(client: TestClient[Any], db: Database, at: datetime) -> int:
    st = components_of(client.app)
    return fire_due(db, st.routing, st.replica, at)


def test_respond_breach_escalates_once_and_warns_before(client: TestClient[Any], db: Database) -> None:
    filer, view = routed(client, "隔壁装修天天敲到半夜")
    respond_by = datetime.fromisoformat(view["respond_by"])
    assert _fire_all(client, db, respond_by - timedelta(days=30)) == 0  # nothing due yet
    assert _fire_all(client, db, respond_by - timedelta(seconds=1)) == 1  # the warning
    filer.sync()
    assert filer.view("case", "k1")["warned"] == "respond_warn"  # type: ignore[index]
    assert _fire_all(client, db, respond_by + timedelta(seconds=1)) == 1  # the breach
    assert _fire_all(client, db, respond_by + timedelta(seconds=2)) == 0  # never twice
    filer.sync()
    view = filer.view("case", "k1")
    assert view is not None and (view["level"], view["org"]) == ("town", "org-330522001-pmc")
    assert "超过受理期限" in timeline(filer)[-2]["reason"]


@pytest.mark.pg
def test_two_processes_fire_each_timer_once(
    client: TestClient[Any], db: Database, backend: str, settings: Any
) -> None:
    if backend != "postgresql":
        pytest.skip("two writer processes are a PostgreSQL deployment")
    for i in range(6):
        d = Device(client, new_device(client))
        d.file_case(f"t{i}", "隔壁装修天天敲到半夜", region=VILLAGE)
        d.sync()
    far = datetime.now(UTC) + timedelta(days=60)
    st = components_of(client.app)
    dbs = [Database(settings.database_url), Database(settings.database_url)]
    counts: list[int] = []

    def run(database: Database) -> None:
        n = 0
        while (k := fire_due(database, st.routing, st.replica, far, limit=2)) > 0:
            n += k
        counts.append(n)

    threads = [threading.Thread(target=run, args=(x,)) for x in dbs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for x in dbs:
        x.dispose()
    with db.session() as s:
        at_town = s.scalar(select(func.count()).select_from(CaseRow).where(CaseRow.level == "town"))
        events = [v["event"] for v in s.scalars(select(RecordRow.view).where(RecordRow.entity == "timeline"))]
    assert sum(counts) == 12  # a warning and a breach per case, each fired by one process only
    assert at_town == 6  # each breach moved its case up exactly one level
    assert events.count("escalated") == 6


def test_admin_edits_rules_without_a_deploy(client: TestClient[Any]) -> None:
    admin = login(client, "admin")
    rules = client.get("/api/v1/rules", headers=admin).json()["data"]
    bad = {**rules, "categories": {"neighbor": {"keywords": {"": "x"}}}}
    r = client.put("/api/v1/rules", json=bad, headers=admin)
    assert r.status_code == 400
    assert "规则有误" in r.json()["detail"]
    rules["categories"]["tenancy"]["keywords"]["鸽子笼"] = 9
    rules["version"] = "2026.1-test"
    assert client.put("/api/v1/rules", json=rules, headers=admin).status_code == 200
    _, view = routed(client, "鸽子笼的事情谈不拢")
    assert view["category"] == "tenancy"
    assert client.put("/api/v1/rules", json=rules, headers=login(client, "mediator")).status_code == 403
