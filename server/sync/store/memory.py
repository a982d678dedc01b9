"""``MemoryStore``: the op store in dicts, for tests and for reasoning about the contract."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from typing import Any

import msgspec

from server.sync.ops import Change, Op
from server.sync.store.base import OpStore, RecordId, StoredRecord


class MemoryStore(OpStore):
    """Everything in dicts; for tests and for reasoning about the contract."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.ops: list[tuple[Change, str]] = []  # (change, root)
        self.ids: set[str] = set()
        self.records: dict[RecordId, StoredRecord] = {}
        self.scope: dict[str, set[str]] = {}
        self.log: list[tuple[int, str, str, str]] = []  # (seq, root, tag, action)
        self.follow: dict[str, set[str]] = {}
        self.case_index = MemoryCaseIndex()
        self.owners: dict[str, str] = {}
        self.actors: list[str | None] = []

    def lock_for_write(self) -> None:
        pass  # a single-threaded caller per unit of work in tests

    def known_ids(self, ids: Sequence[str]) -> set[str]:
        return {i for i in ids if i in self.ids}

    def claim_replica(self, replica: str, user_id: str) -> str:
        return self.owners.setdefault(replica, user_id)

    def stored_ops(self, ids: Sequence[str]) -> dict[str, tuple[Op, str | None]]:
        wanted = set(ids) & self.ids
        out: dict[str, tuple[Op, str | None]] = {}
        for (c, _root), actor in zip(self.ops, self.actors, strict=True):
            if c.id in wanted:
                fields = msgspec.structs.asdict(c)
                fields.pop("seq")
                out[c.id] = (Op(**fields), actor)
        return out

    def append_many(self, items: Sequence[tuple[int, Op, str, str | None]]) -> None:
        for seq, op, root, actor in items:
            assert seq == len(self.ops) + 1, "seqs must continue the log"
            self.ops.append((Change(**msgspec.structs.asdict(op), seq=seq), root))
            self.actors.append(actor)
            self.ids.add(op.id)

    def get_record(self, rid: RecordId) -> StoredRecord | None:
        return self.records.get(rid)

    def put_record(self, rid: RecordId, rec: StoredRecord) -> None:
        self.records[rid] = rec

    def records_of(self, root: str) -> list[RecordId]:
        return sorted(rid for rid, r in self.records.items() if r.root == root)

    def members(self, root: str) -> set[str]:
        return set(self.scope.get(root, set()))

    def set_members(self, root: str, tags: set[str], seq: int) -> None:
        old = self.scope.get(root, set())
        for t in sorted(tags - old):
            self.log.append((seq, root, t, "enter"))
        for t in sorted(old - tags):
            self.log.append((seq, root, t, "leave"))
        self.scope[root] = set(tags)

    def followers(self, root: str) -> set[str]:
        return set(self.follow.get(root, set()))

    def followed_roots(self) -> list[str]:
        return sorted(r for r, users in self.follow.items() if users)

    def add_follower(self, root: str, user_id: str) -> bool:
        s = self.follow.setdefault(root, set())
        new = user_id not in s
        s.add(user_id)
        return new

    def max_seq(self) -> int:
        return len(self.ops)

    def changes(self, tags: Sequence[str], since: int, upto: int, limit: int) -> list[Change]:
        t = set(tags)
        out = [c for c, root in self.ops[since:upto] if self.scope.get(root, set()) & t]
        return out[:limit]

    def scope_events(self, tags: Sequence[str], since: int, upto: int) -> list[tuple[str, str]]:
        t = set(tags)
        hits = [(seq, root, act) for seq, root, tag, act in self.log if since < seq <= upto and tag in t]
        return [(root, act) for _, root, act in sorted(hits, key=lambda h: h[0])]  # stable: seq order

    def in_scope(self, roots: Iterable[str], tags: Sequence[str]) -> set[str]:
        t = set(tags)
        return {r for r in roots if self.scope.get(r, set()) & t}

    def history(self, roots: Sequence[str], upto: int) -> list[Change]:
        rs = set(roots)
        return [c for c, root in self.ops[:upto] if root in rs]


class MemoryCaseIndex:
    """Codes to case keys: all the memory store needs to find a case by its code."""

    def __init__(self) -> None:
        self.codes: dict[str, str] = {}

    def project(self, key: str, view: dict[str, Any]) -> None:
        self.codes = {c: k for c, k in self.codes.items() if k != key}
        if view.get("code"):
            self.codes[str(view["code"])] = key

    def find_code(self, code: str) -> str | None:
        return self.codes.get(code)
