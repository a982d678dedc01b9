"""Real ``jiefen serve`` processes on a province database, and the clients the measures use.

Each server is its own process group on a free 127.0.0.1 port (``bench.sync.servers.Process``:
stopped by group id, also on errors), one uvicorn worker, ``JIEFEN_AREA=33`` (the whole province),
the SLA scheduler off and the per-device rate limit out of the way. Nothing is seeded: the database
is what ``bench.province.generate`` loaded. Staff accounts are made directly in the database.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import statistics
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import msgspec

from bench.sync.servers import ROOT, Process
from server import casecode
from server.accounts.service import create_user
from server.db import Database

PASSWORD = "bench-password-1"


class ProvinceServer(Process):
    """``jiefen serve`` (one worker) on the database at ``url``."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self.name = f"jiefen serve :{self.port}"

    def start(self) -> None:
        env = dict(os.environ)
        env.update(
            JIEFEN_DATABASE_URL=self.url,
            JIEFEN_VAR_DIR=str(self.tmp / "var"),
            JIEFEN_AREA="33",
            JIEFEN_DEVICE_RATE_PER_HOUR="1000000",
            JIEFEN_DEVICE_BURST="1000000",
            JIEFEN_SCHEDULER_INTERVAL_S="0",
            JIEFEN_PWA_DIST=str(self.tmp / "dist"),
        )
        argv = [sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1"]
        argv += ["--port", str(self.port), "--workers", "1"]
        self._spawn(argv, env, ROOT)
        self.wait_ready("/api/v1/health", timeout_s=300)


@contextlib.contextmanager
def servers(url: str, n: int) -> Iterator[list[ProvinceServer]]:
    """``n`` server processes on ``url``, started one after the other, stopped at the end."""
    procs: list[ProvinceServer] = []
    try:
        for _ in range(n):
            p = ProvinceServer(url)
            procs.append(p)
            p.start()
        yield procs
    finally:
        for p in procs:
            p.stop()


def make_staff(url: str, username: str, role: str, org_id: str | None) -> None:
    """A staff account (password ``PASSWORD``) in the database at ``url``."""
    db = Database(url)
    try:
        with db.session() as s:
            create_user(s, username, PASSWORD, role, org_id=org_id, name=username)
    finally:
        db.dispose()


def login(base: str, username: str) -> dict[str, str]:
    """Bearer headers of a staff account."""
    r = httpx.post(f"{base}/api/v1/auth/login", json={"username": username, "password": PASSWORD}, timeout=60)
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['token']}"}


def new_device(base: str) -> dict[str, str]:
    """Bearer headers of a fresh anonymous citizen device."""
    r = httpx.post(f"{base}/api/v1/devices", json={}, timeout=60)
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['token']}"}


def replica() -> str:
    return f"bench_{secrets.token_hex(8)}"


def file_case(base: str, headers: dict[str, str], region: str) -> str:
    """File one case from a fresh replica (5 puts, as the PWA does); returns its key."""
    rep, key = replica(), f"k{secrets.token_hex(8)}"
    now = int(time.time() * 1000)
    fields = {"code": casecode.make_code(region[:6], 2026), "summary": "邻居装修噪音扰民，多次协商不成",
              "region": region, "channel": "online",
              "trace_hash": casecode.trace_hash(casecode.new_trace_token())}  # fmt: skip
    ops = [
        {
            "id": f"{rep}:{i}",
            "ts": f"{now:015d}:{i:04x}:{rep}",
            "entity": "case",
            "key": key,
            "kind": "put",
            "field": f,
            "value": v,
        }
        for i, (f, v) in enumerate(fields.items(), 1)
    ]
    r = httpx.post(f"{base}/api/v1/sync", json={"v": 1, "replica": rep, "since": 0, "ops": ops},
                   headers=headers, timeout=120)  # fmt: skip
    r.raise_for_status()
    body = r.json()
    if body["rejected"]:
        raise RuntimeError(f"filing rejected: {body['rejected']}")
    return key


class _Reply(msgspec.Struct):
    cursor: int
    more: bool
    changes: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []


_DECODE = msgspec.json.Decoder(_Reply)


def fresh_pull(
    client: httpx.Client,
    base: str,
    headers: dict[str, str],
    keep: list[dict[str, Any]] | None = None,
    v: int = 1,
) -> dict[str, Any]:
    """A fresh install: a new replica pulls from cursor 0 with protocol ``v`` until ``more`` is false.

    Returns seconds, requests, changes (v1) or record entries (v2), distinct case keys, and the
    bytes of the response bodies on the wire (gzip, ``Accept-Encoding: gzip``) and decoded. The v1
    changes go into ``keep``."""
    rep, since = replica(), 0
    out = {"requests": 0, "changes": 0, "records": 0, "wire_bytes": 0, "raw_bytes": 0}
    cases: set[str] = set()
    t0 = time.perf_counter()
    while True:
        r = client.post(f"{base}/api/v1/sync", json={"v": v, "replica": rep, "since": since, "ops": []},
                        headers={**headers, "Accept-Encoding": "gzip"})  # fmt: skip
        r.raise_for_status()
        out["requests"] += 1
        out["wire_bytes"] += r.num_bytes_downloaded
        out["raw_bytes"] += len(r.content)
        body = _DECODE.decode(r.content)
        out["changes"] += len(body.changes)
        out["records"] += len(body.records)
        if keep is not None:
            keep.extend(body.changes)
        cases.update(c["key"] for c in [*body.changes, *body.records] if c["entity"] == "case")
        since = body.cursor
        if not body.more:
            break
    out["seconds"] = time.perf_counter() - t0
    out["cases"] = len(cases)
    return out


def median_of(runs: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(r[key] for r in runs))


def ping_ms(client: httpx.Client, base: str, n: int = 50) -> float:
    """Median milliseconds of ``GET /api/v1/ping`` (the same server's trivial endpoint)."""
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        client.get(f"{base}/api/v1/ping").raise_for_status()
        times.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(times), 2)


def header(
    benchmark: str, module: str, argv: list[str] | None, started: datetime, load: tuple[float, ...]
) -> dict[str, Any]:
    """The fields every bench/province result starts with: what ran, the command that ran it, when it
    started (UTC) and the 1/5/15-minute load averages before (``load``) and now. The machine is
    shared: read every figure against its load."""
    return {
        "benchmark": benchmark,
        "command": f"python -m {module} " + " ".join(sys.argv[1:] if argv is None else argv),
        "started": started.isoformat(timespec="seconds"),
        "loadavg_before": [round(x, 2) for x in load],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
    }
