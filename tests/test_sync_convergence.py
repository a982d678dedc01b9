"""Replicas that edit offline and swap ops over a lossy network converge once every op is delivered.

Like yjs's test connector: a seeded network drops, duplicates and reorders messages, and replicas
disconnect. At every step, two replicas holding the same ops show the same records; at the end,
after a full exchange, all replicas show the same records.
"""

from __future__ import annotations

import random
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from server.sync.hlc import Clock
from server.sync.merge import RecordId, RecordState, apply, apply_all, materialize, seen_for_remove
from server.sync.ops import Op

NAMES = ["alicePhone", "bobTablet1", "carolPC001", "serverMain"]
KEYS = ["01JDA", "01JDB"]
TAGS = ["噪音", "漏水", "😀"]


class Replica:
    def __init__(self, name: str, wall: list[int], skew_ms: int) -> None:
        self.clock = Clock(name, lambda: wall[0] + skew_ms)
        self.name = name
        self.n = 0
        self.log: dict[str, Op] = {}
        self.states: dict[RecordId, RecordState] = {}
        self.online = True

    def receive(self, op: Op) -> None:
        if op.id in self.log:
            return
        self.clock.observe(op.ts)
        self.log[op.id] = op
        if op.kind != "intent":
            rid = (op.entity, op.key)
            self.states[rid] = apply(self.states.get(rid), op)

    def edit(self, rnd: random.Random) -> Op:
        self.n += 1
        stamp = self.clock.tick()
        assert all(stamp > seen.ts for seen in self.log.values()), "HLC must order after all it saw"
        key = rnd.choice(KEYS)
        choice = rnd.randrange(6)
        kind: Any
        field: str | None
        value: Any
        seen = None
        if choice == 0:
            kind, field, value = "put", rnd.choice(["summary", "amount"]), rnd.choice(["甲", "乙", 3, None])
        elif choice == 1:
            kind, field, value = "add", "tags", rnd.choice(TAGS)
        elif choice == 2:
            kind, field, value = "remove", "tags", rnd.choice(TAGS)
            if rnd.random() < 0.7:
                seen = seen_for_remove(self.states.get(("case", key)), field, value)
        elif choice == 3:
            kind, field, value = "intent", "transition", {"to": "accepted"}
        elif choice == 4:
            kind, field, value = "put", "read", rnd.choice([True, False])
        else:
            kind, field, value = "create", None, {"case": key, "body": f"{self.name} 的留言"}
        entity = "message" if kind == "create" else "notification" if field == "read" else "case"
        op = Op(f"{self.name}:{self.n}", stamp, entity, key, kind, field, value, seen)
        self.receive(op)
        return op

    def view(self) -> dict[RecordId, dict[str, Any]]:
        return {rid: materialize(state) for rid, state in self.states.items()}


class Network:
    """Messages in flight: (destination, ops). Delivery picks any message, so order is random."""

    def __init__(self, replicas: list[Replica], rnd: random.Random) -> None:
        self.replicas, self.rnd = replicas, rnd
        self.flight: list[tuple[int, list[Op]]] = []

    def send(self, src: int, dst: int) -> None:
        ops = list(self.replicas[src].log.values())
        if self.replicas[src].online and ops:
            self.flight.append((dst, self.rnd.sample(ops, self.rnd.randint(1, len(ops)))))

    def deliver(self, i: int, *, keep_copy: bool = False) -> None:
        dst, ops = self.flight[i] if keep_copy else self.flight.pop(i)
        if self.replicas[dst].online:
            for op in ops:
                self.replicas[dst].receive(op)

    def flood(self) -> None:
        """Reconnect everyone and deliver every op everywhere, duplicated and shuffled."""
        for r in self.replicas:
            r.online = True
        everything = [op for r in self.replicas for op in r.log.values()]
        for r in self.replicas:
            for op in self.rnd.sample(everything, len(everything)) + everything[:3]:
                r.receive(op)
        self.flight.clear()


def assert_consistent(replicas: list[Replica]) -> None:
    by_log: dict[frozenset[str], dict[RecordId, dict[str, Any]]] = {}
    for r in replicas:
        assert r.view() == apply_all(r.log.values()), "incremental state differs from a batch replay"
        expected = by_log.setdefault(frozenset(r.log), r.view())
        assert r.view() == expected, "two replicas with the same ops disagree"


def assert_converged(replicas: list[Replica]) -> None:
    assert len({frozenset(r.log) for r in replicas}) == 1
    views = [r.view() for r in replicas]
    assert all(v == views[0] for v in views)


def simulate(seed: int, steps: int) -> list[Replica]:
    rnd = random.Random(seed)
    wall = [1_763_779_200_000]
    replicas = [Replica(name, wall, rnd.randint(-60_000, 60_000)) for name in NAMES]
    net = Network(replicas, rnd)
    for step in range(steps):
        if step % 25 == 0:
            assert_consistent(replicas)
        wall[0] += rnd.choice([-5, 0, 1, 1, 7, 300])  # the wall clock sometimes steps back
        action = rnd.random()
        if action < 0.35:
            rnd.choice(replicas).edit(rnd)
        elif action < 0.55:
            net.send(rnd.randrange(len(replicas)), rnd.randrange(len(replicas)))
        elif action < 0.8 and net.flight:
            net.deliver(rnd.randrange(len(net.flight)), keep_copy=rnd.random() < 0.2)
        elif action < 0.9 and net.flight:
            net.flight.pop(rnd.randrange(len(net.flight)))  # dropped
        else:
            victim = rnd.choice(replicas)
            victim.online = not victim.online
    assert_consistent(replicas)
    net.flood()
    return replicas


def test_seeded_lossy_network_converges() -> None:
    for seed in range(25):
        replicas = simulate(seed, steps=250)
        assert_converged(replicas)
        assert replicas[0].view(), "the simulation should have made some records"


class LossyNetworkMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.rnd = random.Random(0)
        self.wall = [1_763_779_200_000]
        self.replicas = [
            Replica(name, self.wall, skew) for name, skew in zip(NAMES, [0, -30_000, 45_000, 5], strict=True)
        ]
        self.net = Network(self.replicas, self.rnd)

    @rule(who=st.integers(0, 3), seed=st.integers(0, 2**16), advance=st.integers(-10, 500))
    def edit(self, who: int, seed: int, advance: int) -> None:
        self.wall[0] += advance
        self.rnd.seed(seed)
        self.replicas[who].edit(self.rnd)

    @rule(src=st.integers(0, 3), dst=st.integers(0, 3))
    def send(self, src: int, dst: int) -> None:
        self.net.send(src, dst)

    @precondition(lambda self: self.net.flight)
    @rule(pick=st.integers(0, 10**6), duplicate=st.booleans())
    def deliver(self, pick: int, duplicate: bool) -> None:
        self.net.deliver(pick % len(self.net.flight), keep_copy=duplicate)

    @precondition(lambda self: self.net.flight)
    @rule(pick=st.integers(0, 10**6))
    def drop(self, pick: int) -> None:
        self.net.flight.pop(pick % len(self.net.flight))

    @rule(who=st.integers(0, 3))
    def toggle_connection(self, who: int) -> None:
        self.replicas[who].online = not self.replicas[who].online

    @invariant()
    def same_ops_same_view(self) -> None:
        assert_consistent(self.replicas)

    def teardown(self) -> None:
        self.net.flood()
        assert_converged(self.replicas)


LossyNetworkMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=40, deadline=None)
test_lossy_network_state_machine = LossyNetworkMachine.TestCase
