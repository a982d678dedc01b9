"""The scope-and-abuse matrix (issue #9): role × path × in/out of scope, and hostile input on every
route — on SQLite and PostgreSQL: zero leaks, zero silent acks, zero 5xx.

The findings have their own files (test_privacy_follow, test_sync_replica_owner, test_court_scope,
test_role_lanes, test_throttling, test_request_decoding, test_security_headers, test_audit); this
one sweeps every role and every route at once.
"""

from __future__ import annotations

import json
import re
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
SECRET = {"caseA": "13800000001", "caseC": "13800000003"}  # a party phone per case
ROLES = ["filer", "stranger", "follower", "grid", "village_mediator", "mediator", "town_admin",
         "county_admin", "court", "analyst", "admin"]  # fmt: skip
# Which cases' *full* records (and their party phones) each principal may hold.
READS: dict[str, set[str]] = {
    "filer": {"caseA", "caseC"},
    "stranger": set(),
    "follower": set(),  # follows caseC by QR: its trace record only
    "grid": {"caseA"},
    "village_mediator": {"caseA"},
    "mediator": {"caseC"},
    "town_admin": {"caseC"},
    "county_admin": set(),
    "court": set(),
    "analyst": set(),
    "admin": {"caseA", "caseC"},
}
# Who may write the case's summary (the filer only) and add a message (filer and handling staff).
MESSAGES: dict[str, set[str]] = {
    "filer": {"caseA", "caseC"},
    "village_mediator": {"caseA"},
    "mediator": {"caseC"},
    "town_admin": {"caseC"},
    "admin": {"caseA", "caseC"},
}


@pytest.fixture
def world(client: TestClient[Any], db: Database) -> dict[str, Any]:
    filer = Device(client, new_device(client))
    filer.file_case("caseA", "本村的纠纷", region=DEMO_VILLAGE, description="甲的说明")
    code, token = filer.file_case("caseC", "别村的纠纷", region=OTHER_VILLAGE, description="丙的说明")
    for key, phone in SECRET.items():
        filer.put("party", f"p{key}", "case", key)
        filer.put("party", f"p{key}", "name", "赵六")
        filer.put("party", f"p{key}", "phone", phone)
        filer.op("message", f"m{key}", "create", None, {"case": key, "body": f"留言{key}"})
    assert filer.sync()["rejected"] == []
    server_put(db, "caseA", org=VILLAGE_ORG, level="village", status="assigned")
    server_put(db, "caseC", org=TOWN_ORG, level="town", status="assigned")
    follower = new_device(client)
    r = client.post("/api/v1/follow", headers=follower, json={"code": code, "token": token})
    assert r.status_code == 200
    heads = {"filer": filer.headers, "stranger": new_device(client), "follower": follower}
    return {"heads": heads, "code": code, "token": token}


def headers_of(client: TestClient[Any], world: dict[str, Any], who: str) -> dict[str, str]:
    return dict(world["heads"].get(who) or login(client, who))


@pytest.mark.parametrize("who", ROLES)
def test_read_and_write_matrix(client: TestClient[Any], world: dict[str, Any], who: str) -> None:
    d = Device(client, headers_of(client, world, who))
    raw = client.post("/api/v1/sync", headers=d.headers, json={"replica": d.replica, "since": 0, "ops": []})
    assert raw.status_code == 200
    for case, phone in SECRET.items():  # no leak: a party phone only where the case is readable
        assert (phone in raw.text) == (case in READS[who]), (who, case)
    d.sync()
    assert d.keys("case") == READS[who]
    assert d.keys("party") == {f"p{k}" for k in READS[who]}
    assert d.keys("message") == {f"m{k}" for k in READS[who]}
    if who == "follower":
        assert d.keys("trace") == {"caseC"}
    ops = {}
    for case in SECRET:  # writes: every op acked or rejected with a code; an ack means stored
        ops[("summary", case)] = d.put("case", case, "summary", f"{who} 改写")["id"]
        msg = d.op("message", f"x{who}{case}", "create", None, {"case": case, "body": f"{who} 的留言"})
        ops[("message", case)] = msg["id"]
    body = d.sync()
    acked = set(body["acked"])
    assert acked | {r["id"] for r in body["rejected"]} == set(ops.values())
    assert all(r["code"] and r["message"] for r in body["rejected"])
    admin = Device(client, login(client, "admin"))
    admin.sync()
    for case in SECRET:
        summary_written = admin.view("case", case)["summary"] == f"{who} 改写"  # type: ignore[index]
        assert summary_written == (who == "filer") == (ops[("summary", case)] in acked), (who, case)
        message_written = f"x{who}{case}" in admin.keys("message")
        allowed = case in MESSAGES.get(who, set())
        assert message_written == allowed == (ops[("message", case)] in acked), (who, case)


def fine(r: Any) -> bool:
    """Below 500 — or the PWA's "not built yet" page (tests run without a build)."""
    return bool(r.status_code < 500 or (r.status_code == 503 and "make pwa" in r.text))


def _routes(client: TestClient[Any]) -> list[tuple[str, str]]:
    out = []
    for route in client.app.routes:
        for method in sorted(getattr(route, "methods", set()) - {"OPTIONS", "HEAD"}):
            out.append((method, route.path))
    return sorted(set(out))


