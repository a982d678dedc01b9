"""Sync protocol v2's per-record page (server/sync/wire.py): a client that stores the compact page
ends in exactly the state it would reach from the whole page, whatever else it holds or receives."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

from server.db import Database
from server.sync import wire
from server.sync.merge import apply_all, fold
from server.sync.ops import Change, Op, RecordChanges
from tests.conftest import login, new_device
from tests.synctools import Device
from tests.test_sync_api import op_count
from tests.test_sync_merge import op_lists

VECTOR = Path(__file__).parent / "vectors" / "wire_v2.json"


class WireVector(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    description: str
    changes: list[Change]
    records: list[RecordChanges]
    expected: dict[str, dict[str, Any]]


def states(ops: list[Op]) -> dict[tuple[str, str], Any]:
    return fold(ops)


def elsewhere(op: Op) -> Op:
    """The same op made by another replica (``…Q``): an op id names one op only, so the two lists
    drawn independently must not reuse each other's ids."""
    replica = wire.ts_replica(op.ts)
    return msgspec.structs.replace(
        op, id=op.id.replace(replica, replica + "Q", 1), ts=op.ts.removesuffix(replica) + replica + "Q"
    )


@settings(max_examples=200, deadline=None)
@given(op_lists(), op_lists(), st.randoms(use_true_random=False))
def test_compact_page_merges_to_the_same_state_as_the_whole_page(
    page: list[Op], other: list[Op], rnd: random.Random
) -> None:
    """For any page A and anything else B the client holds or gets later (even before A):
    state(expand(group(A)) ∪ B) == state(A ∪ B), clocks and op ids included."""
    other = [elsewhere(o) for o in other]
    compact = wire.expand(wire.group(page))
    mixed = compact + other
    rnd.shuffle(mixed)
    assert states(mixed) == states(page + other)


@settings(max_examples=100, deadline=None)
@given(op_lists())
def test_compact_page_keeps_every_op_but_superseded_puts_and_intents(page: list[Op]) -> None:
    kept = {op.id for op in wire.expand(wire.group(page))}
    for op in page:
        if op.kind in ("create", "add", "remove"):
            assert op.id in kept
        elif op.kind == "intent":
            assert op.id not in kept
    winners = {
        (o.entity, o.key, o.field): o for o in sorted(page, key=lambda o: (o.ts, o.id)) if o.kind == "put"
    }
    assert {o.id for o in winners.values()} == {
        o.id for o in wire.expand(wire.group(page)) if o.kind == "put"
    }


def test_ids_lose_only_the_replica_their_ts_names() -> None:
    ts = "001763779201000:0000:alicePhone"
    assert wire.short_id("alicePhone:17", ts) == "17"
    assert wire.full_id("17", ts) == "alicePhone:17"
    # an id whose replica is not the ts's (never stored, but must survive the round trip)
    assert wire.short_id("bobTablet1:3", ts) == "bobTablet1:3"
    assert wire.full_id("bobTablet1:3", ts) == "bobTablet1:3"


def test_shared_vector_pins_the_shape_and_the_view() -> None:
    """tests/vectors/wire_v2.json is what pwa/tests/wire.test.ts decodes: the same page as v1 changes,
    as v2 records, and the view both give."""
    vector = msgspec.json.decode(VECTOR.read_bytes(), type=WireVector)
    assert wire.group(vector.changes) == vector.records
    expanded = {f"{e}/{k}": v for (e, k), v in apply_all(wire.expand(vector.records)).items()}
    whole = {f"{e}/{k}": v for (e, k), v in apply_all(vector.changes).items()}
    assert expanded == whole == vector.expected
    assert len(json.dumps(msgspec.to_builtins(vector.records))) < len(
        json.dumps(msgspec.to_builtins(vector.changes))
    )


def test_a_v2_pull_gives_the_same_records_as_a_v1_pull(client: TestClient[Any]) -> None:
    filer = Device(client, login(client, "grid"))
    for i in range(6):
        filer.file_case(f"w2c{i:02d}", f"第 {i} 件：鸡鸭进了别人家的菜地")
        filer.put("party", f"w2p{i:02d}", "case", f"w2c{i:02d}")
        filer.put("party", f"w2p{i:02d}", "name", "李大婶")
        filer.put("case", f"w2c{i:02d}", "summary", f"第 {i} 件：改过一次的说明")
    filer.sync()
    old, new = Device(client, login(client, "grid"), v=1), Device(client, login(client, "grid"), v=2)
    old.sync()
    new.sync()
    assert new.last["changes"] == [] and new.last["v"] == 2
    assert old.last.get("records", []) == [] and old.last["v"] == 1
    assert new.states.keys() == old.states.keys() and len(new.states) >= 12
    for rid in old.states:
        assert new.view(*rid) == old.view(*rid)
    assert new.view("case", "w2c03")["summary"] == "第 3 件：改过一次的说明"  # type: ignore[index]


@pytest.mark.parametrize("v", [3, 0, -1, 10**30, "2", None, True, 2.5, [2]])
def test_a_hostile_protocol_version_is_400_in_chinese_and_stores_nothing(
    client: TestClient[Any], db: Database, v: Any
) -> None:
    d = Device(client, new_device(client))
    d.file_case("hostv1", "有人拿奇怪的版本号来同步")
    before = op_count(db)
    body = {"replica": d.replica, "since": 0, "ops": d.outbox, "v": v}
    r = client.post("/api/v1/sync", headers=d.headers, json=body)
    assert r.status_code == 400, r.text
    assert "同步" in r.json()["detail"]
    assert op_count(db) == before
    d.sync()  # the same ops with a good version are stored
    assert op_count(db) > before and d.view("case", "hostv1") is not None
