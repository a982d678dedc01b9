"""Provincial scale: a 浙江省-shaped registry and many cases loaded by COPY on PostgreSQL, then the
cockpit and routing measured against baselines of the same run (issue #12; figures in bench/README.md).

    .venv/bin/python -m bench.province [--cases 1000000] [--keep]

- Registry: the real province tree (``demo_data.load_regions("33")``: 90 counties, 1,387 towns,
  25,547 villages), every county's demo organisations (29,131) and their mediators, plus a second
  mediator for each village committee so the province has ≥ 50,000 mediators.
- Cases: ``--cases`` over two years, spread over villages by population, with a realistic mix of
  states, their level and organisation, and 5 ops each (code, summary, region, status, org) in
  ``ops``. Loaded with ``COPY`` (psycopg ``cursor.copy``), then ``ANALYZE``.
- Measured (median of 5 after one warm-up, milliseconds): the cockpit summary (per-town and
  per-county tallies, population) and the 24-month trend for the province and for 长兴县, through
  the server's own query functions (server/cockpit/queries.py); baseline: ``SELECT count(*) FROM
  cases`` in the same run. ``EXPLAIN (ANALYZE, BUFFERS)`` of the province summary statement.
  Classify + route p99 against the DB-backed registry at this size (``RoutingService`` registry).

Writes bench/results/province.json and province.md. Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from server import casecode, migrate
from server.cockpit import queries
from server.cockpit.queries import Scope
from server.db import Database
from server.registry import demo_data as demo
from server.routing import load_rules
from server.routing.classify import Classifier
from server.routing.config import RoutingConfig
from server.routing.registry_view import DbRegistry, load_orgs
from server.routing.route import CaseFacts, Registry, route
from server.sync.models import CaseRow

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
COUNTY = "330522"

# Share of cases by state two years on (demo figures, shaped like a mature deployment).
_STATES = (
    ("resolved", 52),
    ("failed", 9),
    ("withdrawn", 6),
    ("confirmed", 8),
    ("filed", 3),
    ("accepted", 8),
    ("assigned", 6),
    ("escalated", 2),
    ("declined", 1),
    ("confirmation_requested", 2),
    ("submitted", 3),
)
_CLOSED = frozenset({"resolved", "failed", "withdrawn", "confirmed", "filed", "declined"})
_CATEGORIES = ("neighbor", "marriage_family", "private_lending", "homestead_housing", "labor",
               "wage_arrears", "traffic_accident", "contract", "property_management", "other")  # fmt: skip


def _median_ms(fn: Callable[[], Any], runs: int = 5) -> float:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(times), 1)


def _load_registry(conn: psycopg.Connection[Any]) -> dict[str, int]:
    regions = demo.load_regions("33")
    orgs = demo.build_orgs(regions)
    mediators = demo.build_mediators(orgs)
    with conn.cursor() as cur:
        with cur.copy(
            "COPY regions (code, name, parent, level, population, population_approx) FROM STDIN"
        ) as cp:
            for r in regions:
                cp.write_row((r.code, r.short_name, r.parent, r.level, r.population, True))
        with cur.copy(
            "COPY orgs (id, name, level, kind, domain, parent_id, region, categories, online, in_person,"
            " hotline) FROM STDIN"
        ) as cp:
            for o in orgs:
                cp.write_row((o.id, o.name, o.level, o.kind, o.domain, o.parent, o.region,
                              json.dumps(list(o.categories)), o.online, o.in_person, o.hotline))  # fmt: skip
        n = 0
        with cur.copy(
            "COPY mediators (id, org_id, name, specialities, capacity, open_cases) FROM STDIN"
        ) as cp:
            for m in mediators:
                cp.write_row((m.id, m.org, m.name, json.dumps(list(m.specialities)), m.capacity, 0))
                n += 1
            for o in orgs:  # a second mediator in every village committee (bench only)
                if o.level == "village":
                    mid = f"med-{o.id.removeprefix('org-')}-2"
                    cp.write_row((mid, o.id, "调解员乙", json.dumps(list(o.categories)), 20, 0))
                    n += 1
    conn.commit()
    return {"regions": len(regions), "counties": sum(r.level == "county" for r in regions),
            "orgs": len(orgs), "mediators": n}  # fmt: skip


def _load_cases(conn: psycopg.Connection[Any], n: int, now: datetime) -> None:
    rng = random.Random(12)
    villages = [(r.code, r.population) for r in demo.load_regions("33") if r.level == "village"]
    codes, weights = zip(*villages, strict=True)
    states = [s for s, _ in _STATES]
    state_w = [w for _, w in _STATES]
    region_of = rng.choices(codes, weights, k=n)
    kept: list[tuple[str, str, str, str, str, datetime]] = []  # for the ops pass (one COPY at a time)
    with conn.cursor() as cur:
        with cur.copy(
            "COPY cases (key, code, summary, description, region, channel, applicants, category, status,"
            " level, org_id, paused, routed, created_at, updated_at, closed_at) FROM STDIN"
        ) as cp:
            for i in range(n):
                region = region_of[i]
                at = now - timedelta(seconds=rng.uniform(0, 730 * 86400))
                status = rng.choices(states, state_w)[0]
                cat = rng.choice(_CATEGORIES)
                level = "village" if rng.random() < 0.7 else "town"
                org = f"org-{region}-pmc" if level == "village" else f"org-{region[:9]}-pmc"
                key = f"p{i:08d}"
                code = casecode.make_code(region[:6], at.year, hashlib.sha256(key.encode()).digest()[:4])
                closed = at + timedelta(days=rng.uniform(1, 40)) if status in _CLOSED else None
                cp.write_row((key, code, "纠纷", "", region, "online", 1, cat, status, level,
                              None if status == "submitted" else org, False, status != "submitted",
                              at, closed or at, closed))  # fmt: skip
                kept.append((key, code, region, status, org, at))
        conn.commit()
        with cur.copy(
            "COPY ops (op_id, ts, entity, key, kind, field, value, root, actor_id, received_at) FROM STDIN"
        ) as ops:
            for i, (key, code, region, status, org, at) in enumerate(kept):
                ms = int(at.timestamp() * 1000)
                for j, (fld, val) in enumerate(
                    (
                        ("code", code),
                        ("summary", "纠纷"),
                        ("region", region),
                        ("status", status),
                        ("org", org),
                    ),
                    1,
                ):
                    op_id, ts = f"dev{i:08d}:{j}", f"{ms:015d}:{j:04x}:dev{i:08d}"
                    value = json.dumps(val, ensure_ascii=False)
                    ops.write_row((op_id, ts, "case", key, "put", fld, value, key, f"u{i}", at))
    conn.commit()
    with conn.cursor() as cur:
        cur.execute("ANALYZE")
    conn.commit()


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
    name = f"jf_province_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    url = make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    out: dict[str, Any] = {"cases": args.cases, "started": datetime.now(UTC).isoformat()}
    t0 = time.perf_counter()
    try:
        migrate.upgrade(url)
        with psycopg.connect(url) as conn:
            out["registry"] = _load_registry(conn)
            t1 = time.perf_counter()
            now = datetime.now(UTC)
            _load_cases(conn, args.cases, now)
            out["load_s"] = {"registry": round(t1 - t0, 1), "cases": round(time.perf_counter() - t1, 1)}
        db = Database(url)
        today = now.astimezone(queries.CST).date()
        start = queries.day_start(today - timedelta(days=365))
        end = queries.day_start(today + timedelta(days=1))
        bounds = queries.month_starts(today, 24)
        with db.read_session() as s:
            out["ops"] = int(s.scalar(text("SELECT count(*) FROM ops")) or 0)

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
            with psycopg.connect(PG_ADMIN, autocommit=True) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "province.json").write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
