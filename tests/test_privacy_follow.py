"""Follow = trace view (issue #9, finding 1): a QR holder's sync carries what the trace page shows.

Whoever follows a case by its QR (a printed receipt, a photo of it) must never receive party
records, free text, messages, staff names, the filer's id or device replica ids — only the
``trace`` record, which is the same masked view ``GET /api/v1/trace/{code}`` answers.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from litestar.testing import TestClient

from server.db import Database
from server.sync.models import ScopeMember
from server.sync.service import ServerReplica, SyncService
from server.sync.store import SqlStore
from tests.conftest import login, new_device
from tests.synctools import Device, server_put

VILLAGE = "330522001008"
VILLAGE_ORG = "org-330522001008-pmc"
SECRETS = ("张三丰", "13812345678", "330522199001011234", "竹林村8号", "隔壁每天半夜装修", "我明天在家")


@pytest.fixture
def filed(client: TestClient[Any], db: Database) -> dict[str, Any]:
    filer = Device(client, new_device(client))
    code, token = filer.file_case("caseF", "邻居装修噪音", region=VILLAGE, description="隔壁每天半夜装修")
    filer.put("party", "pF", "case", "caseF")
    filer.put("party", "pF", "role", "applicant")
    filer.put("party", "pF", "name", "张三丰")
    filer.put("party", "pF", "phone", "13812345678")
    filer.put("party", "pF", "id_number", "330522199001011234")
    filer.put("party", "pF", "address", "竹林村8号")
    filer.op("message", "mF", "create", None, {"case": "caseF", "body": "我明天在家"})
    body = filer.sync()
    assert body["rejected"] == []
    server_put(db, "caseF", org=VILLAGE_ORG, level="village", status="assigned")
    return {"filer": filer, "code": code, "token": token}


def follow(client: TestClient[Any], headers: dict[str, str], code: str, token: str) -> int:
    r = client.post("/api/v1/follow", headers=headers, json={"code": code, "token": token})
    return r.status_code


def test_a_follower_receives_the_trace_view_and_nothing_else(
    client: TestClient[Any], filed: dict[str, Any]
) -> None:
    follower = Device(client, new_device(client))
    assert follow(client, follower.headers, filed["code"], filed["token"]) == 200
    raw = client.post(
        "/api/v1/sync", headers=follower.headers, json={"replica": follower.replica, "since": 0, "ops": []}
    ).text
    for secret in (*SECRETS, filed["filer"].replica, "filer"):
        assert secret not in raw, f"{secret!r} leaked to a QR follower"
    follower.sync()
    assert {e for e, _ in follower.states} == {"trace"}
    trace = follower.view("trace", "caseF")
    assert trace is not None
    public = client.get(f"/api/v1/trace/{filed['code']}", headers={"X-Case-Token": filed["token"]}).json()
    assert trace["view"] == public
    assert trace["view"]["status"] == "assigned"
    assert trace["view"]["parties"] == [{"role": "applicant", "name": "张*", "phone": "****5678"}]


def test_the_followers_trace_follows_the_case(
    client: TestClient[Any], db: Database, filed: dict[str, Any]
) -> None:
    follower = Device(client, new_device(client))
    follow(client, follower.headers, filed["code"], filed["token"])
    follower.sync()
    server_put(db, "caseF", status="accepted")
    follower.sync()
    assert follower.view("trace", "caseF")["view"]["status"] == "accepted"  # type: ignore[index]


def test_a_follower_cannot_write_the_case(client: TestClient[Any], filed: dict[str, Any]) -> None:
    follower = Device(client, new_device(client))
    follow(client, follower.headers, filed["code"], filed["token"])
    follower.put("case", "caseF", "summary", "篡改")
    follower.op("message", "mX", "create", None, {"case": "caseF", "body": "我是关注者"})
    body = follower.sync()
    assert [r["code"] for r in body["rejected"]] == ["forbidden", "forbidden"]


def test_the_filer_and_staff_still_read_the_full_case(client: TestClient[Any], filed: dict[str, Any]) -> None:
    twin = Device(client, filed["filer"].headers)
    twin.sync()
    assert twin.view("party", "pF")["id_number"] == "330522199001011234"  # type: ignore[index]
    med = Device(client, login(client, "village_mediator"))
    med.sync()
    assert med.view("case", "caseF")["description"] == "隔壁每天半夜装修"  # type: ignore[index]
    assert med.keys("message") == {"mF"}


def test_followers_of_before_are_told_to_drop_what_they_held(
    client: TestClient[Any], db: Database, filed: dict[str, Any]
) -> None:
    """A device that followed under the old rules holds party and message records: evict them."""
    follower = Device(client, new_device(client))
    me = client.get("/api/v1/me", headers=follower.headers).json()["id"]
    with db.session() as s:  # what the old follow did: the follower's tag on the case itself
        store = SqlStore(s)
        store.lock_for_write()
        store.add_follower("caseF", me)
        s.add(ScopeMember(root="caseF", tag=f"user:{me}"))
    follower.sync()
    assert "pF" in follower.keys("party")  # the leak as it was
    with db.session() as s:
        store = SqlStore(s)
        store.lock_for_write()
        assert SyncService(ServerReplica()).rescope_followed(store, int(time.time() * 1000)) == 1
    body = follower.sync()
    evicted = {(e["entity"], e["key"]) for e in body["evict"]}
    assert {("case", "caseF"), ("party", "pF"), ("message", "mF")} <= evicted
    assert {e for e, _ in follower.states} == {"trace"}
    with db.session() as s:  # done once: a second start changes nothing
        assert SyncService(ServerReplica()).rescope_followed(SqlStore(s), int(time.time() * 1000)) == 0


def test_the_filer_following_its_own_case_keeps_it(client: TestClient[Any], filed: dict[str, Any]) -> None:
    filer = filed["filer"]
    assert follow(client, filer.headers, filed["code"], filed["token"]) == 200
    twin = Device(client, filer.headers)
    twin.sync()
    assert "pF" in twin.keys("party")
    assert twin.keys("trace") == {"caseF"}


def test_a_followers_notice_opens_the_trace_page_and_quotes_no_staff_text(client: TestClient[Any]) -> None:
    """A follower cannot open /cases/{key}: its notice of a move links the trace page of the code
    (the PWA opens it with the follow token it kept) and says what happened, not the mediator's
    reason for declining (free text reaches the filer and the handling staff only)."""
    filer = Device(client, new_device(client))
    code, token = filer.file_case("caseN", "邻居装修噪音", region=VILLAGE)
    assert filer.sync()["rejected"] == []
    follower = Device(client, new_device(client))
    assert follow(client, follower.headers, code, token) == 200
    med = Device(client, login(client, "village_mediator"))
    med.sync()
    med.op(
        "case", "caseN", "intent", "transition", {"to": "declined", "reason": "申请人王某某系本人亲属需回避"}
    )
    assert med.sync()["rejected"] == []
    filer.sync()
    follower.sync()
    mine = [filer.view("notification", k) or {} for k in filer.keys("notification")]
    theirs = [follower.view("notification", k) or {} for k in follower.keys("notification")]
    assert mine and theirs
    assert {n["url"] for n in mine} == {"/cases/caseN"}
    assert {n["url"] for n in theirs} == {f"/t/{code}"}
    assert any("需回避" in n["body"] for n in mine)  # the filer reads why
    for n in theirs:
        assert "需回避" not in n["body"] and "王某某" not in n["body"], n
