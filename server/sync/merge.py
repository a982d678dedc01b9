"""The pure merge: a record's state is the join of the states of its ops (see INTERNALS.md).

Every op becomes a one-op ``RecordState`` (``from_op``) and states combine with ``merge_states``,
a join that is commutative, associative and idempotent. So any order, grouping or duplication of
the same ops gives the same state, and a replica can apply ops as they arrive.
Ops are assumed valid (``ops.validate_op``); merge itself knows no schema.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import msgspec

from server.sync.ops import Op

RecordId = tuple[str, str]  # (entity, key)


class Created(msgspec.Struct):
    """The value of an immutable record's ``create`` op, with its HLC ``ts`` and op ``id``."""

    value: Any
    ts: str
    id: str


class SetElem(msgspec.Struct):
    """One element of an add-wins observed-remove set field."""

    adds: dict[str, str] = {}  # add op id -> its ts
    removed: list[str] = []  # add op ids some remove had seen (sorted, unique)
    removed_before: str = ""  # greatest ts of a remove without ``seen``: older adds are gone

    def live_adds(self) -> list[str]:
        """Ids of the adds no remove has taken away (removed by id, or older than a remove that saw
        none), sorted; the element is present while this is non-empty."""
        gone = set(self.removed)
        return sorted(a for a, ts in self.adds.items() if a not in gone and ts >= self.removed_before)


class RecordState(msgspec.Struct):
    """Everything merged into one record: the winning put per field (LWW on (ts, op id)), the
    add-wins sets and the create value. Merging is commutative, associative and idempotent."""

    fields: dict[str, Any] = {}  # put field -> winning value
    clock: dict[str, str] = {}  # put field -> ts of the winning put
    writer: dict[str, str] = {}  # put field -> id of the winning put (breaks a ts tie)
    sets: dict[str, dict[str, SetElem]] = {}  # set field -> element_key(element) -> SetElem
    created: Created | None = None


def element_key(value: Any) -> str:
    """Canonical JSON of a set element: sorted keys, no spaces, non-ASCII kept as is."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def from_op(op: Op) -> RecordState:
    """The state holding exactly this one op (intents hold nothing)."""
    if op.kind == "intent":
        return RecordState()
    if op.kind == "create":
        return RecordState(created=Created(op.value, op.ts, op.id))
    if op.field is None:
        raise ValueError(f"{op.kind} op {op.id} has no field")
    if op.kind == "put":
        return RecordState(fields={op.field: op.value}, clock={op.field: op.ts}, writer={op.field: op.id})
    if op.kind == "add":
        elem = SetElem(adds={op.id: op.ts})
    elif op.seen is not None:
        elem = SetElem(removed=sorted(set(op.seen)))
    else:
        elem = SetElem(removed_before=op.ts)
    return RecordState(sets={op.field: {element_key(op.value): elem}})


def _copy(state: RecordState) -> RecordState:
    # Values are never mutated by the merge, so sharing them is safe; containers are copied.
    return RecordState(
        fields=dict(state.fields),
        clock=dict(state.clock),
        writer=dict(state.writer),
        sets={
            f: {k: SetElem(dict(e.adds), list(e.removed), e.removed_before) for k, e in elems.items()}
            for f, elems in state.sets.items()
        },
        created=state.created,
    )


def _join_into(dst: RecordState, src: RecordState) -> RecordState:
    for f, ts in src.clock.items():
        if f not in dst.clock or (ts, src.writer[f]) > (dst.clock[f], dst.writer[f]):
            dst.fields[f], dst.clock[f], dst.writer[f] = src.fields[f], ts, src.writer[f]
    for f, elems in src.sets.items():
        mine = dst.sets.setdefault(f, {})
        for k, e in elems.items():
            if k not in mine:
                mine[k] = SetElem(dict(e.adds), list(e.removed), e.removed_before)
                continue
            m = mine[k]
            m.adds.update(e.adds)  # an op id always carries the same ts
            m.removed = sorted(set(m.removed) | set(e.removed))
            m.removed_before = max(m.removed_before, e.removed_before)
    c = src.created
    if c is not None and (dst.created is None or (c.ts, c.id) < (dst.created.ts, dst.created.id)):
        dst.created = c  # the first create wins: a record made once is never replaced
    return dst


def merge_states(a: RecordState, b: RecordState) -> RecordState:
    """The join of two states of the same record; neither argument is changed."""
    return _join_into(_copy(a), b)


def apply(state: RecordState | None, op: Op) -> RecordState:
    """``state`` with ``op`` applied, as a new state (``state`` is not changed)."""
    return merge_states(state or RecordState(), from_op(op))


def materialize(state: RecordState) -> dict[str, Any]:
    """The plain view: the created value's keys (a non-object value under ``"value"``), then put
    fields, then set fields as lists of live elements sorted by ``element_key`` (code-point order)."""
    view: dict[str, Any] = {}
    if state.created is not None:
        value = state.created.value
        view.update(value if isinstance(value, dict) else {"value": value})
    view.update(state.fields)
    for f, elems in state.sets.items():
        view[f] = [json.loads(k) for k in sorted(k for k, e in elems.items() if e.live_adds())]
    return view


def seen_for_remove(state: RecordState | None, field: str, value: Any) -> list[str]:
    """The ids a replica puts in ``seen`` when it removes ``value`` from set ``field``."""
    if state is None:
        return []
    elem = state.sets.get(field, {}).get(element_key(value))
    return elem.live_adds() if elem is not None else []


def fold(ops: Iterable[Op]) -> dict[RecordId, RecordState]:
    """The state of every record any non-intent op touched."""
    states: dict[RecordId, RecordState] = {}
    for op in ops:
        if op.kind == "intent":
            continue
        rid = (op.entity, op.key)
        if rid in states:
            _join_into(states[rid], from_op(op))
        else:
            states[rid] = from_op(op)
    return states


def apply_all(ops: Iterable[Op]) -> dict[RecordId, dict[str, Any]]:
    """Every record's merged view after all ``ops`` (in any order): record id → field → value."""
    return {rid: materialize(state) for rid, state in fold(ops).items()}
