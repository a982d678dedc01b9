"""Throttling that cannot be turned against the owner (issue #9, finding 6).

- Login: wrong passwords slow down that (address, account) pair with a short exponential delay;
  the owner elsewhere logs in at once, and nothing is ever locked.
- Trace and follow: only failures count, per code across both endpoints and per address; a correct
  token is never refused.
"""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Request
from litestar.testing import TestClient
from sqlalchemy import select

from server.accounts.models import User
from server.db import Database
from server.ratelimit import LoginBackoff, RateLimiter, SharedLoginBackoff, SharedTokenBucket
from tests.conftest import DEMO_PASSWORD, new_device
from tests.synctools import Device


@pytest.fixture
def addresses(monkeypatch: pytest.MonkeyPatch) -> None:
    """Requests say where they come from in ``X-Test-Address`` (the test client has one address)."""

    def addr(request: Request[Any, Any, Any]) -> str:
        return request.headers.get("x-test-address", "198.51.100.1")

    for module in ("server.accounts.api", "server.sync.api", "server.qr.api"):
        monkeypatch.setattr(f"{module}.client_address", addr)


def attempt(client: TestClient[Any], password: str, address: str, user: str = "mediator") -> Any:
    return client.post(
        "/api/v1/auth/login",
        json={"username": user, "password": password},
        headers={"X-Test-Address": address},
    )


def test_wrong_passwords_slow_one_address_down_not_the_owner(
    client: TestClient[Any], db: Database, addresses: None
) -> None:
    codes = [attempt(client, "guess-guess", "203.0.113.9").status_code for _ in range(12)]
    assert codes[:5] == [401] * 5 and 429 in codes
    r = attempt(client, DEMO_PASSWORD, "203.0.113.9")
    assert r.status_code == 429 and 0 < int(r.headers["Retry-After"]) <= 60
    assert "秒后再试" in r.json()["detail"]
    assert attempt(client, DEMO_PASSWORD, "198.51.100.7").status_code == 200  # the owner, elsewhere
    with db.session() as s:  # no lock on the account itself
        user = s.scalar(select(User).where(User.username == "mediator"))
        assert user is not None and user.locked_until is None


def test_the_delay_is_short_and_exponential() -> None:
    now = [0.0]
    b = LoginBackoff(free=3, base_s=1, max_s=60, clock=lambda: now[0])
    waits = []
    for _ in range(10):
        b.failure("k")
        waits.append(b.wait_s("k"))
    assert waits[:2] == [0, 0]  # free tries
    assert waits[2:7] == [1, 2, 4, 8, 16]
    assert max(waits) == 60
    now[0] += 60
    assert b.wait_s("k") == 0  # then one more try
    b.success("k")
    b.failure("k")
    assert b.wait_s("k") == 0  # a success forgets the failures


def test_failures_only_limiter_never_counts_successes() -> None:
    lim = RateLimiter(3, 60, clock=lambda: 0.0)
    for _ in range(3):
        assert not lim.exceeded("code")
        lim.hit("code")
    assert lim.exceeded("code")


@pytest.fixture
def case(client: TestClient[Any]) -> tuple[str, str]:
    d = Device(client, new_device(client))
    code, token = d.file_case("kT", "邻居的树挡了阳光")
    d.sync()
    return code, token


def trace(client: TestClient[Any], code: str, token: str, address: str) -> int:
    r = client.get(f"/api/v1/trace/{code}", headers={"X-Case-Token": token, "X-Test-Address": address})
    return r.status_code


def follow(client: TestClient[Any], h: dict[str, str], code: str, token: str, address: str) -> int:
    r = client.post(
        "/api/v1/follow", headers={**h, "X-Test-Address": address}, json={"code": code, "token": token}
    )
    return r.status_code


def test_wrong_trace_tokens_never_lock_out_the_right_one(
    client: TestClient[Any], case: tuple[str, str], addresses: None
) -> None:
    code, token = case
    wrong = [trace(client, code, "W" * 22, f"203.0.113.{i % 200}") for i in range(30)]
    # per code, across addresses (on PostgreSQL a shared bucket refills a little meanwhile)
    assert wrong[:20] == [404] * 20 and wrong.count(429) >= 5
    assert trace(client, code, token, "198.51.100.7") == 200  # the holder, elsewhere
    assert trace(client, code, token, "203.0.113.1") == 200  # even from the attacker's address


def test_follow_counts_failures_per_code_with_trace(
    client: TestClient[Any], case: tuple[str, str], addresses: None
) -> None:
    code, token = case
    h = new_device(client)
    wrong = [follow(client, h, code, "W" * 22, f"203.0.113.{i}") for i in range(20)]
    assert set(wrong) == {404}
    more = [follow(client, h, code, "W" * 22, f"203.0.113.{i}") for i in range(100, 105)]
    assert more.count(429) >= 3  # follow has its per-code limit
    assert trace(client, code, "W" * 22, "203.0.113.98") == 429  # and shares it with the trace page
    assert follow(client, h, code, token, "203.0.113.1") == 200
    assert trace(client, code, token, "203.0.113.1") == 200


def test_one_address_guessing_many_codes_is_slowed(client: TestClient[Any], addresses: None) -> None:
    codes = [trace(client, f"JF-330522-2026-{i:06d}X", "W" * 22, "203.0.113.5") for i in range(25)]
    assert 429 in codes
    assert trace(client, "JF-330522-2026-000000X", "W" * 22, "198.51.100.7") == 404  # others unaffected


@pytest.mark.parametrize("backend", ["postgresql"])
def test_login_failures_count_once_over_every_process(db: Database) -> None:
    """Two ``SharedLoginBackoff`` on one database (two processes): the free tries are shared."""
    now = [1000.0]
    a, b = (SharedLoginBackoff(db, free=3, base_s=1, max_s=60, clock=lambda: now[0]) for _ in range(2))
    waits = []
    for i in range(8):
        (a if i % 2 == 0 else b).failure("203.0.113.9|mediator")
        waits.append((b if i % 2 == 0 else a).wait_s("203.0.113.9|mediator"))
    assert waits[:2] == [0, 0] and waits[2:7] == [1, 2, 4, 8, 16]
    assert a.wait_s("198.51.100.7|mediator") == 0  # the owner, elsewhere
    b.success("203.0.113.9|mediator")
    assert a.wait_s("203.0.113.9|mediator") == 0


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_limiters_sweep_leaves_other_limiters_buckets(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A flood of one limiter (consultations) must not empty another's (device sign-up) table rows:
    an idle empty bucket of a slow limiter is still empty."""
    devices = SharedTokenBucket(db, "device", burst=1, per_hour=1, clock=lambda: 1000.0)
    assert devices.allow("203.0.113.9") and not devices.allow("203.0.113.9")
    logins = SharedLoginBackoff(db, free=0, clock=lambda: 1000.0)
    logins.failure("203.0.113.9|mediator")
    monkeypatch.setattr("server.ratelimit.random.random", lambda: 0.0)  # every hit sweeps
    consult = SharedTokenBucket(db, "consult", burst=120, per_hour=7200, clock=lambda: 1100.0)
    consult.allow("203.0.113.9")
    assert devices.exceeded("203.0.113.9")
    assert SharedLoginBackoff(db, free=0, clock=lambda: 1000.5).wait_s("203.0.113.9|mediator") > 0
