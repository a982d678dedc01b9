"""The scope matrix: every role × in scope / out of scope, read and write, and eviction."""

from __future__ import annotations

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
