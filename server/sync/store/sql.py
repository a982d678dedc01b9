"""``SqlStore``: the op log in SQL (SQLite and PostgreSQL through one SQLAlchemy session), its case
index (``SqlCaseIndex``) and the process-wide count of committed log writes (``log_generation``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import msgspec
from sqlalchemy import and_, delete, event, exists, func, insert, literal, or_, select, text, tuple_
from sqlalchemy.orm import Session

from server.cockpit import rollup
from server.crossproc import announce, remote_writes
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
from server.sync.store.base import OpStore, RecordId, StoredRecord

_generation = [0]
LOG_SPAN = "jiefen_log_span"  # session.info key, see ``append_many``


@event.listens_for(Session, "after_commit")
def _count_log_writes(session: Session) -> None:
    if session.info.pop("jiefen_wrote_ops", False):
        _generation[0] += 1


@event.listens_for(Session, "after_rollback")
def _forget_log_writes(session: Session) -> None:
    session.info.pop("jiefen_wrote_ops", None)


def log_generation() -> int:
    """Grows each time a transaction that appended ops commits in this process (cheap change check)."""
    return _generation[0] + remote_writes()  # and other processes' commits (crossproc.py)


_STATE = msgspec.json.Encoder()
_STATE_DECODER = msgspec.json.Decoder(RecordState)
_WRITER_LOCK_KEY = 0x4A46_5359  # "JFSY": the advisory lock id of sync writers on PostgreSQL


# The columns an `Op` is made of, in its constructor's order.
_OP_COLUMNS = (
    OpRow.op_id,
    OpRow.ts,
    OpRow.entity,
    OpRow.key,
    OpRow.kind,
    OpRow.field,
    OpRow.value,
    OpRow.seen,
)
# What a pull reads of an op: everything a client needs, nothing it must not see (actor, root).
_CHANGE_COLUMNS = select(OpRow.seq, *_OP_COLUMNS)


class SqlStore(OpStore):
    """The op log in SQL; works on SQLite and PostgreSQL through one SQLAlchemy session."""

    def __init__(self, session: Session) -> None:
        self.s = session
        # Rows looked up in this unit of work, None for known-absent: saves a SELECT per record.
        self._rows: dict[RecordId, RecordRow | None] = {}
        self._cases: dict[str, CaseRow | None] = {}
        # Cases an ``accepted`` timeline record was written for in this unit of work.
        self._accepted: set[str] = set()
        self.case_index = SqlCaseIndex(session, self._cases, self._accepted)
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
        rows = self.s.execute(select(*_OP_COLUMNS, OpRow.actor_id).where(OpRow.op_id.in_(list(ids))))
        return {
            r.op_id: (Op(r.op_id, r.ts, r.entity, r.key, r.kind, r.field, r.value, r.seen), r.actor_id)
            for r in rows
        }

    def append_many(self, items: Sequence[tuple[int, Op, str, str | None]]) -> None:
        if not items:
            return
        if not self.s.info.get("jiefen_wrote_ops"):
            announce(self.s, "head")  # other processes' cached heads end at this commit
        self.s.info["jiefen_wrote_ops"] = True  # see ``log_generation``
        # (head before, head after) of this transaction's ops: versions routing's cache (registry_cache.py)
        first, _ = self.s.info.get(LOG_SPAN, (items[0][0] - 1, 0))
        self.s.info[LOG_SPAN] = (first, items[-1][0])
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
        if rid[0] == "timeline" and rec.view.get("event") == "accepted":
            self._accepted.add(rec.root)
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

    def roots_without_area_tags(self, limit: int) -> list[str]:
        def tagged(width: int) -> Any:
            tag = literal("area:") + func.substr(CaseRow.region, 1, width)
            return exists().where(ScopeMember.root == CaseRow.key, ScopeMember.tag == tag)

        q = (
            select(CaseRow.key)
            .where(func.length(CaseRow.region) == 12, or_(~tagged(6), ~tagged(4)))
            .order_by(CaseRow.key)
            .limit(limit)
        )
        return list(self.s.scalars(q))

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


def _change(r: Any) -> Change:
    """A row of `_CHANGE_COLUMNS` as the `Change` a pull sends."""
    return Change(r.op_id, r.ts, r.entity, r.key, r.kind, r.field, r.value, r.seen, seq=int(r.seq))


class SqlCaseIndex:
    """The typed ``cases`` projection other domains query, the blob references of its evidence and
    the cockpit's roll-up counts (server/cockpit/rollup.py), all in the writer's transaction.

    ``cases`` shares the store's cache of case rows (filled by ``SqlStore.prefetch``);
    ``accepted`` the store's set of cases given an ``accepted`` timeline event in this unit of work.
    """

    def __init__(self, session: Session, cases: dict[str, CaseRow | None], accepted: set[str]) -> None:
        self.s = session
        self._cases = cases
        self._accepted = accepted

    def project(self, key: str, view: dict[str, Any]) -> None:
        row = self._cases[key] if key in self._cases else self.s.get(CaseRow, key)
        new = row is None
        if row is None:
            now = utcnow()
            row = CaseRow(key=key, created_at=now, updated_at=now, status="submitted", accepted=False)
            self.s.add(row)
            self._cases[key] = row
        counted = None if new else rollup.key_of_row(row)
        project(row, view)
        if key in self._accepted:
            row.accepted = True
        rollup.count_change(self.s, counted, rollup.key_of_row(row))
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
