"""The op store: one interface, an in-memory and an SQL implementation (SQLite and PostgreSQL).

The sync service (``service.py``) holds the rules; a store only keeps ops, merged record states and
scope membership, and answers the range reads a pull needs. ``tests/test_sync_store.py`` runs one
contract suite over every implementation.

Required semantics (every implementation):
- ``append`` gives strictly increasing ``seq`` numbers; once ``commit`` returns, an op with a
  smaller seq can never appear later (writers are serialised by ``lock_for_write``), so a client
  that has seen seq N has seen everything up to N in its scope.
- ``changes`` returns ops of roots currently in the given tags' scope, ascending by seq.
- Scope changes are logged with the seq of the batch that caused them (``scope_events``).
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import and_, delete, event, func, insert, select, text, tuple_
from sqlalchemy.orm import Session

from server.db import utcnow
from server.sync.merge import RecordState
from server.sync.models import (
    BlobRef,
    CaseRow,
    Follow,
    OpRow,
    RecordRow,
    ReplicaOwner,
    ScopeLogRow,
    ScopeMember,
)
from server.sync.ops import Change, Op
from server.sync.projection import project

RecordId = tuple[str, str]


@dataclass
class StoredRecord:
    root: str
    state: RecordState
    view: dict[str, Any]
    seq: int


class OpStore(ABC):
    """Storage for one unit of work (a sync request)."""

    @abstractmethod
    def lock_for_write(self) -> None:
        """Serialise writers until commit, so seq order equals commit order."""

    @abstractmethod
    def known_ids(self, ids: Sequence[str]) -> set[str]: ...

    @abstractmethod
    def append_many(self, items: Sequence[tuple[int, Op, str, str | None]]) -> None:
        """Store (seq, op, root, actor) rows; the caller numbered them from ``max_seq()`` while
        holding the writer lock, so the numbers are free and in commit order."""

    def append(self, op: Op, root: str, actor: str | None) -> int:
        """Store one op and return its seq (the writer lock must be held)."""
        seq = self.max_seq() + 1
        self.append_many([(seq, op, root, actor)])
        return seq

    def prefetch(self, rids: Iterable[RecordId]) -> None:  # noqa: B027 — an optional optimisation
        """Load these records ahead in one read (SQL stores); later ``get_record`` calls are free."""

    def assume_new(self, rid: RecordId) -> None:  # noqa: B027 — an optional optimisation
        """The caller just made this key up (a random id): skip looking it up."""

    def set_members_many(self, items: dict[str, tuple[set[str], int]]) -> None:
        """``set_members`` for many roots: root -> (tags, seq)."""
        for root, (tags, seq) in items.items():
            self.set_members(root, tags, seq)

    def followers_many(self, roots: Sequence[str]) -> dict[str, set[str]]:
        return {r: self.followers(r) for r in roots}

    def followed_roots(self) -> list[str]:
        """Every case root someone follows by QR."""
        return []

    @abstractmethod
    def claim_replica(self, replica: str, user_id: str) -> str:
        """The principal owning ``replica``; an unowned replica becomes ``user_id``'s now.

        Called under the writer lock, so two first pushes cannot both claim one replica.
        """

    @abstractmethod
    def stored_ops(self, ids: Sequence[str]) -> dict[str, tuple[Op, str | None]]:
        """The stored op and its principal (None for the server) for each of ``ids`` already stored."""

    def trace_view(self, case_key: str) -> dict[str, Any] | None:
        """The public trace of a case as plain JSON (what its QR followers read), None if unknown.

        This default builds it from the stored records (no organisation name, no filing time);
        ``SqlStore`` answers exactly what ``GET /api/v1/trace/{code}`` answers.
        """
        from server.qr.trace import CaseFacts, build_trace

        case = self.get_record(("case", case_key))
        if case is None:
            return None
        v = case.view
        children = [r for rid in self.records_of(case_key) if (r := self.get_record(rid)) is not None]
        facts = CaseFacts(
            str(v.get("code") or ""),
            str(v.get("status") or "submitted"),
            v.get("category"),
            v.get("level"),
            None,
            None,
            None,
        )
        trace = build_trace(
            facts,
            v.get("org"),
            [r.view for r in children if r.view.get("role") is not None and r.view.get("case") == case_key],
            [r.view for r in children if r.view.get("event") is not None],
        )
        return dict(msgspec.to_builtins(trace))

    @abstractmethod
    def get_record(self, rid: RecordId) -> StoredRecord | None: ...

    @abstractmethod
    def put_record(self, rid: RecordId, rec: StoredRecord) -> None: ...

    @abstractmethod
    def records_of(self, root: str) -> list[RecordId]: ...

    @abstractmethod
    def members(self, root: str) -> set[str]: ...

    @abstractmethod
    def set_members(self, root: str, tags: set[str], seq: int) -> None:
        """Make ``root``'s tags exactly ``tags``, logging enters and leaves at ``seq``."""

    @abstractmethod
    def followers(self, root: str) -> set[str]: ...

    @abstractmethod
    def add_follower(self, root: str, user_id: str) -> bool:
        """True when ``user_id`` did not follow ``root`` before."""

    @abstractmethod
    def max_seq(self) -> int: ...

    @abstractmethod
    def changes(self, tags: Sequence[str], since: int, upto: int, limit: int) -> list[Change]:
        """Ops with since < seq <= upto on roots in scope of ``tags``, ascending, at most ``limit``."""

    @abstractmethod
    def scope_events(self, tags: Sequence[str], since: int, upto: int) -> list[tuple[str, str]]:
        """(root, action) for enter/leave events of ``tags`` with since < seq <= upto, in seq order."""

    @abstractmethod
    def in_scope(self, roots: Iterable[str], tags: Sequence[str]) -> set[str]: ...

    @abstractmethod
    def history(self, roots: Sequence[str], upto: int) -> list[Change]:
        """Every op of ``roots`` with seq <= upto, ascending (for a root that entered a scope)."""

    @abstractmethod
    def project_case(self, key: str, view: dict[str, Any]) -> None:
        """Keep the typed case projection (``cases`` table) in step with the case record."""

    @abstractmethod
    def find_code(self, code: str) -> str | None:
        """The key of the case holding ``code``, if any."""

    def commit(self) -> None:  # noqa: B027 — SQL stores commit through their session
        """Make the unit of work durable (the caller's session does it for SQL)."""


