"""The merge is a join: any order, grouping or duplication of the same ops gives the same state."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from server.sync.merge import RecordState, apply, apply_all, fold, materialize, merge_states, seen_for_remove
from server.sync.ops import Op

A, B = "alicePhone", "bobTablet1"
K = "k1"


def ts(ms: int, c: int = 0, r: str = A) -> str:
    return f"{ms:015d}:{c:04x}:{r}"


def put(n: int, ms: int, value: Any, field: str = "summary", r: str = A, c: int = 0) -> Op:
    return Op(f"{r}:{n}", ts(ms, c, r), "case", K, "put", field, value)


def add(n: int, ms: int, value: str, r: str = A) -> Op:
    return Op(f"{r}:{n}", ts(ms, 0, r), "case", K, "add", "tags", value)


def remove(n: int, ms: int, value: str, seen: list[str] | None, r: str = B) -> Op:
    return Op(f"{r}:{n}", ts(ms, 0, r), "case", K, "remove", "tags", value, seen)


def view(*ops: Op) -> dict[str, Any]:
    return apply_all(ops)[("case", K)]


def test_later_put_wins_in_either_order() -> None:
    old, new = put(1, 1000, "旧"), put(1, 2000, "新", r=B)
    assert view(old, new) == view(new, old) == {"summary": "新"}


def test_equal_ts_is_broken_by_op_id() -> None:
    # Only a broken client stamps two ops alike; the result must still not depend on order.
    one, two = put(1, 1000, "一"), put(2, 1000, "二")
    assert view(one, two) == view(two, one) == {"summary": "二"}


def test_put_of_null_is_a_value() -> None:
    assert view(put(1, 1000, 5, "amount"), put(2, 2000, None, "amount")) == {"amount": None}


def test_apply_returns_a_new_state_and_leaves_the_old_one_alone() -> None:
    first = apply(None, put(1, 1000, "旧"))
    second = apply(first, put(2, 2000, "新"))
    assert materialize(first) == {"summary": "旧"}
    assert materialize(second) == {"summary": "新"}


def test_seen_for_remove_names_the_live_adds() -> None:
    state = fold([add(1, 1000, "噪音"), add(1, 1100, "噪音", r=B), add(2, 1200, "其他")])[("case", K)]
    seen = seen_for_remove(state, "tags", "噪音")
    assert seen == [f"{A}:1", f"{B}:1"]
    gone = apply(state, remove(9, 1300, "噪音", seen))
    assert seen_for_remove(gone, "tags", "噪音") == []
    assert materialize(gone) == {"tags": ["其他"]}
    assert seen_for_remove(None, "tags", "噪音") == []


def test_remove_arriving_before_its_add_still_removes_it() -> None:
    a = add(1, 1000, "噪音")
    assert view(remove(1, 2000, "噪音", [a.id]), a) == {"tags": []}


def test_view_layers_created_value_then_puts_then_sets() -> None:
    created = Op(f"{A}:1", ts(1), "notification", K, "create", None, {"user": "u1", "title": "受理"})
    read = Op(f"{A}:2", ts(2), "notification", K, "put", "read", True)
    assert apply_all([read, created]) == {("notification", K): {"user": "u1", "title": "受理", "read": True}}


def test_a_created_value_that_is_not_an_object_shows_as_value() -> None:
    created = Op(f"{A}:1", ts(1), "message", K, "create", None, "只有文字")
    assert apply_all([created]) == {("message", K): {"value": "只有文字"}}


# --- properties -----------------------------------------------------------------------------------

REPLICAS = ["alicePhone", "bobTablet1", "ZuluPhone1"]


@st.composite
def op_lists(draw: st.DrawFn, max_size: int = 24) -> list[Op]:
    """Random ops over few records, fields and elements so that they collide a lot.
    Some share a ts (same replica, ms and counter) to exercise the id tie-break."""
    specs = draw(
        st.lists(st.tuples(st.integers(0, 2), st.integers(0, 6), st.integers(0, 2)), max_size=max_size)
    )
    ops: list[Op] = []
    add_ids: list[str] = []
    for i, (r, ms, c) in enumerate(specs):
        replica = REPLICAS[r]
        op_id, stamp = f"{replica}:{i}", ts(ms, c, replica)
        entity, key = draw(st.sampled_from([("case", "k1"), ("case", "k2"), ("message", "m1")]))
        if entity == "message":
            body = draw(st.sampled_from(["甲", "乙", "丙"]))
            ops.append(Op(op_id, stamp, entity, key, "create", None, {"case": "k1", "body": body}))
            continue
        kind = draw(st.sampled_from(["put", "put", "add", "add", "remove", "intent"]))
        if kind == "put":
            field = draw(st.sampled_from(["summary", "amount"]))
            ops.append(
                Op(op_id, stamp, entity, key, "put", field, draw(st.sampled_from(["x", "y", 1, None])))
            )
        elif kind == "intent":
            ops.append(Op(op_id, stamp, entity, key, "intent", "transition", {"to": "accepted"}))
        else:
            field = draw(st.sampled_from(["tags", "evidence"]))
            elem = draw(st.sampled_from(["a", "b", "😀"]))
            if kind == "remove" and draw(st.booleans()):
                seen = draw(st.lists(st.sampled_from(add_ids), max_size=3)) if add_ids else []
                ops.append(Op(op_id, stamp, entity, key, "remove", field, elem, seen))
            elif kind == "remove":
                ops.append(Op(op_id, stamp, entity, key, "remove", field, elem))
            else:
                ops.append(Op(op_id, stamp, entity, key, "add", field, elem))
                add_ids.append(op_id)
    return ops


def state_of(ops: list[Op]) -> RecordState:
    state = RecordState()
    for op in ops:
        state = apply(state, op)
    return state


@settings(max_examples=150, deadline=None)
@given(op_lists(), st.randoms(use_true_random=False))
def test_any_order_and_duplication_gives_the_same_view(ops: list[Op], rnd: random.Random) -> None:
    noisy = ops + [rnd.choice(ops) for _ in range(len(ops) // 2)] if ops else []
    rnd.shuffle(noisy)
    assert apply_all(noisy) == apply_all(ops)
    assert apply_all(reversed(ops)) == apply_all(ops)


@settings(max_examples=150, deadline=None)
@given(op_lists(), st.randoms(use_true_random=False))
def test_incremental_apply_equals_fold(ops: list[Op], rnd: random.Random) -> None:
    by_record: dict[tuple[str, str], RecordState | None] = {}
    for op in rnd.sample(ops, len(ops)):
        if op.kind != "intent":
            by_record[(op.entity, op.key)] = apply(by_record.get((op.entity, op.key)), op)
    assert by_record == fold(ops)


@settings(max_examples=150, deadline=None)
@given(op_lists(), st.lists(st.integers(0, 2), min_size=24, max_size=24))
def test_merge_states_is_a_join(ops: list[Op], parts: list[int]) -> None:
    """Split one record's ops into three replicas' states: merging is commutative, associative,
    idempotent, and gives the state of all ops together."""
    mine = [op for op in ops if op.key == "k1" and op.entity == "case"]
    a, b, c = (state_of([op for op, p in zip(mine, parts, strict=False) if p == i]) for i in range(3))
    assert merge_states(a, b) == merge_states(b, a)
    assert merge_states(merge_states(a, b), c) == merge_states(a, merge_states(b, c))
    assert merge_states(a, a) == a
    assert merge_states(merge_states(a, b), b) == merge_states(a, b)
    assert merge_states(merge_states(a, b), c) == state_of(mine)
