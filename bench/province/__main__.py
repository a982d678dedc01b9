"""Provincial scale: a 浙江省-shaped database of ``--cases`` cases loaded by COPY on PostgreSQL, then
the cockpit measured against a baseline of the same run (issue #12; figures in bench/README.md).

    .venv/bin/python -m bench.province [--cases 1000000] [--keep]

- Data: ``bench/province/generate.py`` (the province registry and the cases with their ops,
  records, scope rows, projection and the cockpit's roll-up).
- Measured (median of 5 after one warm-up, milliseconds), through the server's own query functions
  in the order the cockpit API calls them (server/cockpit/api.py): the summary (tallies by town for
  a city or narrower, by county for a view wider than one county, towns, counties, population)
  and the 24-month trend, for the province (``33``), 杭州市 (``3301``, the summary) and 长兴县
  (``330522``); and the province's summary with its township rows, as before it listed counties
  only. Baseline: ``SELECT count(*) FROM cases`` in the same run. For comparison, the same tallies
  counted straight from ``cases`` (``direct.py``, what the cockpit did before the roll-up), median
  of 3.
- ``EXPLAIN (ANALYZE, BUFFERS)`` of the roll-up statements: the province's summary by county (and
  by town, which it no longer reads), 长兴县's by town, the trends of both.
- ``--keep`` keeps the database; ``--url URL`` measures such a database again without loading.
- The load average (1 min) before and after the measures.

Writes bench/results/province.json and province.md. Not part of ``make test``. Other province
measures (fresh pulls, citizen install, routing, sync round trips) are other modules of this package.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.dialects import postgresql

from bench.province import generate
from server.cockpit import direct, queries, rollup
from server.cockpit.models import CaseCount
from server.cockpit.queries import Scope
from server.db import Database
from server.sync.models import CaseRow

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
PROVINCE, CITY, COUNTY = "33", "3301", "330522"  # 浙江省, 杭州市 (the most townships), 长兴县


def _median_ms(fn: Callable[[], Any], runs: int = 5) -> float:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(times), 1)


def _summary(
    db: Database, scope: Scope, start: datetime, end: datetime, *, towns: bool | None = None
) -> Callable[[], Any]:
    """What GET /api/v1/cockpit/summary reads for ``scope`` (server/cockpit/api.py); ``towns``
    True: also the township rows as before a province's view dropped them (for comparison)."""
    with_towns = queries.lists_towns(scope) if towns is None else towns

    def run() -> Any:
        with db.read_session() as s:
            if with_towns:
                queries.tallies_by_town(s, start, end, scope)
                queries.towns(s, scope)
            queries.population(s, scope)
            if scope.prefix is None or len(scope.prefix) < 6:
                by_county = queries.tallies_by_county(s, start, end, scope)
                queries.counties(s, scope)
                if queries.lists_cities(scope):
                    queries.per_city(by_county)
                    queries.cities(s, scope)

    return run


def _trend(db: Database, scope: Scope, bounds: list[datetime]) -> Callable[[], Any]:
    """What GET /api/v1/cockpit/trend?months=24 reads for ``scope``."""

    def run() -> Any:
        with db.read_session() as s:
            queries.tallies_by_month(s, bounds, scope)
            queries.population(s, scope)

    return run


def _direct_summary(db: Database, prefix: str, start: datetime, end: datetime) -> Callable[[], Any]:
    def run() -> Any:
        with db.read_session() as s:
            direct.by_town(s, start, end, prefix)
            if len(prefix) < 6:
                direct.by_county(s, start, end, prefix)

    return run