# --------------------------------------------------------------------------------------------
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
        self.codes: dict[str, str] = {}
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

    def project_case(self, key: str, view: dict[str, Any]) -> None:
        self.codes = {c: k for c, k in self.codes.items() if k != key}
        if view.get("code"):
            self.codes[str(view["code"])] = key

    def find_code(self, code: str) -> str | None:
        return self.codes.get(code)


# --------------------------------------------------------------------------------------------
_generation = [0]


@event.listens_for(Session, "after_commit")
def _count_log_writes(session: Session) -> None:
    if session.info.pop("jiefen_wrote_ops", False):
        _generation[0] += 1


@event.listens_for(Session, "after_rollback")
def _forget_log_writes(session: Session) -> None:
    session.info.pop("jiefen_wrote_ops", None)


def log_generation() -> int:
    """Grows each time a transaction that appended ops commits in this process (cheap change check)."""
    return _generation[0]


_STATE = msgspec.json.Encoder()
_STATE_DECODER = msgspec.json.Decoder(RecordState)
_WRITER_LOCK_KEY = 0x4A46_5359  # "JFSY": the advisory lock id of sync writers on PostgreSQL


# What a pull reads of an op: everything a client needs, nothing it must not see (actor, root).
_CHANGE_COLUMNS = select(
    OpRow.seq,
    OpRow.op_id,
    OpRow.ts,
    OpRow.entity,
    OpRow.key,
    OpRow.kind,
    OpRow.field,
    OpRow.value,
    OpRow.seen,
)


