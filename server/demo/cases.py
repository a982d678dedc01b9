"""Demo cases for the cockpit, the inboxes and the trace: a year of filings through the real path.

``seed_demo_cases(db, n)`` files ``n`` fictitious cases over the past 12 months exactly as devices
and mediators would: each filing is a sync push (``SyncService.push``) of a citizen's or the grid
worker's ops, classified and routed by ``RoutingService`` in the same transaction; later moves
(accepted, resolved, failed, withdrawn, declined, confirmation, court filing) are transition intents
pushed by the assigned organisation's mediator, the filer or the court clerk. Nothing is written
behind the workflow's back except the two projection timestamps below.

Pinned clocks: every event runs at its own moment in the past — the client ops' HLC stamps, the
server replica's clock, ``push(now_ms=…)`` and the routing service's ``clock`` all read one pinned
time — so timelines, deadlines and timers carry plausible dates. Events run in time order across
all cases, so every HLC only moves forward.

Backdating: the ``cases`` projection stamps ``created_at`` (and ``closed_at``, ``updated_at``)
with the database's wall clock when it inserts or updates the row (server/sync/projection.py), not
with the op's time. The cockpit counts cases by ``created_at``, so right after each push we set
those columns to the pinned time, in the same transaction as the push: a crash can never leave a
case stored with the seeding day as its filing day.

Planted patterns, so the risk page shows each kind of warning: a spike of 拖欠工资 cases in
夹浦镇 in the last 6 days, one respondent named in 4 cases in the last 80 days (with the phone written
three ways), and two open group disputes (12 and 8 applicants). And fresh, open cases in the demo
village and its township, so the demo mediators' inboxes have work on the first login.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from server import casecode
from server.accounts.models import User
from server.accounts.principal import Principal
from server.cockpit import rollup
from server.db import Database
from server.demo.plan import (
    EVENTS_PER_TRANSACTION,
    KEY_PREFIX,
    DemoReport,
    Plan,
    Progress,
    make_plan,
    transition_value,
)
from server.registry.area import Area
from server.registry.models import Mediator, Org, Region
from server.routing.service import RoutingService
from server.sync.hlc import Clock
from server.sync.models import CaseRow
from server.sync.ops import Op, SyncRequest
from server.sync.service import ServerReplica, SyncService
from server.sync.store import SqlStore


# -- running it through the real path ------------------------------------------------------------
class _PinnedClock:
    def __init__(self) -> None:
        self.at = datetime.now(UTC)

    def ms(self) -> int:
        return int(self.at.timestamp() * 1000)

    def now(self) -> datetime:
        return self.at


class _Actor:
    def __init__(self, principal: Principal, clock: _PinnedClock, name: str) -> None:
        self.p = principal
        self.replica = f"demo_{name}"[:64]
        self.hlc = Clock(self.replica, clock.ms)
        self.n = 0

    def op(self, entity: str, key: str, kind: str, fld: str | None, value: Any) -> Op:
        self.n += 1
        return Op(f"{self.replica}:{self.n}", self.hlc.tick(), entity, key, kind, fld, value)  # type: ignore[arg-type]


def _filing_ops(a: _Actor, p: Plan) -> list[Op]:
    ops = [
        a.op("case", p.key, "put", "code", p.code),
        a.op("case", p.key, "put", "summary", p.summary),
        a.op("case", p.key, "put", "region", p.region),
        a.op("case", p.key, "put", "trace_hash", casecode.trace_hash(p.token)),
    ]
    # Defaults (online, one applicant) are left unwritten, as the PWA's form does.
    if p.channel != "online":
        ops.append(a.op("case", p.key, "put", "channel", p.channel))
    if p.applicants != 1:
        ops.append(a.op("case", p.key, "put", "applicants", p.applicants))
    if p.amount is not None:
        ops.append(a.op("case", p.key, "put", "amount", p.amount))
    if p.category:
        ops.append(a.op("case", p.key, "put", "category", p.category))
    parties = (
        ("a", "applicant", p.applicant[0], p.applicant[1], p.applicant[2]),
        ("r", "respondent", p.respondent[0], p.respondent[1], ""),
    )
    for suffix, role, name, phone, idn in parties:
        pk = f"{p.key}-{suffix}"
        ops.append(a.op("party", pk, "put", "case", p.key))
        ops.append(a.op("party", pk, "put", "role", role))
        ops.append(a.op("party", pk, "put", "name", name))
        if phone:
            ops.append(a.op("party", pk, "put", "phone", phone))
        if idn:
            ops.append(a.op("party", pk, "put", "id_number", idn))
    return ops


def seed_demo_cases(
    db: Database,
    n: int = 600,
    *,
    seed: int = 7,
    progress: Progress | None = None,
    now: datetime | None = None,
    area: Area | None = None,
) -> DemoReport:
    """File ``n`` demo cases over the past 12 months through sync and routing (see module doc).

    ``area`` is the served area (``JIEFEN_AREA``; 长兴县 when None): routing refuses cases of regions
    outside it, exactly as the server would. Only cases the server stored are counted in
    ``report.cases``; a refused filing counts in ``report.rejected`` and its later moves are skipped.
    Does nothing (returns an empty report) when demo cases exist already or the registry is empty.
    """
    started = time.perf_counter()
    report = progress or (lambda stage, done, total: None)
    now = (now or datetime.now(UTC)).astimezone(UTC)
    out = DemoReport()
    with db.session() as s:
        if s.scalar(select(CaseRow.key).where(CaseRow.key.startswith(KEY_PREFIX)).limit(1)) is not None:
            return out
        regions = s.execute(select(Region.code, Region.parent, Region.level, Region.population)).all()
        if not regions:
            return out
        villages: dict[str, list[str]] = {}
        town_pop: dict[str, int] = {}
        for code, parent, level, pop in regions:
            if level == "village" and parent:
                villages.setdefault(parent, []).append(code)
            elif level == "town":
                town_pop[code] = int(pop or 0)
        citizens = [f"demo-citizen-{i:03d}" for i in range(1, 61)]
        have = set(s.scalars(select(User.id).where(User.id.in_(citizens))))
        s.add_all(User(id=u, role="citizen", name="") for u in citizens if u not in have)
        g = s.execute(select(User.id, User.region).where(User.role == "grid_worker").limit(1)).first()
        grid = (g[0], g[1]) if g and g[1] else None
        mediators = {m.id: (m.name, m.user_id) for m in s.scalars(select(Mediator))}
        # Each county's court and one of its clerks (a case goes to the court of its county).
        courts = {
            str(r): str(o) for r, o in s.execute(select(Org.region, Org.id).where(Org.level == "court"))
        }
        clerks: dict[str, str] = {}
        for uid, org_id in s.execute(select(User.id, User.org_id).where(User.role == "court_clerk")):
            if org_id:
                clerks.setdefault(str(org_id), str(uid))
    plans = make_plan(n, seed, now, villages, town_pop, citizens, grid)
    rng = random.Random(seed + 1)

    clock = _PinnedClock()
    server = ServerReplica(now_ms=clock.ms)
    routing = RoutingService(db, clock=clock.now, area=area)
    sync = SyncService(server, hooks=routing)
    actors: dict[str, _Actor] = {}

    def actor(p: Principal) -> _Actor:
        if p.user_id not in actors:
            actors[p.user_id] = _Actor(p, clock, p.user_id.replace(".", "_"))
        return actors[p.user_id]

    events: list[tuple[datetime, int, int, str]] = []  # (time, plan index, step, move)
    for i, p in enumerate(plans):
        events.append((p.at, i, 0, "file"))
        events.extend((t, i, j, m) for j, (t, m) in enumerate(p.moves, 1))
    events.sort()
    total = len(events)
    filed: set[int] = set()  # plan indexes whose filing the server stored
    last_filed = -1
    for lo in range(0, total, EVENTS_PER_TRANSACTION):
        with db.session() as s:
            store = SqlStore(s)
            for at, i, _, move in events[lo : lo + EVENTS_PER_TRANSACTION]:
                clock.at = at
                plan = plans[i]
                if move != "file" and i not in filed:
                    out.skipped += 1  # its filing was refused: nothing to move
                    continue
                if move == "file":
                    filer = actor(Principal(plan.filer, plan.filer_role))
                    ops = _filing_ops(filer, plan)
                    who = filer
                else:
                    court = courts.get(plan.region[:6] + "000000")
                    clerk = clerks.get(court or "")
                    who_p = _mover(s, plan, move, mediators, court, clerk)
                    if who_p is None:
                        out.skipped += 1
                        continue
                    who = actor(who_p)
                    ops = [who.op("case", plan.key, "intent", "transition", transition_value(move, rng))]
                req = SyncRequest(replica=who.replica, ops=ops)
                _, rejected = sync.push(store, who.p, req, clock.ms())
                out.rejected += len(rejected)
                if move == "file" and s.get(CaseRow, plan.key) is None:
                    continue  # refused (e.g. a region outside the served area)
                _backdate(s, plan.key, at, filed=move == "file")
                if move == "file":
                    filed.add(i)
                    last_filed = i
                    out.cases += 1
                else:
                    out.moves += 1
            report("演示案件", min(lo + EVENTS_PER_TRANSACTION, total), total)
    if last_filed >= 0:
        last = plans[last_filed]
        out.sample_code, out.sample_token = last.code, last.token
    out.seconds = round(time.perf_counter() - started, 2)
    return out


def _mover(
    s: Session,
    plan: Plan,
    move: str,
    mediators: dict[str, tuple[str, str | None]],
    court: str | None,
    clerk: str | None,
) -> Principal | None:
    """Who makes ``move`` on the case now: the filer, the court clerk, or the assigned mediator.

    None when the case was declined with no level left to take it (its planned path ends there).
    """
    row = s.execute(
        select(CaseRow.org_id, CaseRow.mediator_id, CaseRow.status, CaseRow.court_org_id).where(
            CaseRow.key == plan.key
        )
    ).first()
    if row is None:
        return None
    org, med, status, case_court = row
    court = case_court or court  # only the case's own court may confirm or file it
    if move == "withdrawn":
        return Principal(plan.filer, plan.filer_role)
    if status == "declined" or org is None:
        return None
    if move in ("confirmed", "filed"):
        return (
            Principal(clerk or "demo-court-clerk", "court_clerk", "法院书记员", org_id=court)
            if court
            else None
        )
    name, user = mediators.get(med or "", ("调解员", None))
    return Principal(user or f"demo-{med or org}", "mediator", name, org_id=org, mediator_id=med)


def _backdate(s: Session, key: str, at: datetime, *, filed: bool) -> None:
    """Give the projection the event's time instead of the seeding time (see the module doc)."""
    values: dict[str, Any] = {
        "updated_at": at,
        # closed_at was stamped "now" if this event closed the case; an earlier closing keeps its time
        "closed_at": case((CaseRow.closed_at > at, at), else_=CaseRow.closed_at),
    }
    if filed:
        values["created_at"] = at
        row = s.get(CaseRow, key)
        if row is not None:  # else its filing was refused
            # The cockpit counts a case under its filing day: move it there too (rollup.py).
            counted = rollup.key_of_row(row)
            rollup.count_change(s, counted, rollup.key_of(at, row.region, row.status, bool(row.accepted)))
    s.execute(update(CaseRow).where(CaseRow.key == key).values(**values))


__all__ = ["DemoReport", "make_plan", "seed_demo_cases"]  # make_plan and DemoReport: server/demo/plan.py
