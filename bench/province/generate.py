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
- Sequences (``ops.seq``, ``scope_log.id``) are moved past the loaded rows, then ``ANALYZE``.

Deterministic for a given ``seed``. Not part of ``make test``.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import psycopg
from sqlalchemy.engine import make_url

from server import casecode, migrate
from server.registry import demo_data as demo
from server.sync import scopes
from server.sync.merge import Created, RecordState, materialize
from server.sync.models import CaseRow
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
    with psycopg.connect(_psycopg_dsn(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")  # and the visibility map, for index-only scans
    seconds = {"registry": round(t1 - t0, 1), "cases": round(t2 - t1, 1),
               "analyze": round(time.perf_counter() - t2, 1)}  # fmt: skip
    return Loaded(registry, rows, seconds)


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


@dataclass(slots=True)
class _Op:
    seq: int
    op_id: str
    ts: str
    entity: str
    key: str
    kind: str
    field: str | None
    value: Any
    actor: str | None
    at: datetime


@dataclass(slots=True)
class _Case:
    """One generated case: its ops (seq order), its records' (state, view), its tags."""

    key: str
    at: datetime
    ops: list[_Op]
    records: list[tuple[str, str, bytes, dict[str, Any], int]]  # entity, key, state, view, seq
    tags: set[str]
    view: dict[str, Any]


def _naive(dt: datetime) -> datetime:
    return dt.astimezone(UTC).replace(tzinfo=None)  # columns hold naive UTC (server/db.py)


def _cases(n: int, now: datetime, seed: int) -> Iterator[_Case]:
    """``n`` cases in filing order, seqs from 1."""
    rng = random.Random(seed)
    villages = [(r.code, r.population) for r in demo.load_regions("33") if r.level == "village"]
    codes, weights = zip(*villages, strict=True)
    states = [s for s, _ in STATES]
    state_w = [w for _, w in STATES]
    start = now - timedelta(days=730)
    # Filing times in order, so seqs follow time as on a live server.
    times = sorted(rng.uniform(0, 730 * 86400) for _ in range(n))
    seq = 0
    for i in range(n):
        region = rng.choices(codes, weights)[0]
        at = start + timedelta(seconds=times[i])
        status = rng.choices(states, state_w)[0]
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
        code = casecode.make_code(region[:6], at.year, hashlib.sha256(key.encode()).digest()[:4])
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
        ops: list[_Op] = []
        state = RecordState(fields={}, clock={}, writer={})
        for j, (fld, val, actor) in enumerate(puts, 1):
            seq += 1
            rep = device if actor else SERVER_REPLICA
            op_id, ts = f"{rep}:{i * 16 + j}", f"{ms:015d}:{j:04x}:{rep}"
            ops.append(_Op(seq, op_id, ts, "case", key, "put", fld, val, actor, at))
            state.fields[fld], state.clock[fld], state.writer[fld] = val, ts, op_id
        view = materialize(state)
        records = [("case", key, _ENC.encode(state), view, seq)]
        prev = "submitted"
        step_at = at
        for k, event in enumerate(path, 1):
            seq += 1
            step_at = step_at + timedelta(hours=rng.uniform(2, 120))
            sms = int(step_at.timestamp() * 1000)
            op_id, ts = f"{SERVER_REPLICA}:{i * 16 + 10 + k}", f"{sms:015d}:0000:{SERVER_REPLICA}"
            value = {"case": key, "event": event, "from": prev, "to": event, "actor": "system",
                     "actor_name": "", "actor_role": "system" if event == "assigned" else "mediator",
                     "reason": "", "at": step_at.isoformat()}  # fmt: skip
            tl_key = f"tl-{i:09d}{k:02d}"
            ops.append(_Op(seq, op_id, ts, "timeline", tl_key, "create", None, value, None, step_at))
            tl_state = RecordState(created=Created(value, ts, op_id))
            records.append(("timeline", tl_key, _ENC.encode(tl_state), materialize(tl_state), seq))
            prev = event
        yield _Case(key, at, ops, records, scopes.case_tags(view), view)


_COPY_SQL = {
    "ops": "COPY ops (seq, op_id, ts, entity, key, kind, field, value, root, actor_id, received_at)"
    " FROM STDIN",
    "records": "COPY records (entity, key, root, state, view, updated_seq) FROM STDIN",
    "scope_members": "COPY scope_members (root, tag) FROM STDIN",
    "scope_log": "COPY scope_log (seq, root, tag, action) FROM STDIN",
    "cases": "COPY cases (key, code, filer_id, trace_hash, summary, description, region, channel, amount,"
    " applicants, category, status, level, org_id, court_org_id, mediator_id, respond_by, resolve_by,"
    " deadline_provisional, paused, paused_at, routed, created_at, updated_at, closed_at) FROM STDIN",
}


def _case_row(c: _Case) -> tuple[Any, ...]:
    row = CaseRow(key=c.key, status="submitted")
    project(row, c.view)
    last = c.ops[-1].at
    closed = last if row.closed_at is not None else None
    return (row.key, row.code, None, row.trace_hash, row.summary, row.description, row.region,
            row.channel, row.amount, row.applicants, row.category, row.status, row.level, row.org_id,
            row.court_org_id, row.mediator_id, row.respond_by, row.resolve_by, row.deadline_provisional,
            row.paused, row.paused_at, row.routed, _naive(c.at), _naive(last),
            _naive(closed) if closed else None)  # fmt: skip


def load_cases(url: str, n: int, now: datetime, seed: int = 12) -> dict[str, int]:
    """COPY ``n`` cases with their ops, records, scope rows and projection (see the module doc)
    into the database at ``url`` (its op log must be empty); returns row counts per table.

    One connection per table: a connection runs one COPY at a time, and the server parses the
    five streams while this process generates the next case.
    """
    counts = dict.fromkeys(_COPY_SQL, 0)
    dsn = _psycopg_dsn(url)
    conns = {t: psycopg.connect(dsn) for t in _COPY_SQL}
    try:
        with conns["ops"].cursor() as cur:
            cur.execute("SELECT count(*) FROM (SELECT 1 FROM ops LIMIT 1) x")
            if (cur.fetchone() or (0,))[0]:
                raise ValueError("load_cases needs an empty op log")
        curs = {t: c.cursor() for t, c in conns.items()}
        copies = {t: curs[t].copy(sql) for t, sql in _COPY_SQL.items()}
        w = {t: cp.__enter__() for t, cp in copies.items()}
        try:
            for c in _cases(n, now, seed):
                for o in c.ops:
                    value = None if o.value is None else json.dumps(o.value, ensure_ascii=False)
                    w["ops"].write_row((o.seq, o.op_id, o.ts, o.entity, o.key, o.kind, o.field, value,
                                        c.key, o.actor, _naive(o.at)))  # fmt: skip
                for entity, key, state, view, seq in c.records:
                    w["records"].write_row((entity, key, c.key, state.decode(),
                                            json.dumps(view, ensure_ascii=False), seq))  # fmt: skip
                first = c.ops[0].seq
                for tag in sorted(c.tags):
                    w["scope_members"].write_row((c.key, tag))
                    w["scope_log"].write_row((first, c.key, tag, "enter"))
                w["cases"].write_row(_case_row(c))
                counts["ops"] += len(c.ops)
                counts["records"] += len(c.records)
                counts["scope_members"] += len(c.tags)
                counts["scope_log"] += len(c.tags)
                counts["cases"] += 1
        finally:
            for cp in copies.values():
                cp.__exit__(None, None, None)
        for conn in conns.values():
            conn.commit()
        with conns["ops"].cursor() as cur:
            cur.execute("SELECT setval(pg_get_serial_sequence('ops', 'seq'), (SELECT max(seq) FROM ops))")
        conns["ops"].commit()
    finally:
        for conn in conns.values():
            conn.close()
    return counts
