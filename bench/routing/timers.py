"""SLA timer scan on PostgreSQL with 1,000,000 open cases, reported as time per due case.

    .venv/bin/python -m bench.routing.timers [--cases 1000000] [--small 10000] [--reps 5]

On a fresh database ``jf_bench_…`` (migrated with ``server.migrate.upgrade``, the demo county
seeded, dropped at the end even on failure):

1. ``--small`` synthetic open cases get their pending timers by COPY (``--per-case`` rows each, the
   respond warning and breach an assigned case has), due uniformly over the 30 days after T0
   (T0 = now + 40 days, so they never mix with the real cases below).
2. Scan: for K ∈ {0, 10, 100, 1000}, the clock is set to the due time of the K-th pending timer and
   the scan of ``timers.fire_due`` runs (writer lock, ``SELECT … WHERE fired_at IS NULL AND due_at <=
   now ORDER BY due_at LIMIT 200 FOR UPDATE SKIP LOCKED``, mark fired, commit; repeated until a
   pass finds nothing, as the scheduler does) without the effects; ``--reps`` times each.
3. The pending set grows to ``--cases`` cases; VACUUM ANALYZE; the same scans again.
4. ``EXPLAIN (ANALYZE, BUFFERS)`` of the scan query with K = 100 due among all pending rows.
5. Full cost: ``--real`` cases filed through ``SyncService`` + ``RoutingService`` (classified,
   routed, timed), then the real ``fire_due`` (effects included: ops, records, timeline,
   escalation) fires their warnings, then their breaches (each breach escalates village → town).
   The notifier is ``NullNotifier``: push delivery is not part of this figure.

The scan reads only ``timers`` (the effects read the case's record by primary key), so no ``cases``
or ``records`` rows are loaded for the synthetic cases.  Writes bench/results/routing_timers.json
and routing_timers.md (``--order due``: routing_timers_due_ordered.*).  Every statement runs under
``statement_timeout``; ``--budget`` bounds the run.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import random
import secrets
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import make_url

from bench.routing import world as W
from server import casecode, migrate
from server.accounts.principal import Principal
from server.db import Database
from server.registry import demo_data as demo
from server.registry.seed import seed_demo
from server.routing.models import Timer
from server.routing.scheduler import fire_due
from server.routing.service import RoutingService
from server.sync.hlc import Clock
from server.sync.ops import Op, SyncRequest
from server.sync.service import ServerReplica, SyncService
from server.sync.store import SqlStore

RESULTS = W.ROOT / "bench" / "results"
PG_ADMIN_URL = os.environ.get("JIEFEN_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
STATEMENT_TIMEOUT_MS = 300_000
KS = (0, 10, 100, 1000)
SPREAD = timedelta(days=30)
SCAN_LIMIT = 200  # fire_due's default batch
console = Console()


class OutOfTime(RuntimeError):
    pass


class Budget:
    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def check(self, what: str) -> None:
        if time.monotonic() > self.deadline:
            raise OutOfTime(f"time budget spent before: {what}")


def _dsn(url: str) -> str:
    u = make_url(url)
    return f"host={u.host} port={u.port or 5432} user={u.username or 'postgres'} dbname={u.database}"


@contextmanager
def bench_database() -> Iterator[str]:
    """A fresh ``jf_bench_…`` database with a statement timeout; dropped afterwards, whatever happens."""
    name = f"jf_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_dsn(PG_ADMIN_URL), autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        console.print(f"database {name}")
        try:
            url = make_url(PG_ADMIN_URL).set(
                database=name, query={"options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS}"}
            )
            yield url.render_as_string(hide_password=False)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            console.print(f"dropped {name}")


def _naive(dt: datetime) -> datetime:
    return dt.astimezone(UTC).replace(tzinfo=None)


def bulk_load(
    url: str, first: int, last: int, per_case: int, t0: datetime, seed: int, due_ordered: bool
) -> float:
    """COPY the pending timers of synthetic cases ``first``…``last - 1``; returns seconds.

    Due times are uniform over ``SPREAD`` after ``t0``.  By default rows go in in random due order,
    so the rows due together are scattered over the whole heap (the worst case for the scan's heap
    visits); ``due_ordered`` writes them in due order, as a live system roughly does (a timer is
    inserted when its case is assigned, a few days before it is due)."""
    rng = random.Random(seed)
    base = _naive(t0)
    spread_s = SPREAD.total_seconds()
    offsets = [rng.random() * spread_s for _ in range((last - first) * per_case)]
    if due_ordered:
        offsets.sort()
    offset = iter(offsets)
    kinds = ("respond_warn", "respond_breach")[:per_case] if per_case <= 2 else None
    chunk = 20_000
    started = time.perf_counter()
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with (
        psycopg.connect(_dsn(url), options=f"-c statement_timeout={STATEMENT_TIMEOUT_MS}") as conn,
        conn.cursor() as cur,
        Progress(*columns, console=console) as bar,
    ):
        task = bar.add_task(f"COPY timers (cases {first:,}–{last - 1:,})", total=(last - first) * per_case)
        with cur.copy("COPY timers (case_key, kind, due_at) FROM STDIN") as copy:
            for lo in range(first, last, chunk):
                lines = []
                for i in range(lo, min(lo + chunk, last)):
                    for j in range(per_case):
                        kind = kinds[j] if kinds else f"k{j}"
                        due = base + timedelta(seconds=next(offset))
                        lines.append(f"bench-{i:07d}\t{kind}\t{due.isoformat(sep=' ')}\n")
                copy.write("".join(lines))
                bar.advance(task, len(lines))
        conn.commit()
    return time.perf_counter() - started


def vacuum_analyze(url: str) -> None:
    with psycopg.connect(_dsn(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE timers")


def pending_count(db: Database) -> int:
    with db.read_session() as s:
        return int(s.scalar(select(func.count()).select_from(Timer).where(Timer.fired_at.is_(None))) or 0)


def scan_query(now: datetime, limit: int) -> Any:
    """The statement of ``server.routing.timers.take_due`` (run by ``scheduler.fire_due``) on PostgreSQL."""
    return (
        select(Timer)
        .where(Timer.fired_at.is_(None), Timer.due_at <= now)
        .order_by(Timer.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


def scan_once(db: Database, now: datetime, limit: int = SCAN_LIMIT) -> tuple[int, int, int]:
    """fire_due without the effects: (rows, select ns, whole transaction ns incl. commit)."""
    t0 = time.perf_counter_ns()
    with db.session() as s:
        SqlStore(s).lock_for_write()
        t1 = time.perf_counter_ns()
        due = list(s.scalars(scan_query(now, limit)))
        t2 = time.perf_counter_ns()
        for t in due:
            t.fired_at = now
    t3 = time.perf_counter_ns()
    return len(due), t2 - t1, t3 - t0


def clock_for(db: Database, k: int, t0: datetime) -> datetime:
    """A time at which exactly ``k`` timers are due (the k-th pending due time; before T0 for 0)."""
    if k == 0:
        with db.read_session() as s:
            first = s.scalar(select(func.min(Timer.due_at)).where(Timer.fired_at.is_(None)))
        return (first or t0) - timedelta(microseconds=1)
    with db.read_session() as s:
        due = s.scalar(
            select(Timer.due_at).where(Timer.fired_at.is_(None)).order_by(Timer.due_at).offset(k - 1).limit(1)
        )
    assert due is not None, f"fewer than {k} pending timers"
    return due


def measure_scans(db: Database, t0: datetime, reps: int, budget: Budget, label: str) -> dict[str, Any]:
    out: dict[str, Any] = {"pending_before": pending_count(db), "by_k": {}}
    scan_once(db, clock_for(db, 0, t0))  # warm the connection pool and the plan
    for k in KS:
        runs = []
        for _ in range(reps):
            budget.check(f"{label} scan K={k}")
            now = clock_for(db, k, t0)
            fired, passes, select_ns, total_ns = 0, 0, 0, 0
            while True:  # as the scheduler: until a pass finds nothing
                n, sel, tot = scan_once(db, now)
                fired, passes, select_ns, total_ns = fired + n, passes + 1, select_ns + sel, total_ns + tot
                if n == 0:
                    break
            runs.append(
                {"fired": fired, "passes": passes, "select_ms": select_ns / 1e6, "total_ms": total_ns / 1e6}
            )
        total = statistics.median(r["total_ms"] for r in runs)
        fired = runs[0]["fired"]
        out["by_k"][str(k)] = {
            "due": fired,
            "passes": runs[0]["passes"],
            "median_ms": round(total, 3),
            "min_ms": round(min(r["total_ms"] for r in runs), 3),
            "max_ms": round(max(r["total_ms"] for r in runs), 3),
            "median_select_ms": round(statistics.median(r["select_ms"] for r in runs), 3),
            "per_due_case_us": round(total * 1000 / fired, 1) if fired else None,
            "all_fired": [r["fired"] for r in runs],
        }
        console.print(
            f"  {label}: K={k:>4} due → {total:8.2f} ms median "
            f"({out['by_k'][str(k)]['per_due_case_us']} µs per due case)"
        )
    return out


def explain(db: Database, now: datetime, limit: int) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the scan statement, in a transaction rolled back afterwards."""
    with db.sessions() as s:
        conn = s.connection()
        compiled = scan_query(now, limit).compile(dialect=conn.dialect)
        params = {k: _naive(v) if isinstance(v, datetime) else v for k, v in compiled.params.items()}
        rows = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}", params).all()
        s.rollback()
    return "\n".join(r[0] for r in rows)


