"""Two real `jiefen serve` processes on one PostgreSQL (docs/deploy.md): a token revoked through one
is refused by the other within a second, a change written through one is pulled through the other
at once, and rate limits count across both."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from server import casecode
from server.sync.hlc import Clock

pytestmark = pytest.mark.pg
DEVICE_LIMIT = 4


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def servers(db_url: str, tmp_path: Path) -> Iterator[list[str]]:
    """Two server processes on the same seeded database; their base URLs."""
    env = {
        **os.environ,
        "JIEFEN_DATABASE_URL": db_url,
        "JIEFEN_VAR_DIR": str(tmp_path / "var"),
        "JIEFEN_SCHEDULER_INTERVAL_S": "0",
        "JIEFEN_DEVICE_BURST": str(DEVICE_LIMIT),
        "JIEFEN_DEVICE_RATE_PER_HOUR": "1",
        "JIEFEN_PWA_DIST": str(tmp_path / "dist"),
    }
    procs: list[subprocess.Popen[bytes]] = []
    urls: list[str] = []
    try:
        for _ in range(2):
            port = _free_port()
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 120
        for url in urls:
            while True:
                try:
                    if httpx.get(f"{url}/api/v1/ping", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        yield urls
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_token_revoked_in_one_is_refused_by_the_other_within_a_second(servers: list[str]) -> None:
    a, b = servers
    token = httpx.post(
        f"{a}/api/v1/auth/login", json={"username": "mediator", "password": "jiefen-demo"}
    ).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{b}/api/v1/me", headers=auth).status_code == 200  # cached in b now
    assert httpx.post(f"{a}/api/v1/auth/logout", headers=auth).status_code == 200
    revoked = time.monotonic()
    while httpx.get(f"{b}/api/v1/me", headers=auth).status_code == 200:
        assert time.monotonic() - revoked < 1.0, "the other process still honours the revoked token"
        time.sleep(0.02)


def _sync(url: str, auth: dict[str, str], replica: str, since: int, ops: list[Any]) -> dict[str, Any]:
    r = httpx.post(f"{url}/api/v1/sync", headers=auth, json={"replica": replica, "since": since, "ops": ops})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_change_written_through_one_is_pulled_through_the_other_at_once(servers: list[str]) -> None:
    a, b = servers
    token = httpx.post(
        f"{b}/api/v1/auth/login", json={"username": "admin", "password": "jiefen-demo"}
    ).json()["token"]
    admin = {"Authorization": f"Bearer {token}"}
    cursor = 0
    while True:
        body = _sync(b, admin, "admin_dev1", cursor, [])
        cursor = body["cursor"]
        if not body["more"]:
            break
    assert _sync(b, admin, "admin_dev1", cursor, [])["changes"] == []  # b now answers from its head cache

    device = {"Authorization": f"Bearer {httpx.post(f'{a}/api/v1/devices').json()['token']}"}
    code = casecode.make_code("330522", 2026)
    clock = Clock("citizen_dev1", lambda: int(time.time() * 1000))
    fields = [
        ("code", code),
        ("summary", "邻居堆放杂物堵住通道"),
        ("region", "330522001008"),
        ("channel", "online"),
    ]
    ops = [
        {
            "id": f"citizen_dev1:{i}",
            "ts": clock.tick(),
            "entity": "case",
            "key": "mp1",
            "kind": "put",
            "field": f,
            "value": v,
        }
        for i, (f, v) in enumerate(fields, 1)
    ]
    assert _sync(a, device, "citizen_dev1", 0, ops)["rejected"] == []
    written = time.monotonic()
    while True:
        changes = _sync(b, admin, "admin_dev1", cursor, [])["changes"]
        if any(c["key"] == "mp1" for c in changes):
            break
        assert time.monotonic() - written < 1.0, "the other process did not see the new case"
        time.sleep(0.01)


@pytest.mark.parametrize("backend", ["postgresql"])
def test_rate_limits_count_across_both_processes(servers: list[str]) -> None:
    statuses = [httpx.post(f"{servers[i % 2]}/api/v1/devices").status_code for i in range(DEVICE_LIMIT + 2)]
    assert statuses[:DEVICE_LIMIT] == [201] * DEVICE_LIMIT
    assert statuses[DEVICE_LIMIT:] == [429, 429]


@pytest.mark.parametrize("backend", ["postgresql"])
def test_login_backoff_counts_across_both_processes(servers: list[str]) -> None:
    """Wrong passwords alternating between the processes: the 6th waits, as on one process (each
    counting alone would let 10 through)."""
    statuses = [
        httpx.post(
            f"{servers[i % 2]}/api/v1/auth/login", json={"username": "court", "password": "wrong-guess"}
        ).status_code
        for i in range(7)
    ]
    assert statuses[:5] == [401] * 5 and statuses[5:] == [429, 429]