HOSTILE_PARAMS = ["%00", "a%0Ab", "x" * 3000, "..%2F..%2Fetc%2Fpasswd", "%E4%B8%AD%EF%BF%BF", "0" * 40]
HOSTILE_BODIES = [
    b"[" * 2000,
    json.dumps({"username": "a\u0000", "code": "\u0000", "token": "\u0000", "text": "\u0000"}).encode(),
    b'{"replica": "abcdefgh", "since": -1, "ops": [{"id": "\\u0000"}]}',
    b'{"a": 1e999999}',
    b"\xff\xfe",
    json.dumps({"ops": [{"value": "x" * 100}] * 3}).encode(),
    json.dumps([1] * 10).encode(),
]


def test_no_route_answers_hostile_input_with_a_5xx(client: TestClient[Any]) -> None:
    admin = login(client, "admin")
    device = new_device(client)
    seen = 0
    for method, path in _routes(client):
        for params in HOSTILE_PARAMS:
            url = re.sub(r"\{[^}]+\}", params, path)
            for h in (admin, device, {}):
                if method in ("GET", "DELETE"):
                    r = client.request(method, url, headers=h)
                    assert fine(r), (method, url, r.status_code, r.text[:200])
                    seen += 1
                else:
                    for body in HOSTILE_BODIES:
                        r = client.request(
                            method, url, headers={**h, "Content-Type": "application/json"}, content=body
                        )
                        assert fine(r), (method, url, body[:40], r.status_code, r.text[:200])
                        seen += 1
    assert seen > 200


_KEYS = {"p256dh": "BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U",
         "auth": "tBHItJI5svbpez7KI4CCXg"}  # fmt: skip
# Typed bodies (msgspec Structs): wrong types, missing fields, NUL bytes, huge values, wrong shapes.
BAD_TYPED_BODIES: list[tuple[str, str, str, Any]] = [
    ("POST", "/api/v1/push/subscriptions", "staff", {"endpoint": 1, "keys": _KEYS}),
    ("POST", "/api/v1/push/subscriptions", "staff", {"keys": _KEYS}),
    ("POST", "/api/v1/push/subscriptions", "staff", {"endpoint": "https://push.example.com/x"}),
    (
        "POST",
        "/api/v1/push/subscriptions",
        "staff",
        {"endpoint": "https://p.example.com/\u0000", "keys": _KEYS},
    ),
    (
        "POST",
        "/api/v1/push/subscriptions",
        "staff",
        {"endpoint": "https://p.example.com/" + "a" * 200_000, "keys": _KEYS},
    ),
    (
        "POST",
        "/api/v1/push/subscriptions",
        "staff",
        {"endpoint": "https://p.example.com/", "keys": {"p256dh": "A" * 50_000, "auth": "x"}},
    ),
    (
        "POST",
        "/api/v1/push/subscriptions",
        "staff",
        {"endpoint": "https://p.example.com/", "keys": _KEYS, "expirationTime": "x"},
    ),
    ("POST", "/api/v1/push/subscriptions", "staff", ["https://p.example.com/"]),
    ("DELETE", "/api/v1/push/subscriptions", "staff", {"endpoint": 5}),
    ("DELETE", "/api/v1/push/subscriptions", "staff", {}),
    ("DELETE", "/api/v1/push/subscriptions", "staff", {"endpoint": ""}),
    ("DELETE", "/api/v1/push/subscriptions", "staff", {"endpoint": "x" * 200_000}),
    ("POST", "/api/v1/follow", "device", {"code": 1, "token": "t"}),
    ("POST", "/api/v1/follow", "device", {"code": "JF-330522-2611-ABCDEF"}),
    ("POST", "/api/v1/follow", "device", {"code": "x" * 200_000, "token": "t"}),
    ("POST", "/api/v1/follow", "device", {"code": "JF\u0000", "token": "\u0000"}),
    ("POST", "/api/v1/follow", "device", None),
    ("POST", "/api/v1/consult", "device", {"text": ["欠工资"]}),
    ("POST", "/api/v1/consult", "device", {}),
    ("POST", "/api/v1/consult", "device", {"text": "欠" * 300_000}),
    ("POST", "/api/v1/consult", "device", {"text": "欠工资\u0000"}),
    ("POST", "/api/v1/consult", "device", {"text": "欠工资", "region": 330522001008}),
    ("POST", "/api/v1/consult/tally", "device", {"items": []}),
    ("POST", "/api/v1/consult/tally", "device", {"items": "x"}),
    ("POST", "/api/v1/consult/tally", "device", {"items": [{"day": 5, "category": "neighbor"}]}),
    ("POST", "/api/v1/consult/tally", "device", {"items": [{"day": "2026-13-40", "category": "neighbor"}]}),
    ("POST", "/api/v1/consult/tally", "device", {"items": [{"category": "neighbor"}]}),
    (
        "POST",
        "/api/v1/consult/tally",
        "device",
        {"items": [{"day": "2026-11-30", "category": "n" * 100_000}]},
    ),
    (
        "POST",
        "/api/v1/consult/tally",
        "device",
        {"items": [{"day": "2026-11-30", "category": "neighbor"}] * 51},
    ),
]


def test_typed_bodies_refuse_bad_input_with_a_chinese_400(client: TestClient[Any]) -> None:
    heads = {"staff": login(client, "mediator"), "device": new_device(client)}
    for method, path, who, body in BAD_TYPED_BODIES:
        r = client.request(method, path, headers={**heads[who], "Content-Type": "application/json"},
                           content=json.dumps(body, ensure_ascii=False).encode())  # fmt: skip
        where = (method, path, str(body)[:60])
        assert r.status_code == 400, (*where, r.status_code, r.text[:300])
        detail = r.json()["detail"]
        assert re.search(r"[\u4e00-\u9fff]", detail), (*where, detail)
        assert "Validation failed" not in detail, where
