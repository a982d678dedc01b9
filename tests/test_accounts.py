"""Logins, tokens, lock-out, device sign-up limits and role guards."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from server.settings import Settings
from tests.conftest import login, new_device


def test_staff_login_returns_token_and_role(client: TestClient[Any]) -> None:
    r = client.post("/api/v1/auth/login", json={"username": "mediator", "password": "jiefen-demo"})
    assert r.status_code == 200
    body = r.json()
    assert body["role"] == "mediator"
    assert body["user"]["org"] == "org-330522001-pmc"
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.json()["role"] == "mediator"


def test_wrong_password_and_unknown_user_get_the_same_401(client: TestClient[Any]) -> None:
    a = client.post("/api/v1/auth/login", json={"username": "mediator", "password": "wrong-password"})
    b = client.post("/api/v1/auth/login", json={"username": "nobody", "password": "wrong-password"})
    assert a.status_code == b.status_code == 401
    assert a.json()["detail"] == b.json()["detail"] == "用户名或密码错误"


def test_repeated_failures_slow_down_this_address(client: TestClient[Any]) -> None:
    for _ in range(5):
        client.post("/api/v1/auth/login", json={"username": "analyst", "password": "bad-bad-bad"})
    r = client.post("/api/v1/auth/login", json={"username": "analyst", "password": "jiefen-demo"})
    assert r.status_code == 429  # a short wait for this address (tests/test_throttling.py)
    assert "登录失败次数过多" in r.json()["detail"]


def test_malformed_login_is_400(client: TestClient[Any]) -> None:
    r = client.post("/api/v1/auth/login", json={"username": "mediator"})
    assert r.status_code == 400


def test_logout_revokes_the_token(client: TestClient[Any]) -> None:
    h = login(client, "mediator")
    assert client.post("/api/v1/auth/logout", headers=h).status_code == 200
    r = client.get("/api/v1/me", headers=h)
    assert r.status_code == 401
    assert "重新登录" in r.json()["detail"]


def test_admin_revokes_a_users_tokens(client: TestClient[Any]) -> None:
    victim = login(client, "grid")
    admin = login(client, "admin")
    r = client.post("/api/v1/users/user-grid/revoke-tokens", headers=admin)
    assert r.status_code == 200 and r.json()["revoked"] >= 1
    assert client.get("/api/v1/me", headers=victim).status_code == 401


def test_non_admin_cannot_revoke(client: TestClient[Any]) -> None:
    r = client.post("/api/v1/users/user-grid/revoke-tokens", headers=login(client, "mediator"))
    assert r.status_code == 403
    assert r.json()["detail"] == "您的账号无权进行此操作"


def test_missing_and_garbage_tokens_are_401(client: TestClient[Any]) -> None:
    assert client.get("/api/v1/me").json()["detail"] == "请先登录"
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Basic abc"}).status_code == 401


def test_device_registration_is_a_citizen_and_rate_limited(settings: Settings) -> None:
    import dataclasses

    from server.app import create_app

    small = dataclasses.replace(settings, device_burst=20, device_rate_per_hour=20)
    with TestClient(create_app(small)) as client:
        h = new_device(client)
        assert client.get("/api/v1/me", headers=h).json()["role"] == "citizen"
        codes = [client.post("/api/v1/devices").status_code for _ in range(25)]
        assert 429 in codes
        assert codes.count(201) == 19  # a burst of 20 per address; one was used above
        r = client.post("/api/v1/devices")
        assert r.json()["detail"].startswith("此网络注册人数过多，请约")
        assert int(r.headers["Retry-After"]) > 0


def test_org_staff_see_only_their_own_org(client: TestClient[Any]) -> None:
    own = client.get("/api/v1/orgs/org-330522001-pmc/mediators", headers=login(client, "town_admin"))
    assert own.status_code == 200 and len(own.json()) >= 1
    other = client.get("/api/v1/orgs/org-330522-labor/mediators", headers=login(client, "town_admin"))
    assert other.status_code == 403
    citizen = client.get("/api/v1/orgs/org-330522001-pmc/mediators", headers=new_device(client))
    assert citizen.status_code == 403
    admin = client.get("/api/v1/orgs/org-330522-labor/mediators", headers=login(client, "admin"))
    assert admin.status_code == 200
