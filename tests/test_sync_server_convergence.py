"""Replicas that file and edit offline and sync with a ``SyncService`` over a lossy network converge.

Like yjs's test connector, as a hypothesis ``RuleBasedStateMachine``: 2–4 citizen devices (the first
two share one principal) and one mediator's device talk to the server over ``MemoryStore`` through
an in-memory network that drops, duplicates and reorders requests and responses; devices go offline
and come back; the server routes some new cases to the mediator's organisation, reassigns cases, and
lets citizens follow others' cases. One device may run ten minutes fast (``clock_ahead``, then it
re-stamps against ``server_time``). A dropped response means the device sends the same ops again.
Half the devices pull with protocol v2 (per-record pages without superseded puts), half with v1.

At the end every device syncs to quiescence with no loss, and then:
- each device's merged state equals the server's records in its principal's scope (no more, no less);
- nothing a device made offline was lost (every op it made is stored, or was rejected for a reason
  the test expects), and every case it filed is on the server and on the device;
- no op was applied twice (the server's op count equals its unique op ids).
Time is a list the test advances: the server and every device read their clocks from it.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from server import casecode
from server.accounts.principal import Principal
from server.sync import wire
from server.sync.hlc import Clock, parse_ts
from server.sync.merge import RecordId, RecordState, apply, materialize, seen_for_remove
from server.sync.ops import Op, Rejection, SyncRequest, SyncResponse
from server.sync.service import Limits, NoHooks, ServerReplica, SyncService, Writer
from server.sync.store import MemoryStore
from server.vocabulary import CATEGORY_IDS

WALL0 = 1_763_779_200_000
WALL0_YEAR = datetime.fromtimestamp(WALL0 / 1000, UTC).year
ORG, OTHER_ORG = "org-330522001008-pmc", "org-330522001-pmc"
ALICE = Principal("u-alice", "citizen")
BOB = Principal("u-bob", "citizen")
CAROL = Principal("u-carol", "citizen")
MEDIATOR = Principal("u-medi", "mediator", org_id=ORG)
TAGS = ["噪音", "漏水", "😀", "急"]


def routed_to_org(key: str) -> bool:
    """The test's routing rule: about half the new cases go to the mediator's organisation."""
    return sum(map(ord, key)) % 2 == 0


class Routing(NoHooks):
    """Routes new cases; accepts a mediator's pause/resume of its org's cases, rejects other intents."""

    def on_intent(self, w: Writer, p: Principal, op: Op, case: Mapping[str, Any]) -> Rejection | None:
        if p.role == "mediator" and case.get("org") == p.org_id and op.field in ("pause", "resume"):
            w.server_put("case", op.key, "paused", op.field == "pause")
            return None
        return super().on_intent(w, p, op, case)

    def after_batch(self, w: Writer, new_cases: set[str], touched_cases: set[str]) -> None:
        for key in sorted(new_cases):
            w.server_put("case", key, "org", ORG if routed_to_org(key) else OTHER_ORG)


class Device:
    """A client as docs/sync.md describes it: an outbox, a cursor, and state built from pulled ops."""

    def __init__(self, name: str, who: Principal, wall: list[int], skew_ms: int, v: int = 1) -> None:
        self.name, self.who, self.wall, self.skew = name, who, wall, skew_ms
        self.v = v  # protocol version: 2 reads per-record pages (server/sync/wire.py)
        self.offset = 0  # the correction learnt from a clock_ahead rejection
        self.clock = Clock(name, self.now)
        self.n = 0
        self.cursor = 0
        self.outbox: list[Op] = []
        self.confirmed: dict[RecordId, RecordState] = {}
        self.online = True
        self.made: dict[str, Op] = {}
        self.rejected: dict[str, str] = {}
        self.filed: set[str] = set()
        self.acked_ts = ""

    def now(self) -> int:
        return self.wall[0] + self.skew + self.offset

    # -- making ops ----------------------------------------------------------------------------
    def op(self, entity: str, key: str, kind: Any, field: str | None, value: Any, seen: Any = None) -> Op:
        self.n += 1
        o = Op(f"{self.name}:{self.n}", self.clock.tick(), entity, key, kind, field, value, seen)
        self.outbox.append(o)
        self.made[o.id] = o
        return o

    def local(self, rid: RecordId) -> RecordState | None:
        """What the device shows: confirmed state plus its own pending ops."""
        state = self.confirmed.get(rid)
        for o in self.outbox:
            if (o.entity, o.key) == rid and o.kind != "intent":
                state = apply(state, o)
        return state

    def own_cases(self) -> list[str]:
        mine = {
            k
            for (e, k), s in self.confirmed.items()
            if e == "case" and s.fields.get("filer") == self.who.user_id
        }
        return sorted(mine | self.filed)

    def org_cases(self) -> list[str]:
        return sorted(k for (e, k), s in self.confirmed.items() if e == "case" and s.fields.get("org") == ORG)

    def file(self, rnd: random.Random, clash: str | None) -> None:
        key = f"{self.name[:4]}{self.n:04d}{rnd.randrange(10**6):06d}"
        # the year of the test's wall clock: the server refuses a code from the future
        code = clash or casecode.make_code("330522", WALL0_YEAR, rnd.randbytes(4))
        self.filed.add(key)
        self.op("case", key, "put", "summary", rnd.choice(["邻居装修噪音扰民", "欠款不还", "宅基地边界"]))
        self.op("case", key, "put", "code", code)
        self.op("case", key, "put", "region", "330522001008")
        self.op("case", key, "put", "channel", "online")
        self.op("party", f"{key}p", "put", "case", key)
        self.op("party", f"{key}p", "put", "name", "王小明")

    def edit(self, rnd: random.Random) -> None:
        if self.who.role == "mediator":
            cases = self.org_cases()
            if not cases:
                return
            key, choice = rnd.choice(cases), rnd.randrange(4)
        else:
            cases = self.own_cases()
            if not cases:
                return
            key, choice = rnd.choice(cases), rnd.randrange(8)
        if choice == 0:
            self.op("case", key, "add", "tags", rnd.choice(TAGS))
        elif choice == 1:
            tag = rnd.choice(TAGS)
            seen = seen_for_remove(self.local(("case", key)), "tags", tag)
            self.op("case", key, "remove", "tags", tag, seen)
        elif choice == 2:
            body = {"case": key, "body": f"{self.name} 的留言 {self.n}"}
            self.op("message", f"{self.name[:4]}m{self.n}x{rnd.randrange(10**6)}", "create", None, body)
        elif choice == 3:
            self.op("case", key, "intent", rnd.choice(["pause", "resume"]), {"reason": "等待材料"})
        elif choice == 4:
            self.op("case", key, "put", "summary", rnd.choice(["改过的摘要", "双方已见面", "🙂"]))
        elif choice == 5:
            self.op("case", key, "put", "amount", rnd.choice([None, 0, 1500, 2.5]))
        elif choice == 6:
            self.op("case", key, "put", "category", rnd.choice([None, *CATEGORY_IDS[:3]]))
        elif ("party", f"{key}p") in self.confirmed or key in self.filed:
            self.op("party", f"{key}p", "put", "phone", rnd.choice(["13900000000", "0572-1234567"]))

    # -- talking to the server ----------------------------------------------------------------
    def request(self, count: int | None = None) -> SyncRequest:
        """The first ``count`` ops of the outbox (all by default): always a prefix, in order."""
        ops = list(self.outbox[:count] if count else self.outbox)
        return SyncRequest(self.name, self.cursor, ops, self.v)

    def receive(self, resp: SyncResponse) -> None:
        ahead = [r for r in resp.rejected if r.code == "clock_ahead"]
        done = set(resp.acked) | {r.id for r in resp.rejected if r.code != "clock_ahead"}
        for r in resp.rejected:
            if r.code != "clock_ahead":
                self.rejected[r.id] = r.code
        for op_id in resp.acked:
            self.acked_ts = max(self.acked_ts, self.made[op_id].ts)
        self.outbox = [o for o in self.outbox if o.id not in done]
        for ev in resp.evict:
            self.confirmed.pop((ev.entity, ev.key), None)
        for c in [*resp.changes, *wire.expand(resp.records)]:
            self.clock.observe(c.ts)
            if c.kind != "intent":
                rid = (c.entity, c.key)
                self.confirmed[rid] = apply(self.confirmed.get(rid), c)
        self.cursor = resp.cursor  # never max(): a stale response moves it back, and that is safe
        if ahead and any(o.id in {r.id for r in ahead} for o in self.outbox):
            self.restamp(resp.server_time)

    def restamp(self, server_time: str) -> None:
        """docs/sync.md, clock_ahead: correct the clock by the server's, restart it, re-stamp the
        outbox in order (same ids: a rejected op was never stored) and send again."""
        self.offset += parse_ts(server_time).ms - self.now()
        self.clock = Clock(self.name, self.now, last=max(server_time, self.acked_ts or server_time))
        restamped = [
            Op(o.id, self.clock.tick(), o.entity, o.key, o.kind, o.field, o.value, o.seen)
            for o in self.outbox
        ]
        self.made.update({o.id: o for o in restamped})
        self.outbox = restamped


class ServerConvergence(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.wall = [WALL0]
        self.server = ServerReplica(lambda: self.wall[0])
        self.svc = SyncService(self.server, Routing())
        self.store = MemoryStore()
        self.flight: list[tuple[str, int, Any]] = []  # ("req" | "resp", device index, message)
        self.devices: list[Device] = []
        self.reassigned: set[str] = set()
        self.followed: dict[str, set[str]] = {}

    @initialize(
        citizens=st.integers(2, 4),
        fast=st.booleans(),
        page_ops=st.integers(2, 40),
        page_bytes=st.sampled_from([1_500, 512 * 1024]),
    )
    def make_devices(self, citizens: int, fast: bool, page_ops: int, page_bytes: int) -> None:
        # Small pages, so pulls are paged (``more``) in the middle of batches and scope changes.
        self.svc.limits = Limits(page_ops=page_ops, page_bytes=page_bytes)
        who = [*[ALICE, ALICE, BOB, CAROL][:citizens], MEDIATOR]
        # The first device may run 10 minutes fast: it learns of it from clock_ahead and re-stamps.
        skews = [*[600_000 if fast else 1_500, -40_000, 25_000, 0][:citizens], -7_000]
        names = [f"dev{i}_{p.user_id}" for i, p in enumerate(who)]
        # Odd devices speak protocol v2 (per-record pages), even ones v1: both must converge alike.
        self.devices = [
            Device(n, p, self.wall, s, v=1 + i % 2)
            for i, (n, p, s) in enumerate(zip(names, who, skews, strict=True))
        ]

    def dev(self, i: int) -> Device:
        return self.devices[i % len(self.devices)]

    # -- what devices do ------------------------------------------------------------------------
    @rule(
        i=st.integers(0, 4), seed=st.integers(0, 2**32), advance=st.integers(-20, 3_000), clash=st.booleans()
    )
    def file_case(self, i: int, seed: int, advance: int, clash: bool) -> None:
        d = self.dev(i)
        if d.who.role != "citizen":
            return
        self.wall[0] += advance
        # A clash reuses a code another case already holds: the server keeps the case, re-codes it.
        codes = sorted(str(r.view["code"]) for r in self.store.records.values() if r.view.get("code"))
        d.file(random.Random(seed), random.Random(seed).choice(codes) if clash and codes else None)

    @rule(
        i=st.integers(0, 4),
        seed=st.integers(0, 2**32),
        advance=st.integers(-20, 3_000),
        times=st.integers(1, 4),
    )
    def edit(self, i: int, seed: int, advance: int, times: int) -> None:
        rnd = random.Random(seed)
        for _ in range(times):
            self.wall[0] += advance
            self.dev(i).edit(rnd)

    @rule(i=st.integers(0, 4), count=st.integers(0, 6))
    def send(self, i: int, count: int) -> None:
        d = self.dev(i)
        if d.online:
            self.flight.append(("req", i % len(self.devices), d.request(count or None)))

    @rule(i=st.integers(0, 4))
    def toggle_connection(self, i: int) -> None:
        self.dev(i).online = not self.dev(i).online

    # -- what the network does ------------------------------------------------------------------
    @precondition(lambda self: self.flight)
    @rule(pick=st.integers(0, 10**6), duplicate=st.booleans())
    def deliver(self, pick: int, duplicate: bool) -> None:
        n = pick % len(self.flight)
        kind, i, msg = self.flight[n] if duplicate else self.flight.pop(n)
        if kind == "req":
            resp = self.svc.sync(self.store, self.dev(i).who, msg, self.wall[0])
            self.flight.append(("resp", i, resp))
        elif self.dev(i).online:
            self.dev(i).receive(msg)

    @precondition(lambda self: self.flight)
    @rule(pick=st.integers(0, 10**6))
    def drop(self, pick: int) -> None:
        self.flight.pop(pick % len(self.flight))

    # -- what the server does on its own ------------------------------------------------------
    def cases(self) -> list[str]:
        return sorted(k for e, k in self.store.records if e == "case")

    @precondition(lambda self: any(e == "case" for e, _ in self.store.records))
    @rule(pick=st.integers(0, 10**6))
    def reassign(self, pick: int) -> None:
        key = self.cases()[pick % len(self.cases())]
        org = self.store.records[("case", key)].view.get("org")
        w = Writer(self.store, self.server, self.wall[0])
        w.server_put("case", key, "org", OTHER_ORG if org == ORG else ORG)
        w.finish()
        self.reassigned.add(key)

    @precondition(lambda self: any(e == "case" for e, _ in self.store.records))
    @rule(pick=st.integers(0, 10**6), who=st.sampled_from([ALICE, BOB, CAROL]))
    def follow_by_qr(self, pick: int, who: Principal) -> None:
        key = self.cases()[pick % len(self.cases())]
        if self.store.add_follower(key, who.user_id):  # what POST /api/v1/follow does
            w = Writer(self.store, self.server, self.wall[0])
            w.server_intent(key, "follow", {})
            w.finish()
            self.followed.setdefault(who.user_id, set()).add(key)

    @invariant()
    def no_op_applied_twice(self) -> None:
        ids = [c.id for c, _ in self.store.ops]
        assert len(ids) == len(set(ids)) == len(self.store.ids)

    # -- the end -----------------------------------------------------------------------------
    def quiesce(self) -> None:
        """Everyone back online, the network lossless: sync until nobody has anything to say."""
        self.flight.clear()
        for d in self.devices:
            d.online = True
        for _ in range(10):
            quiet = True
            for d in self.devices:
                for _ in range(2_000):
                    self.wall[0] += 1_000
                    resp = self.svc.sync(self.store, d.who, d.request(), self.wall[0])
                    quiet = quiet and not resp.acked and not resp.rejected and not resp.changes
                    d.receive(resp)
                    if not d.outbox and not resp.more:
                        break
                else:
                    raise AssertionError(f"{d.name} could not empty its outbox: {d.outbox[:3]}")
            if quiet:
                return
        raise AssertionError("devices never went quiet")

    def teardown(self) -> None:
        if not self.devices:
            return
        self.quiesce()
        log = {c.id: c for c, _ in self.store.ops}
        assert len(log) == len(self.store.ops), "an op was applied twice"
        for d in self.devices:
            tags = d.who.scope_tags()
            expected = {
                rid: rec.state
                for rid, rec in self.store.records.items()
                if self.store.in_scope([rec.root], tags)
            }
            assert d.confirmed == expected, f"{d.name} differs from the server's records in its scope"
            views = {rid: materialize(s) for rid, s in d.confirmed.items()}
            assert views == {rid: self.store.records[rid].view for rid in expected}
            self.check_nothing_lost(d, log)

    def check_nothing_lost(self, d: Device, log: Mapping[str, Op]) -> None:
        for op_id, o in d.made.items():
            code = d.rejected.get(op_id)
            if code is None:
                stored = log[op_id]
                assert (stored.entity, stored.key, stored.kind, stored.field, stored.value, stored.seen) == (
                    o.entity, o.key, o.kind, o.field, o.value, o.seen,
                )  # fmt: skip
            elif code in ("code_taken", "write_once"):
                # The case was kept and given a fresh code; a resent code op then finds it set.
                assert o.field == "code"
            elif code == "not_supported":
                assert o.kind == "intent" and d.who.role == "citizen"
            else:
                # The mediator wrote to a case the server since took away from its organisation.
                assert code in ("forbidden", "not_supported") and d.who.role == "mediator", (op_id, code)
                assert (o.value["case"] if o.entity == "message" else o.key) in self.reassigned
        for key in d.filed:
            rec = self.store.records[("case", key)]
            assert rec.view["filer"] == d.who.user_id
            assert casecode.is_valid(rec.view["code"])
            assert ("case", key) in d.confirmed and ("party", f"{key}p") in d.confirmed


ServerConvergence.TestCase.settings = settings(
    max_examples=150, stateful_step_count=80, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
test_server_convergence = ServerConvergence.TestCase


def test_a_create_cannot_take_over_a_key_that_exists() -> None:
    """A message is made once: a second create on its key (another case's, or an older ts that would
    win the merge) is rejected, so a record never changes root and the server never holds a state
    its clients were not sent."""
    wall = [WALL0]
    svc, store = SyncService(ServerReplica(lambda: wall[0]), Routing()), MemoryStore()
    alice, bob = Device("dev0_alice", ALICE, wall, 0), Device("dev2_bob", BOB, wall, 0)
    rnd = random.Random(7)
    alice.file(rnd, None)
    bob.file(rnd, None)
    case_a, case_b = sorted(alice.filed)[0], sorted(bob.filed)[0]
    wall[0] += 60_000
    alice.op("message", "msg1", "create", None, {"case": case_a, "body": "原来的留言"})
    for d in (alice, bob):
        d.receive(svc.sync(store, d.who, d.request(), wall[0]))
    before = store.records[("message", "msg1")]
    older = Op(
        "dev2_bob:99",
        f"{WALL0:015d}:0000:dev2_bob",
        "message",
        "msg1",
        "create",
        None,
        {"case": case_b, "body": "抢注"},
    )
    same_case = Op(
        "dev0_alice:99",
        f"{WALL0:015d}:0000:dev0_alice",
        "message",
        "msg1",
        "create",
        None,
        {"case": case_a, "body": "改写"},
    )
    got_b = svc.sync(store, BOB, SyncRequest("dev2_bob", bob.cursor, [older]), wall[0])
    got_a = svc.sync(store, ALICE, SyncRequest("dev0_alice", alice.cursor, [same_case]), wall[0])
    assert [r.code for r in got_b.rejected + got_a.rejected] == ["bad_key", "bad_key"]
    assert store.records[("message", "msg1")] == before
    assert store.records_of(case_b) == sorted([("case", case_b), ("party", f"{case_b}p")])
