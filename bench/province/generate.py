"""A 浙江省-shaped database for the provincial benchmarks, loaded by ``COPY`` on PostgreSQL.

    from bench.province import generate
    url = generate.create_database()            # a fresh, migrated database
    summary = generate.load(url, cases=1_000_000, seed=12)
    ...
    generate.drop_database(url)

What it writes is what the sync path would have written for the same cases, so the server's own
reads (a pull, a push onto an existing case, the cockpit) work on it unchanged:

- **Registry**: the real province tree (``demo_data.load_regions("33")``: 90 counties, 1,387
  towns, 25,547 villages), every county's demo organisations (29,131) and their mediators, plus a
  second mediator in each village committee (≥ 50,000 mediators in all).
- **Cases** over two years, spread over villages by population, in a mix of states shaped like a
  mature deployment. Each case is what the server holds after filing and handling:
  - ``ops``: the device's puts (code, summary, region, category) and the server's (filer, status,
    org, level), then one server-created ``timeline`` record per step of the case's path
    (assigned, accepted, resolved, …), with seqs in time order;
  - ``records``: the merged state and view of the case and of each timeline record
    (``merge.materialize`` of the same ops);
  - ``scope_members`` / ``scope_log``: the case's tags (``scopes.case_tags``: all, the filer,
    region, area of county and city, organisation) and their ``enter`` events at the case's
    first seq — what a pull reads;
  - ``cases``: the typed projection (``sync.projection.project`` of the view).
  Filers are ``u{n}`` principals in tags only (no ``users`` rows: ``cases.filer_id`` stays NULL).
- ``cases.accepted`` is loaded (an accepted event is on the timeline) and the cockpit's roll-up is
  filled by the server's own ``rollup.rebuild``; ``ops.seq`` is moved past the loaded rows, then
  ``VACUUM ANALYZE``.

Deterministic for a given ``seed``. Not part of ``make test``.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import multiprocessing
import random
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import msgspec
import psycopg
from sqlalchemy.engine import make_url

from server import casecode, migrate
from server.cockpit import rollup
from server.db import Database
from server.registry import demo_data as demo
from server.sync import scopes
from server.sync.merge import Created, RecordState, materialize
from server.sync.projection import project

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
SERVER_REPLICA = "srv_bench0000"

# Share of cases by state two years on (demo figures, shaped like a mature deployment).
STATES = (
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
# The steps that lead to each final state (one timeline event each); a withdrawn case was accepted
# first half of the time.
PATHS: dict[str, tuple[str, ...]] = {
    "submitted": (),
    "assigned": ("assigned",),
    "accepted": ("assigned", "accepted"),
    "escalated": ("assigned", "escalated"),
    "declined": ("assigned", "declined"),
    "resolved": ("assigned", "accepted", "resolved"),
    "failed": ("assigned", "accepted", "failed"),
    "confirmation_requested": ("assigned", "accepted", "resolved", "confirmation_requested"),
    "confirmed": ("assigned", "accepted", "resolved", "confirmation_requested", "confirmed"),
    "filed": ("assigned", "accepted", "failed", "filing_requested", "filed"),
    "withdrawn": ("assigned", "withdrawn"),
}
CATEGORIES = ("neighbor", "marriage_family", "private_lending", "homestead_housing", "labor",
              "wage_arrears", "traffic_accident", "contract", "property_management", "other")  # fmt: skip
SUMMARIES = ("邻居排水沟堵塞引发纠纷", "借款到期未还", "宅基地界址争议", "拖欠工资三个月",
             "交通事故赔偿协商", "物业费收取争议", "装修合同纠纷", "婚后财产分割")  # fmt: skip

_ENC = msgspec.json.Encoder()


@dataclass(frozen=True, slots=True)
class Loaded:
    """What ``load`` wrote (row counts) and how long each part took (seconds)."""

    registry: dict[str, int]
    rows: dict[str, int]
    seconds: dict[str, float]


def create_database(admin: str = PG_ADMIN) -> str:
    """A fresh database ``jf_province_XXXXXXXX`` on the server of ``admin``, migrated to head;
    returns its URL (SQLAlchemy form, ``postgresql://…``)."""
    name = f"jf_province_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    migrate.upgrade(url)
    return url


def drop_database(url: str, admin: str = PG_ADMIN) -> None:
    """Drop the database ``url`` names (connections to it are ended)."""
    name = make_url(url).database
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _psycopg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def load(url: str, cases: int, seed: int = 12, now: datetime | None = None) -> Loaded:
    """Fill the (empty, migrated) database at ``url`` with the registry and ``cases`` cases filed
    in the two years before ``now`` (default: the current time). Raises psycopg errors as they come."""
    now = now or datetime.now(UTC)
    t0 = time.perf_counter()
    with psycopg.connect(_psycopg_dsn(url)) as conn:
        registry = load_registry(conn)
    t1 = time.perf_counter()
    rows = load_cases(url, cases, now, seed)
    t2 = time.perf_counter()
    rows["cockpit_counts"] = fill_rollup(url)
    t3 = time.perf_counter()
    with psycopg.connect(_psycopg_dsn(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")  # and the visibility map, for index-only scans
    seconds = {"registry": round(t1 - t0, 1), "cases": round(t2 - t1, 1), "rollup": round(t3 - t2, 1),
               "vacuum_analyze": round(time.perf_counter() - t3, 1)}  # fmt: skip
    return Loaded(registry, rows, seconds)


def fill_rollup(url: str) -> int:
    """Count the loaded cases into the cockpit's roll-up with the server's own rebuild
    (``rollup.rebuild``; ``cases.accepted`` is loaded, not recomputed); returns its rows."""
    db = Database(url)
    try:
        with db.session() as s:
            return rollup.rebuild(s, recheck_accepted=False)
    finally:
        db.dispose()


def load_registry(conn: psycopg.Connection[Any]) -> dict[str, int]:
    """COPY the province's regions, organisations and mediators; returns their counts."""
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


SEQ_STRIDE = 32
"""Case ``i``'s ops have seqs ``i * 32 + 1 …``: increasing with filing time, computable without
counting (so workers can write ranges of cases at once); gaps in ``seq`` are allowed (a cursor only
needs order)."""
WORKERS = 2


@dataclass(frozen=True, slots=True)
class _Shape:
    """What every case draws from: villages and states with cumulative weights."""

    codes: tuple[str, ...]
    cum: list[int]
    states: list[str]
    state_cum: list[int]

    @staticmethod
    def make() -> _Shape:
        villages = [(r.code, r.population) for r in demo.load_regions("33") if r.level == "village"]
        codes, weights = zip(*villages, strict=True)
        return _Shape(
            codes=codes,
            cum=list(itertools.accumulate(weights)),  # choices() would re-add 25,547 weights per call
            states=[s for s, _ in STATES],
            state_cum=list(itertools.accumulate(w for _, w in STATES)),
        )


def _scramble(i: int) -> int:
    """A bijection of [0, 2**30): an odd multiplier modulo a power of two."""
    return (i * 0x2545F491) % (1 << 30)


def _copy_text(v: Any) -> str:
    """One field in COPY's text format."""
    if v is None:
        return "\\N"
    if isinstance(v, bool):
        return "t" if v else "f"
    if isinstance(v, datetime):
        return v.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")  # naive UTC (server/db.py)
    t = v if isinstance(v, str) else str(v)
    if "\\" in t or "\t" in t or "\n" in t or "\r" in t:
        t = t.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return t


def _line(*fields: Any) -> str:
    return "\t".join(map(_copy_text, fields)) + "\n"


def _case_lines(i: int, n: int, shape: _Shape, now: datetime, seed: int, out: dict[str, list[str]]) -> None:
    """Append case ``i`` of ``n`` (its COPY lines, table by table) to ``out``."""
    rng = random.Random(seed * 10_000_019 + i)
    span = 730 * 86400
    at = now - timedelta(seconds=span) + timedelta(seconds=(i + rng.random()) * span / n)
    region = rng.choices(shape.codes, cum_weights=shape.cum)[0]
    status = rng.choices(shape.states, cum_weights=shape.state_cum)[0]
    path = PATHS[status]
    if status == "withdrawn" and rng.random() < 0.5:
        path = ("assigned", "accepted", "withdrawn")
    category = rng.choice(CATEGORIES)
    level = "village" if rng.random() < 0.7 else "town"
    org = f"org-{region}-pmc" if level == "village" else f"org-{region[:9]}-pmc"
    key = f"c{i:09d}"
    device = f"dev{i:09d}"
    filer = f"u{i}"
    ms = int(at.timestamp() * 1000)
    # Unique by construction (30 random-looking bits from i): random codes of 1,000,000 cases collide.
    code = casecode.make_code(region[:6], at.year, (_scramble(i) << 2).to_bytes(4, "big"))
    puts: list[tuple[str, Any, str | None]] = [  # (field, value, client actor or None: server)
        ("filer", filer, None),
        ("status", "submitted", None),
        ("code", code, filer),
        ("summary", rng.choice(SUMMARIES), filer),
        ("region", region, filer),
        ("category", category, filer),
    ]
    if path:
        puts += [("org", org, None), ("level", level, None)]
    if status != "submitted":
        puts.append(("status", status, None))
    seq = i * SEQ_STRIDE
    first = seq + 1
    ops, records = out["ops"], out["records"]
    state = RecordState(fields={}, clock={}, writer={})
    for j, (fld, val, actor) in enumerate(puts, 1):
        seq += 1
        rep = device if actor else SERVER_REPLICA
        op_id, ts = f"{rep}:{i * 16 + j}", f"{ms:015d}:{j:04x}:{rep}"
        value = json.dumps(val, ensure_ascii=False)
        ops.append(_line(seq, op_id, ts, "case", key, "put", fld, value, key, actor, at))
        state.fields[fld], state.clock[fld], state.writer[fld] = val, ts, op_id
    view = materialize(state)
    records.append(_line("case", key, key, _ENC.encode(state).decode(), _ENC.encode(view).decode(), seq))
    prev = "submitted"
    step_at = at
    for k, event in enumerate(path, 1):
        seq += 1
        step_at = step_at + timedelta(hours=rng.uniform(2, 120))
        sms = int(step_at.timestamp() * 1000)
        op_id, ts = f"{SERVER_REPLICA}:{i * 16 + 10 + k}", f"{sms:015d}:0000:{SERVER_REPLICA}"
        tl = {"case": key, "event": event, "from": prev, "to": event, "actor": "system",
              "actor_name": "", "actor_role": "system" if event == "assigned" else "mediator",
              "reason": "", "at": step_at.isoformat()}  # fmt: skip
        tl_key = f"tl-{i:09d}{k:02d}"
        value = _ENC.encode(tl).decode()
        ops.append(_line(seq, op_id, ts, "timeline", tl_key, "create", None, value, key, None, step_at))
        tl_state = RecordState(created=Created(tl, ts, op_id))
        records.append(_line("timeline", tl_key, key, _ENC.encode(tl_state).decode(), value, seq))
        prev = event
    for tag in sorted(scopes.case_tags(view)):
        out["scope_members"].append(_line(key, tag))
        out["scope_log"].append(_line(first, key, tag, "enter"))
    # The server's projection onto a plain object: an ORM instance per case costs more than the rest.
    row: Any = SimpleNamespace(key=key, status="submitted", filer_id=None, closed_at=None)
    project(row, view)
    closed = step_at if row.closed_at is not None else None
    fields = (row.key, row.code, None, row.trace_hash, row.summary, row.description, row.region,
              row.channel, row.amount, row.applicants, row.category, row.status, row.level, row.org_id,
              row.court_org_id, row.mediator_id, row.respond_by, row.resolve_by, row.deadline_provisional,
              row.paused, None, row.routed, at, step_at, closed, "accepted" in path)  # fmt: skip
    out["cases"].append(_line(*fields))


_COPY_SQL = {
    "ops": "COPY ops (seq, op_id, ts, entity, key, kind, field, value, root, actor_id, received_at)"
    " FROM STDIN",
    "records": "COPY records (entity, key, root, state, view, updated_seq) FROM STDIN",
    "scope_members": "COPY scope_members (root, tag) FROM STDIN",
    "scope_log": "COPY scope_log (seq, root, tag, action) FROM STDIN",
    "cases": "COPY cases (key, code, filer_id, trace_hash, summary, description, region, channel, amount,"
    " applicants, category, status, level, org_id, court_org_id, mediator_id, respond_by, resolve_by,"
    " deadline_provisional, paused, paused_at, routed, created_at, updated_at, closed_at, accepted)"
    " FROM STDIN",
}


def _load_range(args: tuple[str, int, int, int, datetime, int]) -> dict[str, int]:
    """One worker: COPY cases [lo, hi) of ``n``, one connection (and COPY stream) per table."""
    url, lo, hi, n, now, seed = args
    shape = _Shape.make()
    counts = dict.fromkeys(_COPY_SQL, 0)
    conns = {t: psycopg.connect(_psycopg_dsn(url)) for t in _COPY_SQL}
    try:
        with contextlib.ExitStack() as stack:
            copies = {t: stack.enter_context(conns[t].cursor().copy(sql)) for t, sql in _COPY_SQL.items()}
            for b in range(lo, hi, 1000):
                out: dict[str, list[str]] = {t: [] for t in _COPY_SQL}
                for i in range(b, min(b + 1000, hi)):
                    _case_lines(i, n, shape, now, seed, out)
                for t, lines in out.items():
                    copies[t].write("".join(lines).encode())
                    counts[t] += len(lines)
        for conn in conns.values():
            conn.commit()
    finally:
        for conn in conns.values():
            conn.close()
    return counts


def load_cases(url: str, n: int, now: datetime, seed: int = 12, workers: int = WORKERS) -> dict[str, int]:
    """COPY ``n`` cases with their ops, records, scope rows and projection (see the module doc)
    into the database at ``url`` (its op log must be empty); returns row counts per table.

    ``workers`` processes each write a range of cases, with one connection per table (a
    connection runs one COPY at a time); the server parses the streams while they generate.
    """
    with psycopg.connect(_psycopg_dsn(url)) as conn:
        if conn.execute("SELECT 1 FROM ops LIMIT 1").fetchone():
            raise ValueError("load_cases needs an empty op log")
    with psycopg.connect(_psycopg_dsn(url), autocommit=True) as conn:
        rebuild = _drop_secondary_indexes(conn, list(_COPY_SQL))
    bounds = [n * k // workers for k in range(workers + 1)]
    jobs = [(url, bounds[k], bounds[k + 1], n, now, seed) for k in range(workers)]
    counts = dict.fromkeys(_COPY_SQL, 0)
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        for part in pool.map(_load_range, jobs):
            for t, c in part.items():
                counts[t] += c
    with psycopg.connect(_psycopg_dsn(url), autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '256MB'")
        for sql in rebuild:
            conn.execute(sql)
        conn.execute("SELECT setval(pg_get_serial_sequence('ops', 'seq'), (SELECT max(seq) FROM ops))")
    return counts


def _drop_secondary_indexes(conn: psycopg.Connection[Any], tables: list[str]) -> list[str]:
    """Drop the indexes and unique constraints of ``tables`` other than primary keys (building
    them once after the load beats keeping them in step row by row); returns the SQL that makes
    them again, exactly as the migrations defined them."""
    again: list[str] = []
    cons = conn.execute(
        "SELECT c.conname, t.relname, pg_get_constraintdef(c.oid) FROM pg_constraint c"
        " JOIN pg_class t ON t.oid = c.conrelid WHERE c.contype = 'u' AND t.relname = ANY(%s)",
        (tables,),
    ).fetchall()
    for name, table, definition in cons:
        again.append(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        conn.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    idx = conn.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(%s)"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
        (tables,),
    ).fetchall()
    for name, definition in idx:
        again.append(definition)
        conn.execute(f'DROP INDEX "{name}"')
    return again
