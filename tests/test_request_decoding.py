"""One request-decoding layer (issue #9, finding 7): hostile JSON and characters get a 400 with a
Chinese message on every endpoint and both databases, never a 500; in /sync a bad op is rejected
alone and the rest of the batch is stored."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from server.decoding import BAD_CHARS, NOT_JSON
from tests.conftest import login, new_device
from tests.synctools import Device

DEEP = ("[" * 1000 + "]" * 1000).encode()
# (method, path, who): every endpoint that reads a JSON body
JSON_ENDPOINTS = [
    ("POST", "/api/v1/auth/login", None),
    ("POST", "/api/v1/follow", "citizen"),
    ("POST", "/api/v1/sync", "citizen"),
    ("POST", "/api/v1/consult", None),
    ("POST", "/api/v1/push/subscriptions", "citizen"),
    ("PUT", "/api/v1/rules", "admin"),
]


def headers(client: TestClient[Any], who: str | None) -> dict[str, str]:
    h = {"Content-Type": "application/json"}
    if who == "citizen":
        h |= new_device(client)
    elif who:
        h |= login(client, who)
    return h


def chinese(detail: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in detail)


@pytest.mark.parametrize(("method", "path", "who"), JSON_ENDPOINTS)
def test_deeply_nested_json_is_refused(
    client: TestClient[Any], method: str, path: str, who: str | None
) -> None:
    r = client.request(method, path, content=DEEP, headers=headers(client, who))
    assert r.status_code == 400, r.text
    assert chinese(r.json()["detail"])


@pytest.mark.parametrize("bad", ["\x00", "\x01", "\x1b", "\x7f", "\ud800"])
@pytest.mark.parametrize(("method", "path", "who"), [e for e in JSON_ENDPOINTS if "sync" not in e[1]])
def test_control_characters_in_a_body_are_refused(
    client: TestClient[Any], method: str, path: str, who: str | None, bad: str
) -> None:
    body = {"username": f"admin{bad}", "password": "x", "code": f"JF{bad}", "token": "t", "text": bad}
    raw = __import__("json").dumps(body).encode()  # \\uXXXX escapes, as a JSON client would send
    r = client.request(method, path, content=raw, headers=headers(client, who))
    assert r.status_code == 400, r.text
    # a lone surrogate is not even valid JSON to the decoder: refused as such
    assert r.json()["detail"] in (BAD_CHARS, NOT_JSON)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/trace/JF-330522-2026-%00",
        "/api/v1/trace/JF%0A330522/qr.svg",
        "/api/v1/orgs/%00/mediators",
        "/api/v1/cases/%00/agreement.pdf",
        "/api/v1/blobs/%00",
        "/t/%00",
        "/api/v1/orgs?region=%00",
    ],
)
def test_control_characters_in_a_path_or_query_are_refused(client: TestClient[Any], path: str) -> None:
    r = client.get(path, headers=login(client, "admin"))
    assert r.status_code == 400, r.text
    assert "控制字符" in r.json()["detail"]


def test_a_huge_body_is_refused_before_it_is_decoded(client: TestClient[Any]) -> None:
    r = client.post(
        "/api/v1/auth/login",
        content=b'{"username": "' + b"a" * (2 * 1024 * 1024) + b'", "password": "x"}',
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 413
    assert chinese(r.json()["detail"])


def test_a_body_that_is_not_json_is_a_400(client: TestClient[Any]) -> None:
    r = client.post("/api/v1/auth/login", content=b"\xff\xfe{", headers={"Content-Type": "application/json"})
    assert r.status_code == 400


@pytest.mark.parametrize(
    ("where", "code"),
    [
        ("key", "bad_key"),
        ("entity", "unknown_entity"),
        ("id", "bad_id"),
        ("field", "unknown_field"),
        ("value", "bad_value"),
    ],
)
def test_a_nul_in_one_sync_op_rejects_that_op_alone(client: TestClient[Any], where: str, code: str) -> None:
    d = Device(client, new_device(client))
    d.file_case("caseN", "好好的案件")
    bad = d.put("case", "caseN", "summary", "正常")
    bad[where] = bad[where] + "\x00" if where != "value" else "有\x00字"
    body = d.sync()
    assert [(r["id"], r["code"]) for r in body["rejected"]] == [(bad["id"], code)]
    assert len(body["acked"]) == 5
    admin = Device(client, login(client, "admin"))
    admin.sync()
    assert admin.view("case", "caseN")["summary"] == "好好的案件"  # type: ignore[index]


def test_a_nul_deep_inside_an_op_value_rejects_that_op(client: TestClient[Any]) -> None:
    d = Device(client, new_device(client))
    d.file_case("caseV", "案件")
    d.op("message", "mV", "create", None, {"case": "caseV", "body": "留言\x00"})
    body = d.sync()
    assert [r["code"] for r in body["rejected"]] == ["bad_value"]