class SqlStore(OpStore):
    """The op log in SQL; works on SQLite and PostgreSQL through one SQLAlchemy session."""

    def __init__(self, session: Session) -> None:
        self.s = session
        # Rows looked up in this unit of work, None for known-absent: saves a SELECT per record.
        self._rows: dict[RecordId, RecordRow | None] = {}
        self._cases: dict[str, CaseRow | None] = {}
        self.pg = session.get_bind().dialect.name == "postgresql"

    def lock_for_write(self) -> None:
        # SQLite: BEGIN IMMEDIATE (see db.py) already holds the single writer lock.
        if self.pg:
            self.s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _WRITER_LOCK_KEY})

    def known_ids(self, ids: Sequence[str]) -> set[str]:
        if not ids:
            return set()
        return set(self.s.scalars(select(OpRow.op_id).where(OpRow.op_id.in_(list(ids)))))

    def claim_replica(self, replica: str, user_id: str) -> str:
        row = self.s.get(ReplicaOwner, replica)
        if row is not None:
            return row.user_id
        # A replica that pushed before owners were kept: its first op's principal owns it.
        pattern = replica.replace("_", r"\_") + ":%"
        first = self.s.scalar(
            select(OpRow.actor_id)
            .where(OpRow.op_id.like(pattern, escape="\\"), OpRow.actor_id.is_not(None))
            .order_by(OpRow.seq)
            .limit(1)
        )
        owner = first or user_id
        self.s.add(ReplicaOwner(replica=replica, user_id=owner))
        self.s.flush()
        return owner

    def stored_ops(self, ids: Sequence[str]) -> dict[str, tuple[Op, str | None]]:
        if not ids:
            return {}
        rows = self.s.execute(
            select(
                OpRow.op_id,
                OpRow.ts,
                OpRow.entity,
                OpRow.key,
                OpRow.kind,
                OpRow.field,
                OpRow.value,
                OpRow.seen,
                OpRow.actor_id,
            ).where(OpRow.op_id.in_(list(ids)))
        )
        return {
            r.op_id: (Op(r.op_id, r.ts, r.entity, r.key, r.kind, r.field, r.value, r.seen), r.actor_id)
            for r in rows
        }

    def append_many(self, items: Sequence[tuple[int, Op, str, str | None]]) -> None:
        if not items:
            return
        self.s.info["jiefen_wrote_ops"] = True  # see ``log_generation``
        now = utcnow()
        # One executemany through Core: a batch of 500 ops is one round trip, not 500.
        self.s.execute(
            insert(OpRow),
            [
                {
                    "seq": seq,
                    "op_id": op.id,
                    "ts": op.ts,
                    "entity": op.entity,
                    "key": op.key,
                    "kind": op.kind,
                    "field": op.field,
                    "value": op.value,
                    "seen": op.seen,
                    "root": root,
                    "actor_id": actor,
                    "received_at": now,
                }
                for seq, op, root, actor in items
            ],
        )

    def prefetch(self, rids: Iterable[RecordId]) -> None:
        wanted = [rid for rid in set(rids) if rid not in self._rows]
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            self._rows.update(dict.fromkeys(chunk))
            found = self.s.scalars(
                select(RecordRow).where(tuple_(RecordRow.entity, RecordRow.key).in_(chunk))
            )
            self._rows.update({(r.entity, r.key): r for r in found})
            keys = [k for e, k in chunk if e == "case" and k not in self._cases]
            if keys:
                self._cases.update(dict.fromkeys(keys))
                self._cases.update(
                    {c.key: c for c in self.s.scalars(select(CaseRow).where(CaseRow.key.in_(keys)))}
                )

    def assume_new(self, rid: RecordId) -> None:
        self._rows.setdefault(rid, None)

    def _row(self, rid: RecordId) -> RecordRow | None:
        if rid not in self._rows:
            self._rows[rid] = self.s.get(RecordRow, rid)
        return self._rows[rid]

    def get_record(self, rid: RecordId) -> StoredRecord | None:
        row = self._row(rid)
        if row is None:
            return None
        state = _STATE_DECODER.decode(_STATE.encode(row.state))
        return StoredRecord(row.root, state, dict(row.view), row.updated_seq)

    def put_record(self, rid: RecordId, rec: StoredRecord) -> None:
        state = msgspec.to_builtins(rec.state)
        row = self._row(rid)
        if row is None:
            row = RecordRow(
                entity=rid[0], key=rid[1], root=rec.root, state=state, view=rec.view, updated_seq=rec.seq
            )
            self.s.add(row)
            self._rows[rid] = row
        else:
            row.root, row.state, row.view, row.updated_seq = rec.root, state, rec.view, rec.seq

    def records_of(self, root: str) -> list[RecordId]:
        rows = self.s.execute(
            select(RecordRow.entity, RecordRow.key)
            .where(RecordRow.root == root)
            .order_by(RecordRow.entity, RecordRow.key)
        )
        return [(e, k) for e, k in rows]

    def members(self, root: str) -> set[str]:
        return set(self.s.scalars(select(ScopeMember.tag).where(ScopeMember.root == root)))

    def set_members(self, root: str, tags: set[str], seq: int) -> None:
        old = self.members(root)
        enter, leave = sorted(tags - old), sorted(old - tags)
        if leave:
            self.s.execute(delete(ScopeMember).where(ScopeMember.root == root, ScopeMember.tag.in_(leave)))
        if enter:
            self.s.execute(insert(ScopeMember), [{"root": root, "tag": t} for t in enter])
        events = [{"seq": seq, "root": root, "tag": t, "action": "enter"} for t in enter]
        events += [{"seq": seq, "root": root, "tag": t, "action": "leave"} for t in leave]
        if events:
            self.s.execute(insert(ScopeLogRow), events)

    def set_members_many(self, items: dict[str, tuple[set[str], int]]) -> None:
        if not items:
            return
        old: dict[str, set[str]] = {root: set() for root in items}
        for root, tag in self.s.execute(
            select(ScopeMember.root, ScopeMember.tag).where(ScopeMember.root.in_(list(items)))
        ):
            old[root].add(tag)
        members: list[dict[str, str]] = []
        events: list[dict[str, Any]] = []
        for root, (tags, seq) in items.items():
            enter, leave = sorted(tags - old[root]), sorted(old[root] - tags)
            if leave:
                self.s.execute(
                    delete(ScopeMember).where(ScopeMember.root == root, ScopeMember.tag.in_(leave))
                )
            members += [{"root": root, "tag": t} for t in enter]
            events += [{"seq": seq, "root": root, "tag": t, "action": "enter"} for t in enter]
            events += [{"seq": seq, "root": root, "tag": t, "action": "leave"} for t in leave]
        if members:
            self.s.execute(insert(ScopeMember), members)
        if events:
            self.s.execute(insert(ScopeLogRow), events)

    def followers(self, root: str) -> set[str]:
        return set(self.s.scalars(select(Follow.user_id).where(Follow.case_key == root)))

    def followers_many(self, roots: Sequence[str]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {r: set() for r in roots}
        if roots:
            for case_key, user in self.s.execute(
                select(Follow.case_key, Follow.user_id).where(Follow.case_key.in_(list(roots)))
            ):
                out[case_key].add(user)
        return out

    def followed_roots(self) -> list[str]:
        return list(self.s.scalars(select(Follow.case_key).distinct().order_by(Follow.case_key)))

    def trace_view(self, case_key: str) -> dict[str, Any] | None:
        from server.qr.service import trace_view

        row = self._cases[case_key] if case_key in self._cases else self.s.get(CaseRow, case_key)
        if row is None or not row.code:
            return None
        return dict(msgspec.to_builtins(trace_view(self.s, row)))

    def add_follower(self, root: str, user_id: str) -> bool:
        if self.s.get(Follow, (root, user_id)) is not None:
            return False
        self.s.add(Follow(case_key=root, user_id=user_id))
        self.s.flush()
        return True

    def max_seq(self) -> int:
        return int(self.s.scalar(select(func.coalesce(func.max(OpRow.seq), 0))) or 0)

    def changes(self, tags: Sequence[str], since: int, upto: int, limit: int) -> list[Change]:
        if not tags:
            return []
        roots = select(ScopeMember.root).where(ScopeMember.tag.in_(list(tags)))
        rows = self.s.execute(
            _CHANGE_COLUMNS.where(OpRow.seq > since, OpRow.seq <= upto, OpRow.root.in_(roots))
            .order_by(OpRow.seq)
            .limit(limit)
        )
        return [_change(r) for r in rows]

    def scope_events(self, tags: Sequence[str], since: int, upto: int) -> list[tuple[str, str]]:
        if not tags:
            return []
        rows = self.s.execute(
            select(ScopeLogRow.root, ScopeLogRow.action)
            .where(ScopeLogRow.tag.in_(list(tags)), ScopeLogRow.seq > since, ScopeLogRow.seq <= upto)
            .order_by(ScopeLogRow.seq, ScopeLogRow.id)
        )
        return [(r, a) for r, a in rows]

    def in_scope(self, roots: Iterable[str], tags: Sequence[str]) -> set[str]:
        rs = list(set(roots))
        if not rs or not tags:
            return set()
        return set(
            self.s.scalars(
                select(ScopeMember.root).where(
                    and_(ScopeMember.root.in_(rs), ScopeMember.tag.in_(list(tags)))
                )
            )
        )

    def history(self, roots: Sequence[str], upto: int) -> list[Change]:
        if not roots:
            return []
        rows = self.s.execute(
            _CHANGE_COLUMNS.where(OpRow.root.in_(list(roots)), OpRow.seq <= upto).order_by(OpRow.seq)
        )
        return [_change(r) for r in rows]

    def project_case(self, key: str, view: dict[str, Any]) -> None:
        row = self._cases[key] if key in self._cases else self.s.get(CaseRow, key)
        new = row is None
        if row is None:
            row = CaseRow(key=key)
            self.s.add(row)
            self._cases[key] = row
        project(row, view)
        # Blob references follow the case's evidence set (GET /api/v1/blobs checks them).
        want = {str(h) for h in view.get("evidence") or []}
        # Signatures on the agreement are blobs of the case too (server/agreement/signing.py).
        signatures = view.get("signatures")
        if isinstance(signatures, dict):
            want |= {str(v["blob"]) for v in signatures.values() if isinstance(v, dict) and v.get("blob")}
        if new and not want:
            return
        have = set(self.s.scalars(select(BlobRef.sha256).where(BlobRef.case_key == key)))
        if have - want:
            self.s.execute(delete(BlobRef).where(BlobRef.case_key == key, BlobRef.sha256.in_(have - want)))
        if want - have:
            self.s.execute(insert(BlobRef), [{"sha256": h, "case_key": key} for h in sorted(want - have)])

    def find_code(self, code: str) -> str | None:
        return self.s.scalar(select(CaseRow.key).where(CaseRow.code == code))


def _change(r: Any) -> Change:
    return Change(
        id=r.op_id,
        ts=r.ts,
        entity=r.entity,
        key=r.key,
        kind=r.kind,
        field=r.field,
        value=r.value,
        seen=r.seen,
        seq=int(r.seq),
    )


__all__ = ["MemoryStore", "OpStore", "RecordId", "SqlStore", "StoredRecord"]
