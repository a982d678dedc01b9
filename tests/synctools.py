"""A minimal sync client for tests: makes ops with an HLC, keeps merged state, talks to the API."""

from __future__ import annotations

import itertools
import secrets
import time
from typing import Any

import msgspec
from litestar.testing import TestClient

from server import casecode
from server.db import Database
from server.sync import wire
from server.sync.hlc import Clock
from server.sync.merge import RecordState, apply, materialize
from server.sync.ops import Op, RecordChanges
from server.sync.service import ServerReplica, Writer
from server.sync.store import SqlStore


class Device:
    def __init__(
        self, client: TestClient[Any], headers: dict[str, str], replica: str | None = None, v: int = 1
    ) -> None:
        """``v``: the sync protocol version it reads (1: ``changes``; 2: per-record ``records``)."""
        self.client = client
        self.v = v
        self.headers = headers
        self.replica = replica or f"dev_{secrets.token_hex(6)}"
        self.clock = Clock(self.replica, lambda: int(time.time() * 1000))
        self.n = itertools.count(1)
        self.cursor = 0
        self.states: dict[tuple[str, str], RecordState] = {}
        self.outbox: list[dict[str, Any]] = []
        self.last: dict[str, Any] = {}

    def op(
        self, entity: str, key: str, kind: str, field: str | None = None, value: Any = None, **extra: Any
    ) -> dict[str, Any]:
        op = {
            "id": f"{self.replica}:{next(self.n)}",
            "ts": self.clock.tick(),
            "entity": entity,
            "key": key,
            "kind": kind,
            "field": field,
            "value": value,
            **extra,
        }
        self.outbox.append(op)
        return op

    def put(self, entity: str, key: str, field: str, value: Any) -> dict[str, Any]:
        return self.op(entity, key, "put", field, value)

    def file_case(
        self, key: str, summary: str, region: str = "330522001008", **fields: Any
    ) -> tuple[str, str]:
        """Queue the ops of a new case; returns (code, trace token)."""
        code = casecode.make_code(region[:6], 2026)
        token = casecode.new_trace_token()
        self.put("case", key, "code", code)
        self.put("case", key, "summary", summary)
        self.put("case", key, "region", region)
        self.put("case", key, "channel", fields.pop("channel", "online"))
        self.put("case", key, "trace_hash", casecode.trace_hash(token))
        for f, v in fields.items():
            self.put("case", key, f, v)
        return code, token

    def sync(self, expect: int = 200) -> dict[str, Any]:
        while True:
            r = self.client.post(
                "/api/v1/sync",
                headers=self.headers,
                json={"replica": self.replica, "since": self.cursor, "ops": self.outbox, "v": self.v},
            )
            assert r.status_code == expect, r.text
            if expect != 200:
                return dict(r.json())
            body: dict[str, Any] = r.json()
            self.last = body
            done = set(body["acked"]) | {x["id"] for x in body["rejected"]}
            self.outbox = [o for o in self.outbox if o["id"] not in done]
            for ev in body["evict"]:
                self.states.pop((ev["entity"], ev["key"]), None)
            pulled = [Op(**{k: v for k, v in c.items() if k != "seq"}) for c in body["changes"]]
            pulled += wire.expand(msgspec.convert(body.get("records", []), list[RecordChanges]))
            for op in pulled:
                self.clock.observe(op.ts)
                if op.kind != "intent":
                    rid = (op.entity, op.key)
                    self.states[rid] = apply(self.states.get(rid), op)
            self.cursor = body["cursor"]
            if not body["more"]:
                return body

    def view(self, entity: str, key: str) -> dict[str, Any] | None:
        st = self.states.get((entity, key))
        return materialize(st) if st is not None else None

    def keys(self, entity: str) -> set[str]:
        return {k for e, k in self.states if e == entity}


def server_put(db: Database, key: str, **fields: Any) -> None:
    """What routing/workflow do: server writes of case fields through the op log, at the wall clock."""
    with db.session() as s:
        store = SqlStore(s)
        store.lock_for_write()
        w = Writer(store, ServerReplica(), int(time.time() * 1000))
        for f, v in fields.items():
            w.server_put("case", key, f, v)
        w.finish()
