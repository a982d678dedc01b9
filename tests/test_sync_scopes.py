"""The scope matrix: every role × in scope / out of scope, read and write, and eviction."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from litestar.testing import TestClient

from server.db import Database
from tests.conftest import login, new_device
from tests.synctools import Device, server_put

DEMO_VILLAGE = "330522001008"
OTHER_VILLAGE = "330522101201"
VILLAGE_ORG = "org-330522001008-pmc"
TOWN_ORG = "org-330522001-pmc"
COURT = "org-330522-court"


@pytest.fixture
def world(client: TestClient[Any], db: Database) -> dict[str, Any]:
    filer = Device(client, new_device(client))
    filer.file_case("caseA", "邻居装修噪音", region=DEMO_VILLAGE)
    filer.put("party", "pA", "case", "caseA")
    filer.put("party", "pA", "name", "张三")
    code, token = filer.file_case("caseC", "别村的纠纷", region=OTHER_VILLAGE)
    filer.sync()
    grid = Device(client, login(client, "grid"))
    grid.file_case("caseB", "网格员代办：外村土地纠纷", region=OTHER_VILLAGE)
    grid.sync()
    server_put(db, "caseA", org=VILLAGE_ORG, level="village", status="assigned")
    server_put(db, "caseC", org=TOWN_ORG, level="town", status="assigned")
    return {"filer": filer, "grid": grid, "codeC": code, "tokenC": token}


def visible(client: TestClient[Any], headers: dict[str, str]) -> set[str]:
    d = Device(client, headers)
    d.sync()
    return d.keys("case")


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("filer", {"caseA", "caseC"}),
        ("other_citizen", set()),
        ("grid", {"caseA", "caseB"}),  # its village's case, and the one it filed elsewhere
        ("village_mediator", {"caseA"}),
        ("mediator", {"caseC"}),  # the town committee's mediator
        ("town_admin", {"caseC"}),
        ("county_admin", set()),
        ("court", set()),
        ("analyst", set()),
        ("admin", {"caseA", "caseB", "caseC"}),
    ],
)
def test_each_role_reads_exactly_its_scope(
    client: TestClient[Any], world: dict[str, Any], who: str, expected: set[str]
) -> None:
    if who == "filer":
        headers = world["filer"].headers
    elif who == "other_citizen":
        headers = new_device(client)
    else:
        headers = login(client, who)
    assert visible(client, headers) == expected


def test_parties_travel_with_their_case_only(client: TestClient[Any], world: dict[str, Any]) -> None:
    med = Device(client, login(client, "village_mediator"))
    med.sync()
    assert med.keys("party") == {"pA"}
    other = Device(client, login(client, "mediator"))
    other.sync()
    assert other.keys("party") == set()


def test_court_clerk_sees_cases_sent_to_its_court(
    client: TestClient[Any], db: Database, world: dict[str, Any]
) -> None:
    server_put(db, "caseA", court_org=COURT, status="confirmation_requested")
    assert visible(client, login(client, "court")) == {"caseA"}


def test_a_qr_follower_reads_but_cannot_write(client: TestClient[Any], world: dict[str, Any]) -> None:
    follower = Device(client, new_device(client))
    follower.sync()
    assert follower.keys("case") == set()
    r = client.post(
        "/api/v1/follow", headers=follower.headers, json={"code": world["codeC"], "token": world["tokenC"]}
    )
    assert r.status_code == 200
    follower.sync()
    assert follower.keys("case") == set()  # follow = trace view (tests/test_privacy_follow.py)
    assert follower.keys("trace") == {"caseC"}
    follower.put("case", "caseC", "summary", "篡改")
    body = follower.sync()
    assert [r["code"] for r in body["rejected"]] == ["forbidden"]


def test_wrong_qr_token_does_not_follow(client: TestClient[Any], world: dict[str, Any]) -> None:
    h = new_device(client)
    wrong = client.post("/api/v1/follow", headers=h, json={"code": world["codeC"], "token": "nope"})
    unknown = client.post("/api/v1/follow", headers=h, json={"code": "JF-330522-2026-000000X", "token": "x"})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json()["detail"] == unknown.json()["detail"]


def test_staff_outside_the_case_cannot_write(client: TestClient[Any], world: dict[str, Any]) -> None:
    outsider = Device(client, login(client, "mediator"))
    outsider.op("message", "m1", "create", None, {"case": "caseA", "body": "我来插一句"})
    outsider.put("party", "pA", "phone", "13900000000")
    body = outsider.sync()
    assert [r["code"] for r in body["rejected"]] == ["forbidden", "forbidden"]
    insider = Device(client, login(client, "village_mediator"))
    insider.op("message", "m2", "create", None, {"case": "caseA", "body": "您好，我是调解员"})
    assert insider.sync()["rejected"] == []


def test_a_stranger_learns_nothing_of_a_cases_state_from_its_refusals(
    client: TestClient[Any], world: dict[str, Any]
) -> None:
    """Moves pushed on a guessed key by staff who cannot read the case are all refused alike,
    whether the case is assigned or already accepted (before, the code told which)."""
    stranger = Device(client, login(client, "mediator"))  # the town committee: caseA is the village's

    def refusals() -> list[str]:
        for to in ("accepted", "declined", "resolved"):
            stranger.op("case", "caseA", "intent", "transition", {"to": to, "reason": "试探"})
        stranger.op("case", "caseA", "intent", "pause", {"reason": "试探"})
        return [r["code"] for r in stranger.sync()["rejected"]]

    assigned = refusals()
    insider = Device(client, login(client, "village_mediator"))
    insider.op("case", "caseA", "intent", "transition", {"to": "accepted"})
    assert insider.sync()["rejected"] == []
    assert assigned == refusals() == ["forbidden"] * 4
    assert insider.view("case", "caseA")["status"] == "accepted"


def test_reassignment_evicts_from_the_old_org_and_brings_history_to_the_new(
    client: TestClient[Any], db: Database, world: dict[str, Any]
) -> None:
    old = Device(client, login(client, "village_mediator"))
    new = Device(client, login(client, "mediator"))
    old.sync()
    new.sync()
    assert "caseA" in old.keys("case")
    assert "caseA" not in new.keys("case")
    server_put(db, "caseA", org=TOWN_ORG, level="town")  # escalated to the township
    body = old.sync()
    assert {"entity": "case", "key": "caseA"} in body["evict"]
    assert old.keys("case") == set()
    assert old.keys("party") == set()
    new.sync()
    assert new.view("case", "caseA")["summary"] == "邻居装修噪音"  # type: ignore[index]
    assert new.keys("party") == {"pA"}


def test_scope_follows_the_token_not_the_replica(client: TestClient[Any], world: dict[str, Any]) -> None:
    twin = Device(client, world["filer"].headers)  # a second install with the same token
    twin.sync()
    assert twin.keys("case") == {"caseA", "caseC"}


# -- the levels of a city deployment (JIEFEN_AREA=3305, the 湖州 demo: tests/test_area.py) ------
from tests import test_area  # noqa: E402

# The city fixtures (one seeded template per backend, a private copy per test).
_city_templates = test_area._city_templates
city_settings = test_area.city_settings
city = test_area.city
CHANGXING_VILLAGE, DEQING_VILLAGE = test_area.CHANGXING_VILLAGE, test_area.DEQING_VILLAGE

CX_OTHER_TOWN_VILLAGE = OTHER_VILLAGE  # 长兴, another township than the demo 雉城街道
PRIVATE = ("邻居装修噪音扰民", "宋晓梅", "13957200001", "330521198805052222")
COUNTY_ADMIN_WRITES = (
    ("put", "/api/v1/rules"),
    ("post", "/api/v1/rules/reload"),
    ("post", "/api/v1/rules/models"),
    ("post", "/api/v1/rules/models/1/publish"),
    ("put", "/api/v1/holidays/2027"),
    ("put", "/api/v1/consult/guidance"),
)


def _with_party(client: TestClient[Any], key: str, region: str) -> Device:
    """A case with a respondent party carrying the PRIVATE name, phone and ID number."""
    d = Device(client, new_device(client))
    d.file_case(key, PRIVATE[0], region=region)
    d.put("party", f"{key}p", "case", key)
    d.put("party", f"{key}p", "role", "respondent")
    d.put("party", f"{key}p", "name", PRIVATE[1])
    d.put("party", f"{key}p", "phone", PRIVATE[2])
    d.put("party", f"{key}p", "id_number", PRIVATE[3])
    assert d.sync()["rejected"] == []
    return d


def _raw_pull(client: TestClient[Any], headers: dict[str, str]) -> str:
    r = client.post("/api/v1/sync", headers=headers, json={"replica": "r" + "0" * 15, "since": 0, "ops": []})
    assert r.status_code == 200
    return r.text


@pytest.mark.parametrize("username", ["analyst", "analyst_330522", "analyst_330521"])
def test_city_and_county_analysts_read_counts_of_their_area_and_nothing_personal(
    city: TestClient[Any], username: str
) -> None:
    for i in range(3):  # three cases naming one respondent: a repeated-respondent warning
        _with_party(city, f"dq{i}", DEQING_VILLAGE)
    _with_party(city, "cx0", CHANGXING_VILLAGE)
    h = login(city, username)
    own = {"analyst": "3305", "analyst_330522": "330522", "analyst_330521": "330521"}[username]
    expected = {"3305": 4, "330522": 1, "330521": 3}[own]
    summary = city.get("/api/v1/cockpit/summary", headers=h).json()
    assert summary["scope"]["total"] == expected
    assert all(t["region"].startswith(own) for t in summary["towns"])
    assert all(c["region"].startswith(own) for c in summary["counties"])
    texts = [json.dumps(summary, ensure_ascii=False), _raw_pull(city, h)]
    for path in (
        "/api/v1/cockpit/trend",
        "/api/v1/cockpit/risks",
        "/api/v1/cockpit/assessment",
        "/api/v1/cockpit/consultations",
        "/api/v1/rules/corrections",
    ):
        r = city.get(path, headers=h)
        assert r.status_code == 200, (path, r.text)
        texts.append(r.text)
    months = json.loads(texts[2])["months"]
    assert sum(m["total"] for m in months) == expected
    risks = json.loads(texts[3])["warnings"]
    assert all(w["region"] is None or w["region"].startswith(own) for w in risks)
    repeated = {"3305": [4], "330522": [], "330521": [3]}[own]  # one respondent: 3 in 德清, 1 in 长兴
    assert [w["count"] for w in risks if w["type"] == "repeat_respondent"] == repeated
    others = {"3305": [], "330522": ["org-330521", "330521"], "330521": ["org-330522", "330522"]}[own]
    for other in others:  # figures per organisation (考核) and corrections: this area's only
        assert other not in texts[4] and other not in texts[6], other
    every = "".join(texts)
    digits = "".join(ch for ch in every if ch.isdigit())
    for secret in PRIVATE:
        assert secret not in every and secret not in digits, (username, secret)
    assert PRIVATE[1][0] + "*" not in every  # not even the masked respondent
    assert '"changes":[]' in texts[1].replace(" ", "")  # sync: no record at all


def test_a_county_admin_reads_and_acts_in_its_county_never_in_the_other(city: TestClient[Any]) -> None:
    dq_filer = _with_party(city, "dq1", DEQING_VILLAGE)
    _with_party(city, "cx1", CHANGXING_VILLAGE)
    cx_admin = Device(city, login(city, "admin_330522"))
    cx_admin.sync()
    assert cx_admin.keys("case") == {"cx1"} and cx_admin.keys("party") == {"cx1p"}
    raw = _raw_pull(city, cx_admin.headers)
    assert '"dq1' not in raw and "330521001001" not in raw, raw
    # Every move an admin can make, pushed on the 德清 case whose key it learnt elsewhere.
    for field, value in (
        ("transition", {"to": "accepted"}),
        ("transition", {"to": "escalated", "reason": "越权上移"}),  # = assign it elsewhere
        ("transition", {"to": "declined", "reason": "越权"}),
        ("pause", {"reason": "越权暂停"}),
        ("correct_category", {"category": "land_forest", "reason": "越权改类"}),
    ):
        cx_admin.op("case", "dq1", "intent", field, value)
    cx_admin.op("message", "mx", "create", None, {"case": "dq1", "body": "越权留言"})
    cx_admin.put("party", "dq1p", "phone", "13900000000")
    cx_admin.op("case", "dq1", "add", "tags", "重点")
    codes = [r["code"] for r in cx_admin.sync()["rejected"]]
    # The same refusal whatever the move: a key learnt elsewhere tells nothing about the case.
    assert codes == ["forbidden"] * 8, codes
    # Once 德清 resolved it: signing its agreement is not for 长兴's admin either.
    dq_med = Device(city, login(city, "village_mediator_330521"))
    dq_med.sync()
    for to, extra in (("accepted", {}), ("resolved", {"agreement": "双方同意停工"})):
        dq_med.op("case", "dq1", "intent", "transition", {"to": to, **extra})
    assert dq_med.sync()["rejected"] == []
    cx_admin.op("case", "dq1", "intent", "sign", {"party": "dq1p", "blob": "0" * 64})
    assert [r["code"] for r in cx_admin.sync()["rejected"]] == ["forbidden"]
    dq_filer.sync()
    dq = dq_filer.view("case", "dq1")
    assert dq is not None and dq["status"] == "resolved" and not dq.get("tags") and not dq.get("paused_at")
    assert dq["category"] != "land_forest" and not dq.get("signatures")
    assert (dq_filer.view("party", "dq1p") or {})["phone"] == PRIVATE[2]
    assert dq_filer.keys("message") == set()
    # Deployment-wide writes are for the area's own admin only.
    for method, path in COUNTY_ADMIN_WRITES:
        r = getattr(city, method)(path, headers=cx_admin.headers, json={})
        assert r.status_code == 403, (path, r.status_code, r.text)
    # What a county admin reads about people: its own county's cases only.
    for path in ("/api/v1/audit", "/api/v1/rules/corrections", "/api/v1/cockpit/assessment"):
        r = city.get(path, headers=cx_admin.headers)
        assert r.status_code == 200, (path, r.text)
        assert "330521" not in r.text and "德清" not in r.text, (path, r.text[:500])


def test_a_court_clerk_moves_only_its_countys_court_cases(city: TestClient[Any]) -> None:
    _with_party(city, "dq1", DEQING_VILLAGE)
    med = Device(city, login(city, "village_mediator_330521"))
    med.sync()
    for to, extra in (
        ("accepted", {}),
        ("resolved", {"agreement": "双方同意停工"}),
        ("confirmation_requested", {}),
    ):
        med.op("case", "dq1", "intent", "transition", {"to": to, **extra})
        assert med.sync()["rejected"] == []
    cx_court = Device(city, login(city, "court"))  # 长兴县人民法院
    cx_court.op("case", "dq1", "intent", "transition", {"to": "confirmed", "ruling": "（2026）浙0522民特1号"})
    assert [r["code"] for r in cx_court.sync()["rejected"]] == ["forbidden"]  # not its case to read
    dq_court = Device(city, login(city, "court_330521"))
    dq_court.op("case", "dq1", "intent", "transition", {"to": "confirmed", "ruling": "（2026）浙0521民特1号"})
    assert dq_court.sync()["rejected"] == []


def test_a_town_mediator_never_gets_another_towns_case(city: TestClient[Any]) -> None:
    """Not by pull, not by GET, not by guessing its key or code."""
    other = _with_party(city, "ot1", CX_OTHER_TOWN_VILLAGE)
    code = (other.view("case", "ot1") or {})["code"]
    med = Device(city, login(city, "mediator"))  # 雉城街道人民调解委员会
    med.sync()
    assert "ot1" not in med.keys("case") and med.keys("party") == set()
    raw = _raw_pull(city, med.headers)
    assert "ot1" not in raw and PRIVATE[1] not in raw
    assert city.get(f"/api/v1/cases/{code}/agreement", headers=med.headers).status_code == 404
    assert city.get(f"/api/v1/trace/{code}", headers=med.headers).status_code == 404  # no token
    # Guessing: pushes on the key are refused and bring nothing back.
    med.op("case", "ot1", "intent", "transition", {"to": "accepted"})
    med.op("message", "mg", "create", None, {"case": "ot1", "body": "猜到的"})
    med.put("party", "ot1p", "name", "改名")
    med.op("case", "ot1", "add", "tags", "x")
    assert len(med.sync()["rejected"]) == 4
    assert med.keys("case") == set() or "ot1" not in med.keys("case")
    assert med.keys("party") == set()
    r = city.post("/api/v1/follow", headers=med.headers, json={"code": code, "token": "guess"})
    assert r.status_code == 404


def test_cases_filed_before_the_area_tags_get_them_at_start(
    city: TestClient[Any], city_settings: Any
) -> None:
    """A database from before the ``area:`` tags (or a county deployment widened to its city):
    its cases carry no area tag, so a county admin cannot read them until the server starts."""
    from sqlalchemy import delete, select

    from server.app import create_app
    from server.sync.models import ScopeMember
    from server.sync.service import ServerReplica, SyncService
    from server.sync.store import SqlStore

    _with_party(city, "old1", CHANGXING_VILLAGE)
    _with_party(city, "old2", DEQING_VILLAGE)
    db = Database(city_settings.database_url)
    try:
        with db.session() as s:
            s.execute(delete(ScopeMember).where(ScopeMember.tag.startswith("area:")))
        cx_admin = Device(city, login(city, "admin_330522"))
        cx_admin.sync()
        assert "old1" not in cx_admin.keys("case")  # the gap this closes
        with TestClient(create_app(city_settings)) as restarted:  # start-up backfills
            cx_admin = Device(restarted, login(restarted, "admin_330522"))
            cx_admin.sync()
            assert cx_admin.keys("case") == {"old1"} and cx_admin.keys("party") == {"old1p"}
            dq_admin = Device(restarted, login(restarted, "admin_330521"))
            dq_admin.sync()
            assert dq_admin.keys("case") == {"old2"}
        with db.session() as s:
            tags = set(s.scalars(select(ScopeMember.tag).where(ScopeMember.root == "old1")))
            assert {"area:330522", "area:3305"} <= tags
            service = SyncService(ServerReplica())
            assert service.backfill_area_tags(SqlStore(s), int(time.time() * 1000)) == 0  # idempotent
    finally:
        db.dispose()
