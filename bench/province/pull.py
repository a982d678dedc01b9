"""A county mediator's fresh install pulling its organisation's cases: time and gzip bytes per case.

    .venv/bin/python -m bench.province.pull --url postgresql://…/jf_province_…   # a loaded database

The organisation is the one holding the most cases in the loaded province. A mediator account of it
is made, one real ``jiefen serve`` answers, and ``--runs`` fresh installs (a new replica each, the
same token) pull ``POST /api/v1/sync`` from cursor 0 until ``more`` is false, over HTTP on loopback
with ``Accept-Encoding: gzip`` as a phone sends it, alternately with protocol v2 (what the PWA
speaks: one entry per record, server/sync/wire.py) and v1 (one op per change: the baseline). Bytes
are the response bodies as received (gzip, level 6 as the server is configured) and decoded; the
figures are medians of the runs.

Baselines of the same run, for the same cases:
- ``views``: gzip (level 6) of the JSON of every record the mediator ends up holding, as its final
  materialized view (``records.view``: what the client knows, no clocks) — what no sync encoding
  that sends current state can go far below;
- ``states``: gzip of the same records' merge states (``records.state``: the view plus each field's
  winning timestamp and op id, which a client needs to merge later edits) — what a fresh pull that
  sent each record's merged state once, instead of its history, would carry;
- ``ping``: the same server's ``GET /api/v1/ping`` round trip.
Writes bench/results/province_pull.json.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from bench.province import live
from server.db import Database

RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results"


def busiest_org(db: Database) -> tuple[str, int]:
    with db.read_session() as s:
        row = s.execute(
            text(
                "SELECT org_id, count(*) FROM cases WHERE org_id IS NOT NULL"
                " GROUP BY 1 ORDER BY 2 DESC LIMIT 1"
            )
        ).one()
    return str(row[0]), int(row[1])


def baselines(db: Database, org: str) -> dict[str, int]:
    """gzip bytes of the org's records as final views and as merge states (module doc)."""
    with db.read_session() as s:
        rows = s.execute(
            text(
                "SELECT r.entity, r.key, r.view::text, r.state::text FROM records r JOIN scope_members m"
                " ON m.root = r.root WHERE m.tag = :tag ORDER BY r.root, r.entity, r.key"
            ),
            {"tag": f"org:{org}"},
        ).all()
    views = "[" + ",".join(f'{{"entity":"{e}","key":"{k}","view":{v}}}' for e, k, v, _ in rows) + "]"
    states = "[" + ",".join(f'{{"entity":"{e}","key":"{k}","state":{st}}}' for e, k, _, st in rows) + "]"
    compact = [json.dumps(json.loads(x), ensure_ascii=False, separators=(",", ":")) for x in (views, states)]
    return {
        "records": len(rows),
        "views_gzip": len(gzip.compress(compact[0].encode(), 6)),
        "states_gzip": len(gzip.compress(compact[1].encode(), 6)),
    }


def _gz(obj: Any) -> int:
    return len(gzip.compress(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode(), 6))


def encodings(changes: list[dict[str, Any]]) -> dict[str, int]:
    """gzip bytes (one stream) of what the pull sent, re-encoded three ways (estimates only):

    - ``as_sent``: the changes as received (the wire splits them over pages);
    - ``winners_only``: without the puts another received put of the same field beats (same
      state on the client: last-writer-wins keeps only the winner);
    - ``lean_ops``: the same ops without ``seq``, null ``seen``/``field``, and the ``ts`` without
      its replica suffix (it must equal the op id's);
    - ``per_record``: winners grouped per record, field → [value, ts, op id], the ``ts`` without
      its replica suffix, no ``seq``/``kind``/``seen`` — a v2 shape."""
    best: dict[tuple[str, str, str], tuple[str, str]] = {}
    for c in changes:
        if c["kind"] == "put":
            k = (c["entity"], c["key"], c["field"])
            best[k] = max(best.get(k, ("", "")), (c["ts"], c["id"]))
    winners = [
        c for c in changes
        if c["kind"] != "put" or best[(c["entity"], c["key"], c["field"])] == (c["ts"], c["id"])
    ]  # fmt: skip
    records: dict[tuple[str, str], dict[str, Any]] = {}
    for c in winners:
        rec = records.setdefault((c["entity"], c["key"]), {"e": c["entity"], "k": c["key"]})
        ts = c["ts"].rsplit(":", 1)[0]
        if c["kind"] == "put":
            rec.setdefault("p", {})[c["field"]] = [c["value"], ts, c["id"]]
        elif c["kind"] == "create":
            rec["c"] = [c["value"], ts, c["id"]]
        else:
            rec.setdefault("o", []).append(c)
    lean = [
        {k: (v.rsplit(":", 1)[0] if k == "ts" else v) for k, v in c.items() if k != "seq" and v is not None}
        for c in changes
    ]
    return {"as_sent": _gz(changes), "winners_only": _gz(winners), "lean_ops": _gz(lean),
            "per_record": _gz(list(records.values()))}  # fmt: skip


