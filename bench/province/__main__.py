"""Provincial scale: a 浙江省-shaped registry and many cases loaded by COPY on PostgreSQL, then the
cockpit and routing measured against baselines of the same run (issue #12; figures in bench/README.md).

    .venv/bin/python -m bench.province [--cases 1000000] [--keep]

- Data: ``bench/province/generate.py`` (the province registry and ``--cases`` cases with their
  ops, records, scope rows and projection, by ``COPY``).
- Measured (median of 5 after one warm-up, milliseconds): the cockpit summary (per-town and
  per-county tallies, population) and the 24-month trend for the province and for 长兴县, through
  the server's own query functions (server/cockpit/queries.py); baseline: ``SELECT count(*) FROM
  cases`` in the same run. ``EXPLAIN (ANALYZE, BUFFERS)`` of the province summary statement.
  Classify + route p99 against the DB-backed registry at this size (``RoutingService`` registry).

Writes bench/results/province.json and province.md. Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from bench.province import generate
from server.cockpit import queries
from server.cockpit.queries import Scope
from server.db import Database
from server.routing import load_rules
from server.routing.classify import Classifier
from server.routing.config import RoutingConfig
from server.routing.registry_view import DbRegistry, load_orgs
from server.routing.route import CaseFacts, Registry, route
from server.sync.models import CaseRow

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
COUNTY = "330522"


def _median_ms(fn: Callable[[], Any], runs: int = 5) -> float:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(times), 1)


def _summary(db: Database, scope: Scope, start: datetime, end: datetime) -> Callable[[], Any]:
    def run() -> Any:
        with db.read_session() as s:
            queries.tallies_by_town(s, start, end, scope)
            queries.tallies_by_county(s, start, end, scope)
            queries.towns(s, scope)
            queries.population(s, scope)

    return run


def _trend(db: Database, scope: Scope, bounds: list[datetime]) -> Callable[[], Any]:
    def run() -> Any:
        with db.read_session() as s:
            queries.tallies_by_month(s, bounds, scope)

    return run


def _route_p99(db: Database, n: int = 5000) -> dict[str, float]:
    classifier = Classifier.from_rules(load_rules())
    texts = [
        json.loads(line)["text"] for line in (ROOT / "tests" / "data" / "classification_eval.jsonl").open()
    ]
    rng = random.Random(3)
    with db.read_session() as s:
        villages = list(
            s.scalars(select(text("code")).select_from(text("regions")).where(text("level = 'village'")))
        )
        registry = Registry(load_orgs(s), [])
        view = DbRegistry(registry, s)
        config = RoutingConfig()
        times = []
        for i in range(n):
            t0 = time.perf_counter_ns()
            guess = classifier.classify(texts[i % len(texts)])
            route(CaseFacts(region=rng.choice(villages), category=guess.category, channel="online",
                            amount=None, applicants=1), view, config)  # fmt: skip
            times.append((time.perf_counter_ns() - t0) / 1000)
    times.sort()
    return {"n": n, "p50_us": round(times[n // 2], 1), "p99_us": round(times[int(n * 0.99)], 1)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = ap.parse_args()
    out: dict[str, Any] = {"cases": args.cases, "started": datetime.now(UTC).isoformat()}
    t0 = time.perf_counter()
    url = generate.create_database()
    try:
        now = datetime.now(UTC)
        loaded = generate.load(url, args.cases, now=now)
        out["registry"], out["rows"], out["load_s"] = loaded.registry, loaded.rows, loaded.seconds
        db = Database(url)
        today = now.astimezone(queries.CST).date()
        start = queries.day_start(today - timedelta(days=365))
        end = queries.day_start(today + timedelta(days=1))
        bounds = queries.month_starts(today, 24)

        def baseline() -> None:
            with db.read_session() as s:
                s.scalar(select(func.count()).select_from(CaseRow))

        out["ms"] = {
            "baseline_count_all_cases": _median_ms(baseline),
            "summary_province": _median_ms(_summary(db, Scope("33"), start, end)),
            "summary_county": _median_ms(_summary(db, Scope(COUNTY), start, end)),
            "trend24_province": _median_ms(_trend(db, Scope("33"), bounds)),
            "trend24_county": _median_ms(_trend(db, Scope(COUNTY), bounds)),
        }
        out["route"] = _route_p99(db)
        with db.read_session() as s:
            where = "created_at >= :a AND created_at < :b AND region LIKE '33%'"
            plan = s.execute(
                text(
                    "EXPLAIN (ANALYZE, BUFFERS) SELECT substr(region, 1, 9), status, count(*) "
                    f"FROM cases WHERE {where} GROUP BY 1, 2"
                ),
                {"a": start, "b": end},
            ).scalars()
            out["explain_summary_province"] = list(plan)
        db.dispose()
        out["total_s"] = round(time.perf_counter() - t0, 1)
    finally:
        if not args.keep:
            generate.drop_database(url)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "province.json").write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