def sizes(db: Database) -> dict[str, str]:
    with db.read_session() as s:
        row = s.execute(
            text(
                "SELECT pg_size_pretty(pg_relation_size('timers')), "
                "pg_size_pretty(pg_relation_size('ix_timers_pending_due')), "
                "pg_size_pretty(pg_total_relation_size('timers'))"
            )
        ).one()
    return {"timers_heap": row[0], "ix_timers_pending_due": row[1], "timers_total": row[2]}


# -- real cases -----------------------------------------------------------------------------------


def file_real_cases(db: Database, sync: SyncService, n: int, now: datetime) -> float:
    """File ``n`` cases as the demo grid worker would (one push each); returns seconds."""
    p = Principal(user_id="user-grid", role="grid_worker", name="网格员", region=demo.DEMO_VILLAGE)
    replica = f"dev_{secrets.token_hex(6)}"
    now_ms = int(now.timestamp() * 1000)
    clock = Clock(replica, lambda: now_ms)
    ids = itertools.count(1)
    rng = random.Random(7)
    texts = W.eval_texts()
    villages = [r.code for r in demo.load_regions() if r.level == "village"]
    started = time.perf_counter()
    for i in range(n):
        key = f"real-{i:05d}"

        def put(field: str, value: Any, key: str = key) -> Op:
            return Op(f"{replica}:{next(ids)}", clock.tick(), "case", key, "put", field, value)

        ops = [
            put("code", casecode.make_code(demo.COUNTY_CODE, now.year)),
            put("summary", rng.choice(texts)),
            put("region", rng.choice(villages)),
            put("channel", "online"),
            put("trace_hash", casecode.trace_hash(casecode.new_trace_token())),
        ]
        with db.session() as s:
            _, rejected = sync.push(SqlStore(s), p, SyncRequest(replica=replica, ops=ops), now_ms)
        assert not rejected, rejected
    return time.perf_counter() - started