def protocol_summary(runs: list[dict[str, Any]], cases: int) -> dict[str, Any]:
    """Medians of one protocol's fresh installs (``live.fresh_pull`` results), whole and per case."""
    seconds = live.median_of(runs, "seconds")
    wire, raw = live.median_of(runs, "wire_bytes"), live.median_of(runs, "raw_bytes")
    return {
        "requests": runs[0]["requests"],
        "median_seconds": round(seconds, 3),
        "median_wire_bytes": wire,
        "median_raw_bytes": raw,
        "gzip_bytes_per_case": round(wire / cases, 1),
        "raw_bytes_per_case": round(raw / cases, 1),
        "ms_per_case": round(seconds * 1000 / cases, 3),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", required=True, help="a database loaded by bench.province.generate")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)
    started, load = datetime.now(UTC), os.getloadavg()
    db = Database(args.url)
    try:
        org, n_cases = busiest_org(db)
        base = baselines(db, org)
    finally:
        db.dispose()
    username = f"bench_med_{os.getpid()}"
    live.make_staff(args.url, username, "mediator", org)
    with live.servers(args.url, 1) as (server,), httpx.Client(timeout=300) as client:
        headers = live.login(server.base_url, username)
        received: list[dict[str, Any]] = []
        live.fresh_pull(client, server.base_url, headers, received)  # warm-up: caches, plans
        live.fresh_pull(client, server.base_url, headers, v=2)
        v1, v2 = [], []
        for _ in range(args.runs):  # interleaved, so load changes hit both alike
            v2.append(live.fresh_pull(client, server.base_url, headers, v=2))
            v1.append(live.fresh_pull(client, server.base_url, headers, v=1))
        ping = live.ping_ms(client, server.base_url)
    cases = v2[0]["cases"]
    if v1[0]["cases"] != cases:
        raise RuntimeError(f"v1 pulled {v1[0]['cases']} cases, v2 {cases}")
    new, old = protocol_summary(v2, cases), protocol_summary(v1, cases)
    wire = new["median_wire_bytes"]
    out = {
        **live.header(
            "county mediator's fresh install: pull of its organisation's cases",
            "bench.province.pull",
            argv,
            started,
            load,
        ),
        "org": org,
        "org_cases": n_cases,
        "cases_pulled": cases,
        "v2": {"record_entries": v2[0]["records"], **new},
        "v1_baseline": {"changes": v1[0]["changes"], **old},
        "v2_over_v1_wire": round(wire / old["median_wire_bytes"], 3),
        "v2_over_v1_seconds": round(new["median_seconds"] / old["median_seconds"], 3),
        "target_gzip_bytes_per_case": 200,
        "baseline": {
            **base,
            "views_gzip_per_case": round(base["views_gzip"] / cases, 1),
            "states_gzip_per_case": round(base["states_gzip"] / cases, 1),
            "ping_ms": ping,
        },
        "v2_wire_x_views": round(wire / base["views_gzip"], 2),
        "encodings_gzip_per_case": {k: round(v / cases, 1) for k, v in encodings(received).items()},
        "runs": {"v2": v2, "v1": v1},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "province_pull.json").write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", "utf-8")
    print(json.dumps({k: v for k, v in out.items() if k != "runs"}, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