def _explain(db: Database, stmt: Any) -> list[str]:
    sql = str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    with db.read_session() as s:
        return list(s.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")).scalars())


def _markdown(out: dict[str, Any]) -> str:
    ms = out["ms"]
    base = ms["baseline_count_all_cases"]
    targets = {
        "summary_province": 500,
        "summary_county": 100,
        "trend24_province": 500,
        "trend24_county": 100,
    }
    lines = [
        f"# bench/province — {out['cases']:,} cases, {out['started'][:16]} UTC",
        "",
        f"Load average (1 min) before/after the measures: {out['load_before']} / {out['load_after']}; "
        f"whole run {out['total_s']} s (load {out['load_s']}).",
        "",
        "| measure | median ms | × baseline | target |",
        "|---|---|---|---|",
    ]
    for k, v in ms.items():
        t = targets.get(k)
        lines.append(f"| {k} | {v} | {round(v / base, 2) if base else '–'} | {f'≤ {t}' if t else ''} |")
    return "\n".join(lines) + "\n"


def measure(url: str, now: datetime) -> dict[str, Any]:
    """The measures on a loaded database (``now``: the time the cases were generated back from)."""
    out: dict[str, Any] = {}
    db = Database(url)
    today = now.astimezone(queries.CST).date()
    # The summary's default window: the first of the month 11 months back to today, inclusive.
    y, m = divmod(today.year * 12 + today.month - 1 - 11, 12)
    start = queries.day_start(today.replace(year=y, month=m + 1, day=1))
    end = queries.day_start(today + timedelta(days=1))
    bounds = queries.month_starts(today, 24)

    def baseline() -> None:
        with db.read_session() as s:
            s.scalar(select(func.count()).select_from(CaseRow))

    with db.read_session() as s:
        out["cockpit_counts_rows"] = int(s.scalar(select(func.count()).select_from(CaseCount)) or 0)
    out["load_before"] = round(os.getloadavg()[0], 1)
    out["ms"] = {
        "baseline_count_all_cases": _median_ms(baseline),
        "summary_province": _median_ms(_summary(db, Scope(PROVINCE), start, end)),
        "summary_province_with_towns": _median_ms(_summary(db, Scope(PROVINCE), start, end, towns=True)),
        "summary_city": _median_ms(_summary(db, Scope(CITY), start, end)),
        "summary_county": _median_ms(_summary(db, Scope(COUNTY), start, end)),
        "trend24_province": _median_ms(_trend(db, Scope(PROVINCE), bounds)),
        "trend24_county": _median_ms(_trend(db, Scope(COUNTY), bounds)),
        "direct_summary_province": _median_ms(_direct_summary(db, PROVINCE, start, end), runs=3),
        "direct_summary_county": _median_ms(_direct_summary(db, COUNTY, start, end), runs=3),
    }
    out["load_after"] = round(os.getloadavg()[0], 1)
    parts = rollup.windows(start, end) or []
    trend = [(rollup.COUNTY_MONTH, bounds[0].astimezone(queries.CST).date().isoformat(),
              bounds[-1].astimezone(queries.CST).date().isoformat())]  # fmt: skip
    county_parts = [
        (rollup.COUNTY_MONTH if g == rollup.MONTH else rollup.COUNTY_DAY, lo, hi) for g, lo, hi in parts
    ]
    out["explain"] = {
        "summary_province_by_county": _explain(db, rollup.statement(CaseCount.town, county_parts, PROVINCE)),
        "summary_province_by_town (no longer read)": _explain(
            db, rollup.statement(CaseCount.town, parts, PROVINCE)
        ),
        "summary_county_by_town": _explain(db, rollup.statement(CaseCount.town, parts, COUNTY)),
        "trend24_province": _explain(db, rollup.statement(CaseCount.period, trend, PROVINCE)),
        "trend24_county": _explain(db, rollup.statement(CaseCount.period, trend, COUNTY)),
    }
    db.dispose()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--keep", action="store_true", help="keep the database afterwards")
    ap.add_argument("--url", help="measure this already loaded database (kept by --keep); no load")
    args = ap.parse_args()
    out: dict[str, Any] = {"cases": args.cases, "started": datetime.now(UTC).isoformat()}
    t0 = time.perf_counter()
    if args.url:
        out.update(measure(args.url, datetime.now(UTC)))
        out["load_s"] = "not loaded in this run (--url)"
    else:
        url = generate.create_database()
        print(f"database: {url}", flush=True)
        try:
            now = datetime.now(UTC)
            loaded = generate.load(url, args.cases, now=now)
            out["registry"], out["rows"], out["load_s"] = loaded.registry, loaded.rows, loaded.seconds
            out.update(measure(url, now))
        finally:
            if not args.keep:
                generate.drop_database(url)
    out["total_s"] = round(time.perf_counter() - t0, 1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "province.json").write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    (RESULTS / "province.md").write_text(_markdown(out), encoding="utf-8")
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
