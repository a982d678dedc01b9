"""A poster day: hundreds of villagers install through one address; refusals say how long to wait."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from litestar import Litestar, get
from litestar.testing import TestClient

from server.http import ApiError
from server.ratelimit import RateLimiter, TokenBucket, wait_words
from server.retry_after import retry_after_middleware
from server.settings import Settings


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_three_hundred_signups_from_one_address_in_five_minutes_succeed(client: TestClient[Any]) -> None:
    tokens = set()
    for _ in range(300):
        r = client.post("/api/v1/devices")
        assert r.status_code == 201, r.text
        tokens.add(r.json()["token"])
    assert len(tokens) == 300


def test_the_bucket_refills_and_says_when() -> None:
    clock = FakeClock()
    bucket = TokenBucket(burst=300, per_hour=300, clock=clock)
    assert all(bucket.allow("10.0.0.1") for _ in range(300))
    assert not bucket.allow("10.0.0.1")
    assert bucket.allow("10.0.0.2")  # another address has its own budget
    assert bucket.retry_after("10.0.0.1") == 12  # 300 an hour: one every 12 s
    clock.t += 12
    assert bucket.allow("10.0.0.1")
    assert not bucket.allow("10.0.0.1")
    clock.t += 3600 * 5
    assert sum(bucket.allow("10.0.0.1") for _ in range(400)) == 300  # never more than the burst


def test_the_sliding_window_says_when_too() -> None:
    clock = FakeClock()
    w = RateLimiter(2, 60, clock=clock)
    assert w.allow("a") and w.allow("a") and not w.allow("a")
    clock.t += 20
    assert w.retry_after("a") == 40


@pytest.mark.parametrize(
    ("seconds", "words"), [(1, "1 秒"), (45, "45 秒"), (150, "3 分钟"), (7200, "2 小时")]
)
def test_waits_in_words(seconds: int, words: str) -> None:
    assert wait_words(seconds) == words


@pytest.fixture
def tight(settings: Settings) -> Iterator[TestClient[Any]]:
    from server.app import create_app

    small = dataclasses.replace(settings, device_burst=3, device_rate_per_hour=60)
    with TestClient(create_app(small)) as c:
        yield c


def test_a_spent_budget_answers_429_with_retry_after_in_seconds_and_words(tight: TestClient[Any]) -> None:
    for _ in range(3):
        assert tight.post("/api/v1/devices").status_code == 201
    r = tight.post("/api/v1/devices")
    assert r.status_code == 429
    wait = int(r.headers["Retry-After"])
    assert 50 <= wait <= 60  # one a minute
    assert "此网络注册人数过多" in r.json()["detail"] and "后再试" in r.json()["detail"]


def test_a_locked_login_says_when_to_retry(client: TestClient[Any]) -> None:
    for _ in range(6):
        r = client.post("/api/v1/auth/login", json={"username": "grid", "password": "wrong-password"})
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0


def test_every_429_carries_retry_after_whoever_raised_it() -> None:
    @get("/raised", sync_to_thread=False)
    def raised() -> None:
        raise ApiError(429, "太频繁")

    @get("/known", sync_to_thread=False)
    def known() -> None:
        raise ApiError(429, "太频繁", headers={"Retry-After": "7"})

    app = Litestar([raised, known], middleware=[retry_after_middleware])
    with TestClient(app) as c:
        assert c.get("/raised").headers["Retry-After"] == "60"
        assert c.get("/known").headers["Retry-After"] == "7"
