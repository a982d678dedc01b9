"""Classify + route latency against the DB-backed registry at provincial size (issue #12).

    .venv/bin/python -m bench.province.route --url postgresql://…/jf_province_…   # a loaded database
    .venv/bin/python -m bench.province.route --cases 10000                          # makes (and drops) one

Each decision classifies one of the labelled eval descriptions with the classifier in force
(``Rulebook.current``: rules + model) and routes it from a random village of the province (1 in 20
filed in person, 1 in 20 with a large amount, 1 in 30 a group), through a ``RoutingContext`` on
the province database (``bench.routing.latency.db_measure``), three ways in the same run:

- ``memory`` (baseline): the pure decision over an in-memory ``Registry`` of every organisation and
  mediator, rules + model built once — no database at all;
- ``live``: as a process without a cross-process listener (SQLite, or before the cache): two
  version reads for the rules and one mediator read per decision;
- ``cached``: as a PostgreSQL process with its listener connected, in steady state: rules trusted,
  mediators from ``MediatorCache`` at an unchanged log head, every organisation of the workload
  seen once before timing (registry_cache.py says when this holds).

Each way runs ``--runs`` times (``-n`` decisions after ``--warmup``); the figures are the medians of
the runs' percentiles, wall clock and this thread's CPU time. Writes bench/results/province_route.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.province import generate, live
from bench.routing.latency import db_measure, measure
from server.db import Database
from server.registry.models import Mediator as MediatorRow
from server.registry.models import Region
from server.routing import load_rules
from server.routing.categorizer import Categorizer
from server.routing.classify import Classifier
from server.routing.learning import shipped_model_data
from server.routing.registry_cache import read_mediators
from server.routing.registry_view import load_orgs
from server.routing.route import CaseFacts, Registry
from server.routing.training import load_model_json

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"


def workload(db: Database, n: int, seed: int = 7) -> list[tuple[str, CaseFacts]]:
    """``n`` (text, facts) pairs: eval descriptions in random villages of the loaded province."""
    texts = [
        json.loads(line)["text"] for line in (ROOT / "tests" / "data" / "classification_eval.jsonl").open()
    ]
    with db.read_session() as s:
        villages = list(s.scalars(select(Region.code).where(Region.level == "village").order_by(Region.code)))
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        r = rng.random()
        facts = CaseFacts(
            region=rng.choice(villages),
            category="other",  # replaced by the classifier's answer
            channel="in_person" if r < 0.05 else "online",
            amount=200_000.0 if 0.05 <= r < 0.10 else None,
            applicants=12 if 0.10 <= r < 0.133 else 1,
        )
        out.append((rng.choice(texts), facts))
    return out


def _memory_registry(db: Database) -> Registry:
    with db.read_session() as s:
        orgs = load_orgs(s)
        mediators = [m for o in orgs for m in read_mediators(s, o.id)]
    return Registry(orgs, mediators)


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    def med(part: str, q: str) -> float:
        return round(statistics.median(r[part][q] for r in runs), 1)

    return {
        "p50_us": med("total", "p50_us"),
        "p99_us": med("total", "p99_us"),
        "p50_cpu_us": med("total_cpu", "p50_us"),
        "p99_cpu_us": med("total_cpu", "p99_us"),
        "classify_p99_us": med("classify", "p99_us"),
        "route_p99_us": med("route", "p99_us"),
        "runs": runs,
    }


def run(url: str, n: int, warmup: int, runs: int) -> dict[str, Any]:
    """Measure the three ways on the database at ``url``; returns the result document."""
    db = Database(url)
    try:
        cases = workload(db, n + warmup)
        with db.read_session() as s:
            counts = {
                "orgs": len(load_orgs(s)),
                "mediators": int(s.scalar(select(func.count()).select_from(MediatorRow)) or 0),
            }
        categorizer = Categorizer(Classifier.from_rules(load_rules()), load_model_json(shipped_model_data()))
        memory = _memory_registry(db)
        ways: dict[str, list[dict[str, Any]]] = {"memory": [], "live": [], "cached": []}
        for i in range(runs):
            ways["memory"].append(measure(categorizer.classify, memory, cases, warmup, f"memory {i + 1}"))
            ways["live"].append(db_measure(db, cases, warmup, f"live {i + 1}"))
            ways["cached"].append(db_measure(db, cases, warmup, f"cached {i + 1}", cached=True))
        out = {name: _summary(r) for name, r in ways.items()}
        base = out["memory"]["p99_us"]
        for name in ("live", "cached"):
            out[name]["p99_x_memory"] = round(out[name]["p99_us"] / base, 2)
        return {"registry": counts, **out}
    finally:
        db.dispose()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", help="a database loaded by bench.province.generate (kept)")
    ap.add_argument("--cases", type=int, default=10_000, help="without --url: load this many cases")
    ap.add_argument("-n", type=int, default=5_000)
    ap.add_argument("--warmup", type=int, default=500)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    started = datetime.now(UTC)
    load = os.getloadavg()
    url = args.url or generate.create_database()
    try:
        if not args.url:
            generate.load(url, args.cases)
        t0 = time.perf_counter()
        result = run(url, args.n, args.warmup, args.runs)
    finally:
        if not args.url:
            generate.drop_database(url)
    doc = {
        **live.header(
            "classify + route, DB-backed registry at province size",
            "bench.province.route",
            argv,
            started,
            load,
        ),
        "machine": f"{os.cpu_count()} cores",
        "target_p99_us": 2000,
        "decisions_per_run": args.n,
        "seconds": round(time.perf_counter() - t0, 1),
        **result,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "province_route.json").write_text(
        json.dumps(doc, ensure_ascii=False, indent=1) + "\n", "utf-8"
    )
    short = {k: {q: v for q, v in doc[k].items() if q != "runs"} for k in ("memory", "live", "cached")}
    print(json.dumps({"loadavg": doc["loadavg_before"], **short}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
