"""Classify + route latency: the demo county plus a synthetic province (≥ 1,000 orgs, ≥ 10,000 mediators).

    .venv/bin/python -m bench.routing.latency [-n 20000] [--warmup 2000] [--no-pg]

Each iteration classifies one of the labelled eval descriptions (tests/data/classification_eval.jsonl)
with the classifier in force — ``Rulebook.current(s)``: keyword rules + the learned model, as
``assignment.route_new`` calls it — and routes it from a random region of the county or the province
(see ``world.workload``), timed with ``perf_counter_ns`` around the two calls (the classifier's part
timed on its own too).  Registries:

- ``memory``: ``route.Registry``, everything in dicts (the pure decision; rules + shipped model built
  once, no version reads);
- ``sqlite``: ``registry_view.DbRegistry`` over a SQLite session, as ``RoutingService`` uses it
  without a cross-process listener: organisations cached, the rule and model versions read on each
  classification (two indexed SELECTs), each decision's mediators read live (one indexed SELECT);
- ``postgresql``: the same over PostgreSQL on 127.0.0.1 (skipped when none answers, or ``--no-pg``);
- ``postgresql-cached``: as a PostgreSQL server process with its listener connected
  (``RoutingContext.watch``): rules trusted until a ``rules`` message, mediators from
  ``MediatorCache`` at an unchanged log head (registry_cache.py), every organisation seen once in
  the warm-up, so no decision reads the database.

The garbage collector stays on, as in the server: ``max`` includes its pauses.  Writes
bench/results/routing_latency.json and bench/results/routing_latency.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console
from rich.progress import Progress
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url

from bench.routing import world as W
from server import migrate
from server.db import Database
from server.registry.models import Mediator as MediatorRow
from server.registry.models import Org as OrgRow
from server.registry.models import Region
from server.routing import load_rules
from server.routing.categorizer import Categorizer
from server.routing.classify import Classification, Classifier
from server.routing.config import RoutingConfig
from server.routing.context import NullNotifier, RoutingContext
from server.routing.learning import shipped_model_data
from server.routing.route import CaseFacts, RegistryView, route
from server.routing.training import load_model_json

RESULTS = W.ROOT / "bench" / "results"
PG_ADMIN_URL = os.environ.get("JIEFEN_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
TARGET_P99_US = 2000.0
console = Console()


Classify = Callable[[str], Classification]


def measure(
    classify: Classify,
    registry: RegistryView,
    cases: list[tuple[str, CaseFacts]],
    warmup: int,
    label: str,
) -> dict[str, Any]:
    config = RoutingConfig()
    total: list[int] = []
    cpu: list[int] = []
    classify_ns: list[int] = []
    route_ns: list[int] = []
    levels: dict[str, int] = {}
    clock, cpu_clock = time.perf_counter_ns, time.thread_time_ns
    load_before = os.getloadavg()[0]
    # No refresh thread: the bar is redrawn between iterations, never inside a timed region.
    with Progress(console=console, transient=True, auto_refresh=False) as bar:
        task = bar.add_task(label, total=len(cases) + warmup)
        for i, (text, f) in enumerate(cases[:warmup] + cases):
            c0 = cpu_clock()
            t0 = clock()
            category = classify(text).category
            t1 = clock()
            decision = route(
                CaseFacts(f.region, category, f.channel, f.amount, f.applicants), registry, config
            )
            t2 = clock()
            c2 = cpu_clock()
            if i >= warmup:
                total.append(t2 - t0)
                cpu.append(c2 - c0)
                classify_ns.append(t1 - t0)
                route_ns.append(t2 - t1)
                levels[decision.level] = levels.get(decision.level, 0) + 1
            if i % 1000 == 0:
                bar.update(task, completed=i, refresh=True)
    return {
        "n": len(total),
        "total": W.percentiles(total),
        "classify": W.percentiles(classify_ns),
        "route": W.percentiles(route_ns),
        "total_cpu": W.percentiles(cpu),
        "classifier_share": round(sum(classify_ns) / sum(total), 3),
        "levels": dict(sorted(levels.items())),
        "loadavg_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }


def _load_registry(db: Database, world: W.World) -> None:
    rows = W.registry_rows(world)
    with db.session() as s:
        s.execute(insert(Region), rows["regions"])
        s.execute(insert(OrgRow), rows["orgs"])
        s.execute(insert(MediatorRow), rows["mediators"])


def _db_run(
    url: str,
    world: W.World,
    cases: list[tuple[str, CaseFacts]],
    warmup: int,
    label: str,
    *,
    cached: bool = False,
) -> dict[str, Any]:
    migrate.upgrade(url)
    db = Database(url)
    try:
        _load_registry(db, world)
        return db_measure(db, cases, warmup, label, cached=cached)
    finally:
        db.dispose()


def db_measure(
    db: Database, cases: list[tuple[str, CaseFacts]], warmup: int, label: str, *, cached: bool = False
) -> dict[str, Any]:
    """``measure`` through a ``RoutingContext`` on ``db``: ``Rulebook.current`` + ``DbRegistry``.

    ``cached``: as a process whose listener is connected, at a log head nobody moves; the warm-up
    then routes once to every organisation of ``cases`` so the timed decisions read nothing."""
    ctx = RoutingContext(db, RoutingConfig(), NullNotifier())
    if cached:
        ctx.watch(lambda: True)
    with db.read_session() as s:
        head = int(s.scalar(text("SELECT coalesce(max(seq), 0) FROM ops")) or 0) if cached else None
        registry = ctx.registry(s, head)
        rules = ctx.rules

        def classify(text: str) -> Classification:
            return rules.current(s).classify(text)

        if cached:  # one untimed pass over the workload: every organisation it reaches is cached
            measure(classify, registry, cases, 0, label + " (filling the cache)")
        out = measure(classify, registry, cases, warmup, label)
        if cached:
            out["cache"] = {"hits": ctx.mediators.hits, "misses": ctx.mediators.misses}
        return out


def _dsn(url: str) -> str:
    u = make_url(url)
    return f"host={u.host} port={u.port or 5432} user={u.username or 'postgres'} dbname={u.database}"


@contextmanager
def pg_database() -> Iterator[str | None]:
    """A fresh ``jf_bench_…`` database (dropped afterwards), or None when PostgreSQL does not answer."""
    try:
        admin = psycopg.connect(_dsn(PG_ADMIN_URL), autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        yield None
        return
    name = f"jf_bench_{uuid.uuid4().hex[:10]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def markdown(result: dict[str, Any]) -> str:
    w = result["world"]
    lines = [
        "# Classify + route latency",
        "",
        f"{result['date']}, {result['machine']}; {w['orgs']} organisations and {w['mediators']} mediators "
        f"(demo county + synthetic province), {w['villages']} villages; "
        f"{result['iterations']} iterations after {result['warmup']} warm-up, eval texts in random regions.",
        "",
        "| registry | part | p50 µs | p90 µs | p99 µs | max µs | mean µs |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for name, run in result["runs"].items():
        if run is None:
            lines.append(f"| {name} | (skipped: no PostgreSQL) | | | | | |")
            continue
        for part in ("total", "classify", "route", "total_cpu"):
            p = run[part]
            label = {"total": "classify + route", "total_cpu": "classify + route, thread CPU time"}.get(
                part, part
            )
            lines.append(
                f"| {name} | {label} | {p['p50_us']} | {p['p90_us']} | {p['p99_us']} | {p['max_us']} | "
                f"{p['mean_us']} |"
            )
    lines += [
        "",
        "| registry | classifier share of the time | p99 under 2 ms | load average (1 min) before/after "
        "| decisions by level |",
        "|---|---:|:---:|---|---|",
    ]
    for name, run in result["runs"].items():
        if run is None:
            continue
        ok = "yes" if run["total"]["p99_us"] < TARGET_P99_US else "**no**"
        levels = ", ".join(f"{k} {v}" for k, v in run["levels"].items())
        load = "/".join(str(x) for x in run["loadavg_1m"])
        lines.append(f"| {name} | {run['classifier_share']:.0%} | {ok} | {load} | {levels} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", "--iterations", type=int, default=20_000)
    ap.add_argument("--warmup", type=int, default=2_000)
    ap.add_argument("--no-pg", action="store_true", help="skip the PostgreSQL-backed registry")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)

    started = time.monotonic()
    world = W.build_world()
    province_orgs = sum(1 for o in world.orgs if o.region.startswith(W.PROVINCE))
    province_mediators = sum(1 for m in world.mediators if m.org.startswith(f"org-{W.PROVINCE}"))
    assert province_orgs >= 1_000 and province_mediators >= 10_000, (province_orgs, province_mediators)
    categorizer = Categorizer(Classifier.from_rules(load_rules()), load_model_json(shipped_model_data()))
    cases = W.workload(world, args.iterations)
    runs: dict[str, dict[str, Any] | None] = {}
    runs["memory"] = measure(
        categorizer.classify, W.registry(world), cases, args.warmup, "in-memory Registry"
    )
    with tempfile.TemporaryDirectory(prefix="jf_bench_") as tmp:
        runs["sqlite"] = _db_run(
            f"sqlite:///{tmp}/routing.sqlite3", world, cases, args.warmup, "DbRegistry (SQLite)"
        )
    if args.no_pg:
        runs["postgresql"] = runs["postgresql-cached"] = None
    else:
        for name, cached in (("postgresql", False), ("postgresql-cached", True)):
            with pg_database() as url:
                runs[name] = (
                    None
                    if url is None
                    else _db_run(url, world, cases, args.warmup, f"DbRegistry ({name})", cached=cached)
                )
    result = {
        "benchmark": "classify + route latency",
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}",
        "command": "python -m bench.routing.latency",
        "classifier": "Rulebook.current(s): keyword rules + learned model",
        "iterations": args.iterations,
        "warmup": args.warmup,
        "rules_version": categorizer.version,
        "world": {
            "orgs": len(world.orgs),
            "mediators": len(world.mediators),
            "province_orgs": province_orgs,
            "province_mediators": province_mediators,
            "villages": len(world.villages),
            "towns": len(world.towns),
            "eval_texts": len(W.eval_texts()),
        },
        "target_p99_us": TARGET_P99_US,
        "runs": runs,
        "wall_s": round(time.monotonic() - started, 1),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "routing_latency.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    md = markdown(result)
    (args.out / "routing_latency.md").write_text(md, "utf-8")
    console.print(md)
    memory = runs["memory"]
    return 0 if memory is not None and memory["total"]["p99_us"] < TARGET_P99_US else 1


if __name__ == "__main__":
    raise SystemExit(main())
