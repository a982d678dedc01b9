"""A fresh citizen install with one case, at two sizes of the op log: the cost must not grow.

    .venv/bin/python -m bench.province.install --url URL_SMALL --url URL_LARGE

For each database (loaded by ``bench.province.generate`` with different ``--cases``): one real
``jiefen serve`` answers; a new citizen device (``POST /api/v1/devices``) files one case (5 puts;
the server classifies and routes it, about 20 changes in all); then ``--runs`` fresh installs with
that token (a new replica each) pull from cursor 0 until ``more`` is false, with sync protocol v2
as the PWA does (one entry per record). Medians of wall time,
requests and bytes (gzip on the wire and decoded). Baseline in the same run: the same server's
``GET /api/v1/ping``.

**Rows read**: the pull's own statements (``SyncService.pull`` on a ``SqlStore``, as the server runs
it, for the same principal) are captured in-process and each is run again under ``EXPLAIN
(ANALYZE, BUFFERS)``; the sums of rows and buffers of their top plan nodes are reported, with the
plans. Writes bench/results/province_install.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event, text

from bench.province import live
from server.accounts.service import resolve
from server.db import Database
from server.settings import Settings
from server.sync.service import ServerReplica, SyncService
from server.sync.store import SqlStore

RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results"
REGION = "330522001008"  # a village of 长兴县


def explain_pull(url: str, token: str) -> dict[str, Any]:
    """Run ``SyncService.pull`` from 0 for the token's principal; EXPLAIN each statement it ran."""
    db = Database(url)
    statements: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, stmt: str, params: Any, context: Any, many: bool) -> None:
        if stmt.lstrip().upper().startswith("SELECT"):
            statements.append((stmt, params))

    try:
        with db.read_session() as s:
            p = resolve(s, token, datetime.now(UTC), Settings(database_url=url))
            assert p is not None
            event.listen(db.engine, "before_cursor_execute", capture)
            try:
                _, changes, _, more = SyncService(ServerReplica()).pull(SqlStore(s), p, 0)
            finally:
                event.remove(db.engine, "before_cursor_execute", capture)
            plans = []
            rows = buffers = 0
            for stmt, params in statements:
                raw = s.connection().exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + stmt, params)
                plan = [r[0] for r in raw]
                top = next((ln for ln in plan if "actual time" in ln), "")
                m = re.search(r"rows=(\d+) loops=(\d+)", top.split("actual")[-1])
                rows += int(m.group(1)) * int(m.group(2)) if m else 0
                buf = next((ln for ln in plan if ln.strip().startswith("Buffers:")), "")
                buffers += sum(int(x) for x in re.findall(r"(?:hit|read)=(\d+)", buf))
                plans.append(plan)
        return {"statements": len(statements), "rows_returned": rows, "buffers": buffers,
                "changes": len(changes), "more": more, "plans": plans}  # fmt: skip
    finally:
        db.dispose()


def measure(url: str, runs: int) -> dict[str, Any]:
    db = Database(url)
    try:
        with db.read_session() as s:
            ops = int(s.scalar(text("SELECT count(*) FROM ops")) or 0)
            cases = int(s.scalar(text("SELECT count(*) FROM cases")) or 0)
    finally:
        db.dispose()
    with live.servers(url, 1) as (server,), httpx.Client(timeout=300) as client:
        headers = live.new_device(server.base_url)
        live.file_case(server.base_url, headers, REGION)
        live.fresh_pull(client, server.base_url, headers, v=2)  # warm-up
        pulls = [live.fresh_pull(client, server.base_url, headers, v=2) for _ in range(runs)]
        ping = live.ping_ms(client, server.base_url)
        token = headers["Authorization"].removeprefix("Bearer ")
    explained = explain_pull(url, token)
    seconds = live.median_of(pulls, "seconds")
    return {
        "log_ops": ops,
        "log_cases": cases,
        "median_ms": round(seconds * 1000, 2),
        "ping_ms": ping,
        "ms_x_ping": round(seconds * 1000 / ping, 2),
        "requests": pulls[0]["requests"],
        "record_entries": pulls[0]["records"],
        "median_wire_bytes": live.median_of(pulls, "wire_bytes"),
        "median_raw_bytes": live.median_of(pulls, "raw_bytes"),
        "explain": explained,
        "runs": pulls,
    }


def _ratio(a: float, b: float) -> float:
    return round(a / max(1, b), 2)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", action="append", required=True, help="loaded databases (give two)")
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args(argv)
    started, load = datetime.now(UTC), os.getloadavg()
    sizes = [measure(u, args.runs) for u in args.url]
    sizes.sort(key=lambda r: r["log_ops"])
    small, large = sizes[0], sizes[-1]
    out = {
        **live.header(
            "fresh citizen install with one case, at several op-log sizes",
            "bench.province.install",
            argv,
            started,
            load,
        ),
        "sizes": sizes,
        "large_over_small": {
            "log_ops": round(large["log_ops"] / small["log_ops"], 1),
            "ms": round(large["median_ms"] / small["median_ms"], 2),
            "wire_bytes": round(large["median_wire_bytes"] / small["median_wire_bytes"], 2),
            "rows_returned": round(
                large["explain"]["rows_returned"] / max(1, small["explain"]["rows_returned"]), 2
            ),
            "buffers": round(large["explain"]["buffers"] / max(1, small["explain"]["buffers"]), 2),
        },
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "province_install.json").write_text(
        json.dumps(out, ensure_ascii=False, indent=1) + "\n", "utf-8"
    )
    brief = {k: v for k, v in out.items() if k != "sizes"}
    brief["sizes"] = [{k: v for k, v in sz.items() if k not in ("runs", "explain")} | {
        "rows": sz["explain"]["rows_returned"], "buffers": sz["explain"]["buffers"],
        "statements": sz["explain"]["statements"]} for sz in sizes]  # fmt: skip
    print(json.dumps(brief, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
