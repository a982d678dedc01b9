"""Golden vectors shared with the PWA (pwa/src/sync): op lists and the view they must give.

Format and view rules: server/sync/INTERNALS.md. Each vector must give its ``expected`` view
for any order and duplication of its ops.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import msgspec
import pytest

from server.sync.merge import apply_all
from server.sync.ops import Op, validate_op

VECTORS = sorted((Path(__file__).parent / "vectors").glob("sync_*.json"))
SERVER_REPLICA = "serverMain"


class Vector(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    description: str
    ops: list[Op]
    expected: dict[str, dict[str, Any]]


def load(path: Path) -> Vector:
    return msgspec.json.decode(path.read_bytes(), type=Vector)


def view(ops: list[Op]) -> dict[str, dict[str, Any]]:
    return {f"{entity}/{key}": record for (entity, key), record in apply_all(ops).items()}


def orders(ops: list[Op]) -> list[list[Op]]:
    shuffled = []
    for seed in range(8):
        rnd = random.Random(seed)
        noisy = ops + [rnd.choice(ops) for _ in range(len(ops))]
        rnd.shuffle(noisy)
        shuffled.append(noisy)
    return [ops, ops[::-1], *shuffled]


def test_there_are_enough_vectors() -> None:
    assert len(VECTORS) >= 10


@pytest.mark.parametrize("path", VECTORS, ids=lambda p: p.stem)
def test_vector_gives_expected_view_in_any_order(path: Path) -> None:
    vector = load(path)
    for ops in orders(vector.ops):
        assert view(ops) == vector.expected


@pytest.mark.parametrize("path", VECTORS, ids=lambda p: p.stem)
def test_vector_ops_are_valid_wire_ops(path: Path) -> None:
    """Vectors show real traffic: client replicas write only what a client may write."""
    for op in load(path).ops:
        as_server = op.id.startswith(f"{SERVER_REPLICA}:")
        assert validate_op(op, server_now_ms=2_000_000_000_000, as_server=as_server) is None, op
