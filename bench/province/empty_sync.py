"""Empty sync round trips per second with two server processes on one PostgreSQL, against the same
servers' trivial endpoint.

    .venv/bin/python -m bench.province.empty_sync --url postgresql://…/jf_province_…

Two real ``jiefen serve`` processes (one worker each, their own LISTEN connection) on the loaded
province database. A pool of ``--clients`` simulated phones (one keep-alive HTTP/1.1 connection
each; phone i talks to process i mod 2, as a load balancer pins a connection) are registered as
citizen devices and pulled to the head. Then, for ``--seconds`` each, every phone loops:

- ``ping`` (baseline): ``GET /api/v1/ping``;
- ``empty sync``: ``POST /api/v1/sync`` with its cursor at the head and no ops — nothing to push
  or pull (a response with changes would be counted and reported).

``--runs`` alternations of the two phases; the figures are the medians of round trips per second,
with p50/p99 latency in the client. Writes bench/results/province_empty_sync.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import msgspec

from bench.province import live

RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results"


class _Reply(msgspec.Struct):
    cursor: int
    changes: list[Any]
    more: bool


_DECODE = msgspec.json.Decoder(_Reply)


class Phone:
    def __init__(self, base: str, headers: dict[str, str]) -> None:
        self.client = httpx.AsyncClient(base_url=base, timeout=60, limits=httpx.Limits(max_connections=1))
        self.headers = {**headers, "Content-Type": "application/json", "Accept-Encoding": "gzip"}
        self.replica = live.replica()
        self.cursor = 0

    def body(self) -> bytes:
        return msgspec.json.encode({"v": 1, "replica": self.replica, "since": self.cursor, "ops": []})

    async def sync(self) -> int:
        r = await self.client.post("/api/v1/sync", content=self.body(), headers=self.headers)
        r.raise_for_status()
        rep = _DECODE.decode(r.content)
        self.cursor = rep.cursor
        return len(rep.changes) + int(rep.more)


async def _phase(phones: list[Phone], seconds: float, what: str) -> dict[str, Any]:
    lat: list[float] = []
    not_empty = errors = 0
    end = time.perf_counter() + seconds

    async def loop(p: Phone) -> None:
        nonlocal not_empty, errors
        while time.perf_counter() < end:
            t0 = time.perf_counter()
            try:
                if what == "ping":
                    (await p.client.get("/api/v1/ping")).raise_for_status()
                else:
                    not_empty += bool(await p.sync())
            except httpx.TransportError:  # a keep-alive connection the server closed: counted, not timed
                errors += 1
                continue
            lat.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    await asyncio.gather(*(loop(p) for p in phones))
    elapsed = time.perf_counter() - t0
    q = statistics.quantiles(lat, n=100)
    return {"round_trips_per_s": round(len(lat) / elapsed, 1), "requests": len(lat),
            "p50_ms": round(q[49] * 1000, 1), "p99_ms": round(q[98] * 1000, 1),
            "not_empty": not_empty, "errors": errors}  # fmt: skip


async def _run(bases: list[str], clients: int, seconds: float, runs: int) -> dict[str, Any]:
    phones = []
    for i in range(clients):
        base = bases[i % len(bases)]
        phones.append(Phone(base, live.new_device(base)))
    try:
        for p in phones:  # to the head: from now on there is nothing to pull
            while await p.sync():
                pass
        await _phase(phones, 2.0, "ping")  # warm-up: connections, caches
        await _phase(phones, 2.0, "sync")
        out: dict[str, list[dict[str, Any]]] = {"ping": [], "empty_sync": []}
        for _ in range(runs):
            out["ping"].append(await _phase(phones, seconds, "ping"))
            out["empty_sync"].append(await _phase(phones, seconds, "sync"))
        return out
    finally:
        for p in phones:
            await p.client.aclose()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", required=True, help="a database loaded by bench.province.generate")
    ap.add_argument("--clients", type=int, default=64)
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    started, load = datetime.now(UTC), os.getloadavg()
    with live.servers(args.url, 2) as procs:
        cpu0 = [p.cpu() for p in procs]
        phases = asyncio.run(_run([p.base_url for p in procs], args.clients, args.seconds, args.runs))
        cpu = [round(p.cpu() - c, 1) for p, c in zip(procs, cpu0, strict=True)]

    def med(name: str, key: str) -> float:
        return float(statistics.median(r[key] for r in phases[name]))

    out = {
        **live.header(
            "empty sync round trips/s, 2 server processes on one PostgreSQL",
            "bench.province.empty_sync",
            argv,
            started,
            load,
        ),
        "processes": 2,
        "clients": args.clients,
        "ping_round_trips_per_s": med("ping", "round_trips_per_s"),
        "empty_sync_round_trips_per_s": med("empty_sync", "round_trips_per_s"),
        "ratio_empty_sync_to_ping": round(
            med("empty_sync", "round_trips_per_s") / med("ping", "round_trips_per_s"), 2
        ),
        "ping_p50_ms": med("ping", "p50_ms"),
        "ping_p99_ms": med("ping", "p99_ms"),
        "empty_sync_p50_ms": med("empty_sync", "p50_ms"),
        "empty_sync_p99_ms": med("empty_sync", "p99_ms"),
        "server_cpu_s_per_process": cpu,
        "phases": phases,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    doc = json.dumps(out, ensure_ascii=False, indent=1) + "\n"
    (RESULTS / "province_empty_sync.json").write_text(doc, "utf-8")
    print(json.dumps({k: v for k, v in out.items() if k != "phases"}, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