def fire_real(
    db: Database, routing: RoutingService, server: ServerReplica, kind: str, label: str
) -> dict[str, Any]:
    """Fire every pending ``kind`` timer of the real cases with the real ``fire_due``."""
    with db.read_session() as s:
        real = (Timer.fired_at.is_(None), Timer.case_key.like("real-%"))
        latest = s.scalar(select(func.max(Timer.due_at)).where(*real, Timer.kind == kind))
        others = s.scalar(select(func.min(Timer.due_at)).where(*real, Timer.kind != kind))
    assert latest is not None
    assert others is None or others > latest, "warnings and breaches interleave: fire times overlap"
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(db.engine, "before_cursor_execute", count)
    fired, calls, longest = 0, 0, 0
    started = time.perf_counter_ns()
    try:
        while True:
            t = time.perf_counter_ns()
            n = fire_due(db, routing, server, latest)
            longest = max(longest, time.perf_counter_ns() - t)
            calls += 1
            if n == 0:
                break
            fired += n
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    elapsed = time.perf_counter_ns() - started
    out = {
        "fired": fired,
        "calls": calls,
        "total_ms": round(elapsed / 1e6, 1),
        "per_timer_ms": round(elapsed / 1e6 / fired, 3) if fired else None,
        "statements_per_timer": round(statements / fired, 1) if fired else None,
        "longest_call_ms": round(longest / 1e6, 1),
    }
    console.print(f"  real fire_due {label}: {out}")
    return out


