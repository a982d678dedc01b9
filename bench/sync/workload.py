"""What the simulated devices send: new cases as sync ops (Jiefen) and as documents (pouchdb-server).

A case is filed the way the PWA and ``tests/synctools.py`` file it: five ``put`` ops (code, summary,
region, channel, trace_hash) with op ids ``{replica}:{n}`` and HLC stamps
``{ms:015d}:{c:04x}:{replica}``. For pouchdb-server the same case is one document with the same
five fields. Bodies are encoded before a phase starts, so the load generator spends its time on
HTTP, not on building payloads.
"""

from __future__ import annotations

import itertools
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import msgspec

from server import casecode

CASE_FIELDS = ("code", "summary", "region", "channel", "trace_hash")
OPS_PER_CASE = len(CASE_FIELDS)
REGION = "330522001008"
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_SUMMARIES = (
    "邻居装修噪音扰民，晚上十点后仍在施工，多次沟通未果",
    "宅基地边界争议，两家围墙相差约半米，村里调解过一次",
    "拖欠工资三个月共计一万二千元，老板称资金周转困难",
    "婚姻家庭纠纷：离婚后子女探视时间无法达成一致",
    "物业费争议，业主认为电梯长期故障，拒绝缴纳物业费",
    "交通事故赔偿：电动车与小轿车碰擦，医疗费分担有分歧",
    "山林承包合同到期后续包价格争议，涉及三户村民",
    "楼上漏水导致楼下天花板发霉，维修费用分担不一致",
)


def ulid() -> str:
    """A ULID-shaped key (48-bit milliseconds + 80 random bits, Crockford base32)."""
    n = (int(time.time() * 1000) << 80) | int.from_bytes(secrets.token_bytes(10), "big")
    return "".join(_CROCKFORD[(n >> (5 * i)) & 31] for i in reversed(range(26)))


class Hlc:
    """The client's hybrid logical clock (same format as server/sync/hlc.py)."""

    def __init__(self, replica: str) -> None:
        self.replica = replica
        self.ms = 0
        self.c = 0

    def tick(self) -> str:
        now = int(time.time() * 1000)
        if now > self.ms:
            self.ms, self.c = now, 0
        else:
            self.c += 1
        return f"{self.ms:015d}:{self.c:04x}:{self.replica}"


def new_case(n: int) -> dict[str, Any]:
    """The fields of one new case (as a person files it on the phone)."""
    return {
        "code": casecode.make_code("330522", 2026),
        "summary": f"{_SUMMARIES[n % len(_SUMMARIES)]}（第{n}号）",
        "region": REGION,
        "channel": "online",
        "trace_hash": casecode.trace_hash(casecode.new_trace_token()),
    }


@dataclass
class Device:
    """One simulated phone: a bearer token, a replica id, its clock and its sync cursor."""

    token: str
    replica: str = field(default_factory=lambda: f"bench_{secrets.token_hex(8)}")
    cursor: int = 0

    def __post_init__(self) -> None:
        self.clock = Hlc(self.replica)
        self.n = itertools.count(1)
        self.headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        self.prefix = b'{"replica":"' + self.replica.encode() + b'","since":'

    def case_ops(self, cases: int) -> list[dict[str, Any]]:
        ops: list[dict[str, Any]] = []
        for _ in range(cases):
            key, fields = ulid(), new_case(secrets.randbelow(10_000))
            for name in CASE_FIELDS:
                ops.append(
                    {
                        "id": f"{self.replica}:{next(self.n)}",
                        "ts": self.clock.tick(),
                        "entity": "case",
                        "key": key,
                        "kind": "put",
                        "field": name,
                        "value": fields[name],
                    }
                )
        return ops

    def batches(self, total_ops: int, batch: int) -> list[tuple[bytes, int]]:
        """``total_ops`` ops of new cases cut into encoded batches: (ops JSON, op count)."""
        ops = self.case_ops(-(-total_ops // OPS_PER_CASE))[:total_ops]
        return [
            (msgspec.json.encode(ops[i : i + batch]), len(ops[i : i + batch]))
            for i in range(0, len(ops), batch)
        ]

    def body(self, ops_json: bytes = b"[]") -> bytes:
        return self.prefix + str(self.cursor).encode() + b',"ops":' + ops_json + b"}"


def pouch_bulks(clients: int, rounds: int, batch: int) -> list[list[bytes]]:
    """For each pouch client, ``rounds`` encoded ``_bulk_docs`` bodies of ``batch`` case documents."""
    out = []
    for _ in range(clients):
        bodies = []
        for _ in range(rounds):
            docs = [{"_id": ulid(), **new_case(secrets.randbelow(10_000))} for _ in range(batch)]
            bodies.append(msgspec.json.encode({"docs": docs}))
        out.append(bodies)
    return out


class SyncReply(msgspec.Struct):
    """The parts of a sync response the benchmark looks at (changes are counted, not decoded)."""

    cursor: int
    acked: list[str] = []
    rejected: list[dict[str, Any]] = []
    changes: list[msgspec.Raw] = []
    more: bool = False


class ChangesReply(msgspec.Struct):
    """pouchdb-server's ``_changes`` response."""

    results: list[msgspec.Raw]
    last_seq: Any


decode_sync = msgspec.json.Decoder(SyncReply).decode
decode_changes = msgspec.json.Decoder(ChangesReply).decode
