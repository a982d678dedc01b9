"""Fair writes: latency of a one-case push under N concurrent writers, FIFO write queue off and on.

Each phase starts a fresh ``jiefen serve`` (demo county seeded, no demo cases, background workers
off) on SQLite or PostgreSQL with ``JIEFEN_SQLITE_FAIR_WRITES`` 0 or 1, registers N devices, and
lets N threads push one new case each (5 ops, routed on arrival) in a loop for ``--seconds``,
after a warm-up. Latency is the wall time of each ``POST /api/v1/sync``.

    .venv/bin/python -m bench.fair_writes                    # → bench/results/fair_writes.{json,md}
    .venv/bin/python -m bench.fair_writes --writers 16 --seconds 20

The flag only changes SQLite (PostgreSQL has its own lock queue); its PostgreSQL rows are the
same-run reference.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import msgspec

from bench.sync.servers import ROOT, JiefenServer, _pg_admin, wait_quiet
from bench.sync.workload import Device

RESULTS = ROOT / "bench" / "results"


class Server(JiefenServer):
    """``jiefen serve`` without demo cases (only regions, organisations, mediators), flag set."""

    def __init__(self, backend: str, fair: bool) -> None:
        super().__init__(backend)
        self.fair = fair

    def start(self) -> None:
        import secrets

        if self.backend == "sqlite":
            url = f"sqlite:///{self.tmp / 'jiefen.sqlite3'}"
        else:
            self.pg_db = f"jf_bench_{secrets.token_hex(4)}"
            _pg_admin(f'CREATE DATABASE "{self.pg_db}"')
            url = f"postgresql://postgres@127.0.0.1:5432/{self.pg_db}"
        env = dict(os.environ)
        env.update(
            JIEFEN_DATABASE_URL=url,
            JIEFEN_VAR_DIR=str(self.tmp / "var"),
            JIEFEN_DEVICE_BURST="100000",
            JIEFEN_SCHEDULER_INTERVAL_S="0",
            JIEFEN_SQLITE_FAIR_WRITES="1" if self.fair else "0",
        )
        subprocess.run(
            [sys.executable, "-m", "server.cli", "seed-demo", "--cases", "0"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        argv = [sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        self._spawn(argv, env, ROOT)
        self.wait_ready("/api/v1/health")


def phase(backend: str, fair: bool, writers: int, seconds: float, warmup: float) -> dict[str, Any]:
    server = Server(backend, fair)
    server.start()
    try:
        with httpx.Client(base_url=server.base_url, timeout=120) as c:
            devices = [Device(c.post("/api/v1/devices").json()["token"]) for _ in range(writers)]
        latencies: list[float] = []
        errors: list[int] = []
        lock = threading.Lock()
        t0 = time.monotonic()
        stop_at = t0 + warmup + seconds

        def loop(d: Device) -> None:
            with httpx.Client(base_url=server.base_url, timeout=120) as c:
                while time.monotonic() < stop_at:
                    body = d.body(msgspec.json.encode(d.case_ops(1)))
                    start = time.monotonic()
                    r = c.post("/api/v1/sync", content=body, headers=d.headers)
                    took = time.monotonic() - start
                    if r.status_code == 200:
                        d.cursor = r.json()["cursor"]
                    with lock:
                        if start >= t0 + warmup:
                            (latencies if r.status_code == 200 else errors).append(
                                took if r.status_code == 200 else r.status_code
                            )

        threads = [threading.Thread(target=loop, args=(d,)) for d in devices]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        server.stop()
    latencies.sort()

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000

    p50, p99 = pct(0.50), pct(0.99)
    return {
        "backend": backend,
        "fair_writes": fair,
        "writers": writers,
        "pushes": len(latencies),
        "errors": len(errors),
        "pushes_per_s": round(len(latencies) / seconds, 1),
        "p50_ms": round(p50, 1),
        "p90_ms": round(pct(0.90), 1),
        "p99_ms": round(p99, 1),
        "max_ms": round(latencies[-1] * 1000, 1),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1),
        "p99_over_p50": round(p99 / p50, 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--writers", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--warmup", type=float, default=3.0)
    ap.add_argument("--backends", default="sqlite,postgresql")
    args = ap.parse_args()
    quiet, busy = wait_quiet(10)
    rows = []
    for backend in args.backends.split(","):
        for fair in (False, True):
            row = phase(backend, fair, args.writers, args.seconds, args.warmup)
            print(json.dumps(row, ensure_ascii=False), flush=True)
            rows.append(row)
    RESULTS.mkdir(parents=True, exist_ok=True)
    meta = {"machine_quiet_at_start": quiet, "cores_busy_at_start": round(busy, 2), "args": vars(args)}
    (RESULTS / "fair_writes.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n")
    lines = [
        "| backend | FIFO write queue | pushes | p50 ms | p90 ms | p99 ms | max ms | p99/p50 | errors |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['backend']} | {'on' if r['fair_writes'] else 'off'} | {r['pushes']} | {r['p50_ms']} | "
            f"{r['p90_ms']} | {r['p99_ms']} | {r['max_ms']} | {r['p99_over_p50']} | {r['errors']} |"
        )
    Path(RESULTS / "fair_writes.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