def markdown(r: dict[str, Any]) -> str:
    lines = [
        "# SLA timer scan on PostgreSQL",
        "",
        f"{r['date']}, {r['machine']}, {r['postgres']} (shared_buffers {r['shared_buffers']}); "
        f"{r['per_case']} pending timers per open case, loaded in {r['order']} due order; "
        f"scan = `fire_due`'s statement (batches of {SCAN_LIMIT}) + marking fired + commit, without effects; "
        f"median of {r['reps']} runs.",
        "",
        "| open cases | pending timers | K due | passes | scan ms (median) | min–max ms | per due case µs |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for phase in r["phases"]:
        for k, m in phase["by_k"].items():
            per = "–" if m["per_due_case_us"] is None else f"{m['per_due_case_us']:,}"
            lines.append(
                f"| {phase['cases']:,} | {phase['pending_before']:,} | {k} | {m['passes']} | "
                f"{m['median_ms']} | {m['min_ms']}–{m['max_ms']} | {per} |"
            )
    real = r["real"]
    lines += [
        "",
        f"Full `fire_due` (effects included, NullNotifier) on {real['cases']} real cases filed through "
        f"sync with {r['phases'][-1]['pending_before']:,} synthetic timers pending:",
        "",
        "| timer | fired | fire_due calls | total ms | per timer ms | SQL statements per timer "
        "| longest call (writer lock held) ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *(
            f"| {name} | {m['fired']} | {m['calls']} | {m['total_ms']} | {m['per_timer_ms']} | "
            f"{m['statements_per_timer']} | {m['longest_call_ms']} |"
            for name, m in (("respond_warn", real["warn"]), ("respond_breach (escalates)", real["breach"]))
        ),
        "",
        f"Sizes at {r['phases'][-1]['cases']:,} cases: "
        + ", ".join(f"{k} {v}" for k, v in r["sizes"].items()),
        "",
        "```",
        r["explain"],
        "```",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", type=int, default=1_000_000, help="open cases in the big phase")
    ap.add_argument("--small", type=int, default=10_000, help="open cases in the small phase")
    ap.add_argument("--per-case", type=int, default=2, help="pending timers per open case")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--real", type=int, default=100, help="real cases filed for the full fire_due cost")
    ap.add_argument(
        "--order",
        choices=("random", "due"),
        default="random",
        help="physical order of the loaded timers: random (worst case) or due order (as in a live system)",
    )
    ap.add_argument("--budget", type=float, default=1800, help="seconds; the run stops past this")
    ap.add_argument("--out", default=str(RESULTS))
    args = ap.parse_args(argv)
    if not args.cases > args.small or args.small * args.per_case < 2 * args.reps * sum(KS):
        ap.error("need --cases > --small, and enough small-phase timers for every scan run")

    budget = Budget(args.budget)
    started = time.monotonic()
    real_now = datetime.now(UTC).replace(microsecond=0)
    t0 = real_now + timedelta(days=40)
    result: dict[str, Any] = {
        "benchmark": "SLA timer scan on PostgreSQL",
        "date": real_now.strftime("%Y-%m-%d"),
        "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}",
        "command": " ".join(["python -m bench.routing.timers", *(sys.argv[1:] if argv is None else argv)]),
        "per_case": args.per_case,
        "order": args.order,
        "reps": args.reps,
        "phases": [],
    }
    with bench_database() as url:
        migrate.upgrade(url)
        db = Database(url)
        try:
            with db.read_session() as s:
                result["postgres"] = str(s.scalar(text("SHOW server_version"))).split(" ")[0]
                result["postgres"] = f"PostgreSQL {result['postgres']}"
                result["shared_buffers"] = str(s.scalar(text("SHOW shared_buffers")))
            console.print("seeding the demo county…")
            seed_demo(db)
            load_s: list[float] = []
            for cases in (args.small, args.cases):
                budget.check(f"load {cases} cases")
                loaded = sum(p["cases"] for p in result["phases"])
                load_s.append(bulk_load(url, loaded, cases, args.per_case, t0, cases, args.order == "due"))
                vacuum_analyze(url)
                phase = {"cases": cases, "load_s": round(load_s[-1], 1)}
                phase |= measure_scans(db, t0, args.reps, budget, f"{cases:,} cases")
                result["phases"].append(phase)
            result["sizes"] = sizes(db)
            result["explain"] = explain(db, clock_for(db, 100, t0), SCAN_LIMIT)
            console.print(result["explain"])

            budget.check("real cases")
            server = ServerReplica(now_ms=lambda: int(real_now.timestamp() * 1000))
            routing = RoutingService(db, clock=None)
            sync = SyncService(server, hooks=routing)
            filed_s = file_real_cases(db, sync, args.real, real_now)
            with db.read_session() as s:
                routing.registry(s)  # the org cache, as a running server has it
            result["real"] = {
                "cases": args.real,
                "filing_ms_per_case": round(filed_s * 1000 / args.real, 2),
                "warn": fire_real(db, routing, server, "respond_warn", "warnings"),
                "breach": fire_real(db, routing, server, "respond_breach", "breaches"),
            }
        finally:
            db.dispose()
    result["wall_s"] = round(time.monotonic() - started, 1)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    name = "routing_timers" if args.order == "random" else "routing_timers_due_ordered"
    (out / f"{name}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    md = markdown(result)
    (out / f"{name}.md").write_text(md, "utf-8")
    console.print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
