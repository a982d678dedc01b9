"""Wire messages of ``POST /api/v1/sync`` (DESIGN.md §2) and the shape check of one op.

``validate_op`` checks only what an op *is* (ids, clock, schema, sizes); what the caller may
write is decided by the server's scope layer afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import msgspec

from server.decoding import has_bad_text
from server.sync.fields import KEY_RE, SCHEMA, field_spec
from server.sync.hlc import MAX_SKEW_MS, REPLICA_RE, is_too_far_ahead, parse_ts

PROTOCOL_VERSIONS = (1, 2)  # v2 pages are per record (server/sync/wire.py); v1 clients still answered
MAX_BATCH_OPS = 1000
MAX_SEEN = 1000

Kind = Literal["put", "add", "remove", "create", "intent"]

_OP_ID = re.compile(rf"({REPLICA_RE}):(0|[1-9][0-9]{{0,15}})")
_KEY = re.compile(KEY_RE)


class Op(msgspec.Struct, frozen=True):
    """One change made on one replica, never edited. ``field`` is None only for ``create``.
    ``seen`` (remove only): ids of the add ops of that element the remover had observed."""

    id: str
    ts: str
    entity: str
    key: str
    kind: Kind
    field: str | None = None
    value: Any = None
    seen: list[str] | None = None


class Change(Op, frozen=True, kw_only=True):
    """An op the server accepted, with its position in the server's log."""

    seq: int


class RecordChanges(msgspec.Struct, frozen=True, omit_defaults=True):
    """The changes of one record in a v2 pull page (server/sync/wire.py): each put field's winning
    ``[value, ts, n]`` and every create/add/remove as ``[kind, field, value, ts, n, seen]``, in log
    order; ``n`` is the op id without the replica its ``ts`` names. Empty ``puts``/``ops`` are left
    out."""

    entity: str
    key: str
    puts: dict[str, tuple[Any, str, str]] = {}
    ops: list[tuple[Kind, str | None, Any, str, str, list[str] | None]] = []


class SyncRequest(msgspec.Struct, frozen=True):
    """One POST /sync: the device's replica id, its pull cursor (a seq), up to ``MAX_BATCH_OPS`` ops
    to push, and the protocol version ``v`` it reads (1: pages of ``changes``; 2: ``records``)."""

    # \Z, not $: "$" would also match before a trailing newline
    replica: Annotated[str, msgspec.Meta(pattern=f"^{REPLICA_RE}\\Z")]
    since: Annotated[int, msgspec.Meta(ge=0)] = 0
    ops: Annotated[list[Op], msgspec.Meta(max_length=MAX_BATCH_OPS)] = []
    v: int = 1  # a client that names no version is an old one


class Rejection(msgspec.Struct, frozen=True):
    """An op the server did not store: its id, a stable code and a Chinese message."""

    id: str
    code: str
    message: str


class Evict(msgspec.Struct, frozen=True):
    """A record the device must drop: it left the principal's scope."""

    entity: str
    key: str


class SyncResponse(msgspec.Struct, frozen=True, kw_only=True):
    """The answer to a sync: the new cursor, what was stored or refused, one page of changes
    (``more`` when another page waits) and the records to evict. The page is ``changes`` for a v1
    request and ``records`` (one entry per record, server/sync/wire.py) for v2; the other is empty."""

    cursor: int
    acked: list[str] = []
    rejected: list[Rejection] = []
    changes: list[Change] = []
    records: list[RecordChanges] = []
    evict: list[Evict] = []
    more: bool = False
    server_time: str  # the server's HLC now: a client re-stamps against it after ``clock_ahead``
    v: int = 1  # the request's version


MESSAGES: dict[str, str] = {
    "bad_id": "操作编号格式不正确",
    "bad_ts": "时间戳格式不正确",
    "clock_ahead": "设备时间比服务器快太多，请校准手机时间后重新同步",
    "unknown_entity": "未知的记录类型",
    "bad_key": "记录编号格式不正确",
    "bad_kind": "该记录不支持这种操作",
    "unknown_field": "未知字段",
    "bad_value": "字段值不正确",
    "too_large": "内容超出长度限制",
    "server_only_field": "该字段只能由服务器设置",
}


def reject(op_id: str, code: str, detail: str = "", messages: Mapping[str, str] = MESSAGES) -> Rejection:
    """The rejection of ``op_id`` with ``code``'s message from ``messages`` (the shape codes here,
    or the scope layer's), ``detail`` appended after a full-width colon. KeyError for an unknown
    code (a programming error, never the client's)."""
    message = messages[code] + (f"：{detail}" if detail else "")
    return Rejection(op_id, code, message)


def op_replica(op_id: str) -> str | None:
    """The replica part of a well-formed op id, else None."""
    m = _OP_ID.fullmatch(op_id)
    return m[1] if m else None


def validate_op(
    op: Op, *, server_now_ms: int, max_skew_ms: int = MAX_SKEW_MS, as_server: bool = False
) -> Rejection | None:
    """The first shape problem of ``op`` as a Rejection, or None when its shape is fine.

    ``as_server`` admits server-only fields and records (for ops the server makes itself).
    """
    replica = op_replica(op.id)
    if replica is None:
        return reject(op.id, "bad_id")
    try:
        ts = parse_ts(op.ts)
    except ValueError:
        return reject(op.id, "bad_ts")
    if ts.replica != replica:
        return reject(op.id, "bad_ts", "时间戳的副本与操作编号不一致")
    if is_too_far_ahead(op.ts, server_now_ms, max_skew_ms):
        return reject(op.id, "clock_ahead")
    entity = SCHEMA.get(op.entity)
    if entity is None:
        return reject(op.id, "unknown_entity", op.entity)
    if _KEY.fullmatch(op.key) is None:
        return reject(op.id, "bad_key")
    if op.kind not in entity.kinds:
        return reject(op.id, "bad_kind", f"{op.entity} 不支持 {op.kind}")
    spec = field_spec(op.entity, op.kind, op.field)
    if spec is None:
        return reject(op.id, "unknown_field", f"{op.entity}.{op.field}")
    if spec.server_only and not as_server:
        return reject(op.id, "server_only_field", f"{op.entity}.{op.field or op.kind}")
    if (problem := spec.check.check(op.value)) is not None:
        return reject(op.id, problem[0], f"{op.field or op.entity}：{problem[1]}")
    if has_bad_text(op.value):  # NUL and other controls (PostgreSQL cannot store a NUL)
        return reject(op.id, "bad_value", "含有不允许的控制字符")
    return _check_seen(op)


def _check_seen(op: Op) -> Rejection | None:
    if op.seen is None:
        return None
    if op.kind != "remove":
        return reject(op.id, "bad_value", "只有删除操作可以带 seen")
    if len(op.seen) > MAX_SEEN:
        return reject(op.id, "too_large", f"seen 最多 {MAX_SEEN} 项")
    if any(op_replica(seen) is None for seen in op.seen):
        return reject(op.id, "bad_value", "seen 中有格式不正确的操作编号")
    return None
