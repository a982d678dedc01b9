"""Sync protocol v2's compact page: one entry per record instead of one whole op per change.

A v1 pull page is a list of ``Change``s, each repeating ``entity``, ``key``, ``seq`` and the op id's
replica (which its ``ts`` already carries). A v2 page groups the same changes by record and drops
what cannot change the state a client ends with:

- of several puts of one field in the page, only the winner (greatest ``(ts, id)``) — last-writer-wins
  keeps exactly that one, whatever else the client holds (merge.py: the join of the winner with any
  state equals the join of all of them with it);
- intents (they hold no state; merge ignores them);
- ``seq`` (the page's ``cursor`` is all a client keeps) and the replica in each id.

Creates, adds and removes are kept whole: an observed-remove set needs every add id and every
``seen``. So for any op set ``B``: ``state(expand(group(A)) ∪ B) == state(A ∪ B)``
(tests/test_sync_wire.py checks this as a property; tests/vectors/wire_v2.json pins the shape for
the PWA's decoder, pwa/src/sync/wire.ts).

Shapes (JSON): ``{"entity", "key", "puts": {field: [value, ts, n]}, "ops": [[kind, field, value,
ts, n, seen]]}`` where ``n`` is the op id without its replica (``"17"`` for ``"abcdefgh:17"``; the
replica is the last part of ``ts``), or the whole id when its replica is not the ts's (never for
ops the server stored: ``validate_op`` refuses that, but a full id still round-trips).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from server.sync.ops import Op, RecordChanges


def ts_replica(ts: str) -> str:
    """The replica of an HLC ``{ms}:{counter}:{replica}`` (replicas hold no colon)."""
    return ts.split(":", 2)[-1]


def short_id(op_id: str, ts: str) -> str:
    """``op_id`` without the replica its ``ts`` names (``"7"``), or the whole id if they differ."""
    prefix = ts_replica(ts) + ":"
    return op_id[len(prefix) :] if op_id.startswith(prefix) else op_id


def full_id(n: str, ts: str) -> str:
    """Inverse of ``short_id``: an ``n`` holding a colon is a whole id already."""
    return n if ":" in n else f"{ts_replica(ts)}:{n}"


def group(changes: Iterable[Op]) -> list[RecordChanges]:
    """A page of changes (log order) as one ``RecordChanges`` per record, sorted by (entity, key),
    superseded puts and intents dropped (module doc). Pure.

    Sorted, because gzip finds more to reuse when records of one kind sit together (4 % fewer bytes
    on a town committee's fresh install than in first-change order); the merge ignores order."""
    winners: dict[tuple[str, str], dict[str, Op]] = {}
    others: dict[tuple[str, str], list[Op]] = {}
    for op in changes:
        if op.kind == "intent":
            continue
        rid = (op.entity, op.key)
        if rid not in winners:
            winners[rid], others[rid] = {}, []
        if op.kind == "put" and op.field is not None:
            cur = winners[rid].get(op.field)
            if cur is None or (op.ts, op.id) > (cur.ts, cur.id):
                winners[rid][op.field] = op
        else:
            others[rid].append(op)
    return [
        RecordChanges(
            entity=rid[0],
            key=rid[1],
            puts={f: (op.value, op.ts, short_id(op.id, op.ts)) for f, op in winners[rid].items()},
            ops=[(op.kind, op.field, op.value, op.ts, short_id(op.id, op.ts), op.seen) for op in others[rid]],
        )
        for rid in sorted(winners)
    ]


def expand(records: Sequence[RecordChanges]) -> list[Op]:
    """The ops a v2 page stands for (what a client stores); inverse of ``group`` up to the dropped
    superseded puts and intents. Pure."""
    out: list[Op] = []
    for r in records:
        for field, (value, ts, n) in r.puts.items():
            out.append(Op(full_id(n, ts), ts, r.entity, r.key, "put", field, value))
        for kind, set_field, value, ts, n, seen in r.ops:
            out.append(Op(full_id(n, ts), ts, r.entity, r.key, kind, set_field, value, seen))
    return out
