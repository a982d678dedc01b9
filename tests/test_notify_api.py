"""HTTP: the VAPID key, subscribing (validated, upserted by endpoint) and unsubscribing."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from litestar.testing import TestClient
from sqlalchemy import select

from server.db import Database
from server.notify.models import PushSubscriptionRow, VapidKeyRow
from server.notify.vapid import b64url_decode, b64url_encode
from server.settings import Settings
from tests.conftest import login, new_device
from tests.test_notify_delivery import make_push_device

ENDPOINT = "https://fcm.googleapis.com/fcm/send/abc123"
CJK = re.compile(r"[\u4e00-\u9fff]")


def rows(db: Database) -> list[tuple[str, str]]:
    with db.read_session() as s:
        return [
            (r.user_id, r.endpoint)
            for r in s.scalars(select(PushSubscriptionRow).order_by(PushSubscriptionRow.id))
        ]


def unsubscribe(client: TestClient[Any], headers: dict[str, str], endpoint: Any) -> Any:
    return client.request(
        "DELETE", "/api/v1/push/subscriptions", headers=headers, json={"endpoint": endpoint}
    )


def test_key_is_public_stable_and_what_the_browser_wants(client: TestClient[Any], db: Database) -> None:
    r = client.get("/api/v1/push/key")
    assert r.status_code == 200
    key = r.json()["publicKey"]
    point = b64url_decode(key)
    assert (len(point), point[0]) == (65, 4)
    assert client.get("/api/v1/push/key").json() == {"publicKey": key}
    with db.read_session() as s:
        (row,) = s.scalars(select(VapidKeyRow))
        assert (row.id, row.public_key) == (1, key)
        assert row.private_pem.startswith("-----BEGIN PRIVATE KEY-----")


def test_cli_prints_the_same_key(client: TestClient[Any], settings: Settings, tmp_path: Path) -> None:
    from server.cli import main

    env = {"JIEFEN_DATABASE_URL": settings.database_url, "JIEFEN_VAR_DIR": str(tmp_path / "cli-var")}
    first = CliRunner().invoke(main, ["vapid"], env=env)
    assert first.exit_code == 0, first.output
    printed = first.output.strip().splitlines()[-1]
    assert printed == client.get("/api/v1/push/key").json()["publicKey"]
    again = CliRunner().invoke(main, ["vapid"], env=env)
    assert again.output.strip().splitlines()[-1] == printed


def test_cli_makes_the_key_on_a_new_database(empty_db_url: str, tmp_path: Path) -> None:
    from server.cli import main

    env = {"JIEFEN_DATABASE_URL": empty_db_url, "JIEFEN_VAR_DIR": str(tmp_path / "v")}
    result = CliRunner().invoke(main, ["vapid"], env=env)
    assert result.exit_code == 0, result.output
    assert len(b64url_decode(result.output.strip().splitlines()[-1])) == 65
    Database(empty_db_url).dispose()


def test_subscribe_upserts_by_endpoint_and_moves_it_to_the_current_user(
    client: TestClient[Any], db: Database
) -> None:
    device = make_push_device(ENDPOINT)
    mediator = login(client, "mediator")
    r = client.post("/api/v1/push/subscriptions", headers=mediator, json=device.subscription)
    assert r.status_code == 201, r.text
    assert r.json() == {"endpoint": ENDPOINT, "created": True}
    r = client.post("/api/v1/push/subscriptions", headers=mediator, json=device.subscription)
    assert (r.status_code, r.json()["created"]) == (201, False)
    assert rows(db) == [("user-mediator", ENDPOINT)]

    fresh = make_push_device(ENDPOINT)  # the same browser subscribes again after another login
    assert (
        client.post(
            "/api/v1/push/subscriptions", headers=login(client, "town_admin"), json=fresh.subscription
        ).status_code
        == 201
    )
    assert rows(db) == [("user-town_admin", ENDPOINT)]
    with db.read_session() as s:
        (row,) = s.scalars(select(PushSubscriptionRow))
        assert (row.p256dh, row.auth) == (
            fresh.subscription["keys"]["p256dh"],
            fresh.subscription["keys"]["auth"],
        )


def test_anonymous_citizens_subscribe_too_but_strangers_do_not(client: TestClient[Any], db: Database) -> None:
    device = make_push_device(ENDPOINT)
    assert client.post("/api/v1/push/subscriptions", json=device.subscription).status_code == 401
    assert rows(db) == []
    assert (
        client.post(
            "/api/v1/push/subscriptions", headers=new_device(client), json=device.subscription
        ).status_code
        == 201
    )


def test_loopback_http_is_allowed_for_local_development(client: TestClient[Any], db: Database) -> None:
    headers = login(client, "mediator")
    for endpoint in ("http://127.0.0.1:8123/push/a", "http://localhost/push/b", "http://[::1]:9/push/c"):
        r = client.post(
            "/api/v1/push/subscriptions", headers=headers, json=make_push_device(endpoint).subscription
        )
        assert r.status_code == 201, (endpoint, r.text)


def _good() -> dict[str, Any]:
    sub = make_push_device(ENDPOINT).subscription
    return {**sub, "keys": dict(sub["keys"])}


def _with(**change: Any) -> dict[str, Any]:
    sub = _good()
    for k, v in change.items():
        if k in ("p256dh", "auth"):
            sub["keys"][k] = v
        else:
            sub[k] = v
    return sub


def _not_on_curve() -> str:
    return b64url_encode(b"\x04" + bytes(range(64)))


BAD: list[tuple[str, Any]] = [
    ("not an object", ["endpoint"]),
    ("no endpoint", {"keys": _good()["keys"]}),
    ("http to the internet", _with(endpoint="http://push.example.com/x")),
    ("other scheme", _with(endpoint="ftp://push.example.com/x")),
    ("no host", _with(endpoint="https:///x")),
    ("endpoint too long", _with(endpoint="https://push.example.com/" + "a" * 1000)),
    ("endpoint not text", _with(endpoint=42)),
    ("expirationTime text", _with(expirationTime="tomorrow")),
    ("no keys", {"endpoint": ENDPOINT}),
    ("p256dh short", _with(p256dh=b64url_encode(b"\x04" + os.urandom(63)))),
    ("p256dh compressed", _with(p256dh=b64url_encode(b"\x02" + os.urandom(64)))),
    ("p256dh off the curve", _with(p256dh=_not_on_curve())),
    ("p256dh not base64url", _with(p256dh="!!!" + _good()["keys"]["p256dh"][3:])),
    ("auth 15 bytes", _with(auth=b64url_encode(os.urandom(15)))),
    ("auth missing", _with(auth=None)),
    ("auth standard base64", _with(auth="ab+/" * 5 + "ab==")),
]


@pytest.mark.parametrize(("why", "body"), BAD, ids=[b[0] for b in BAD])
def test_malformed_subscriptions_are_refused_in_chinese_and_nothing_is_written(
    client: TestClient[Any], db: Database, why: str, body: Any
) -> None:
    r = client.post("/api/v1/push/subscriptions", headers=login(client, "mediator"), json=body)
    assert r.status_code == 400, (why, r.text)
    assert CJK.search(r.json()["detail"]), r.json()
    assert rows(db) == []


def test_expiration_time_number_or_null_is_accepted(client: TestClient[Any], db: Database) -> None:
    r = client.post(
        "/api/v1/push/subscriptions",
        headers=login(client, "mediator"),
        json=_with(expirationTime=1_900_000_000_000),
    )
    assert r.status_code == 201, r.text


def test_delete_removes_only_the_callers_own(client: TestClient[Any], db: Database) -> None:
    mediator, admin = login(client, "mediator"), login(client, "town_admin")
    mine, theirs = make_push_device(ENDPOINT + "m"), make_push_device(ENDPOINT + "a")
    client.post("/api/v1/push/subscriptions", headers=mediator, json=mine.subscription)
    client.post("/api/v1/push/subscriptions", headers=admin, json=theirs.subscription)

    assert unsubscribe(client, mediator, theirs.endpoint).status_code == 204
    assert sorted(rows(db)) == sorted(
        [("user-mediator", mine.endpoint), ("user-town_admin", theirs.endpoint)]
    )
    assert unsubscribe(client, mediator, mine.endpoint).status_code == 204
    assert rows(db) == [("user-town_admin", theirs.endpoint)]
    assert unsubscribe(client, mediator, mine.endpoint).status_code == 204  # idempotent

    r = unsubscribe(client, mediator, None)
    assert r.status_code == 400
    assert CJK.search(r.json()["detail"])
    assert unsubscribe(client, {}, theirs.endpoint).status_code == 401


def test_openapi_lists_the_push_endpoints(client: TestClient[Any]) -> None:
    paths = client.get("/schema/openapi.json").json()["paths"]
    assert "/api/v1/push/key" in paths
    assert {"post", "delete"} <= set(paths["/api/v1/push/subscriptions"])
