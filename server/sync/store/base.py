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

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import msgspec

from server.sync.merge import RecordState
from server.sync.ops import Change, Op


class CaseIndex(Protocol):
    """A hook beside the op store: whatever must follow each case record's merged view.

    The SQL index is the typed ``cases`` projection and the evidence blob references
    (``sql.SqlCaseIndex``); the memory index only maps codes to keys.
    """

    def project(self, key: str, view: dict[str, Any]) -> None:
        """Bring the index in step with case ``key``'s merged ``view``."""

    def find_code(self, code: str) -> str | None:
        """The key of the case holding ``code``, if any."""


RecordId = tuple[str, str]


@dataclass
class StoredRecord:
    """A record as stored: its root (case or notification key), merged state, materialized view,
    and the seq of the last op that changed it."""

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
    def known_ids(self, ids: Sequence[str]) -> set[str]:
        """Those of ``ids`` already stored as ops."""

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
        """``followers`` for many roots: root -> user ids (empty set for none)."""
        return {r: self.followers(r) for r in roots}

    def followed_roots(self) -> list[str]:
        """Every case root someone follows by QR."""
        return []

    def roots_without_area_tags(self, limit: int) -> list[str]:
        """Up to ``limit`` case roots (key order) with a village/town region whose scope lacks its
        ``area:{county}`` or ``area:{city}`` tag: filed before those tags existed."""
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
    def get_record(self, rid: RecordId) -> StoredRecord | None:
        """The record ``(entity, key)``, or None when it was never written."""

    @abstractmethod
    def put_record(self, rid: RecordId, rec: StoredRecord) -> None:
        """Insert or replace the record ``(entity, key)``."""

    @abstractmethod
    def records_of(self, root: str) -> list[RecordId]:
        """Every record under ``root`` (the root itself included)."""

    @abstractmethod
    def members(self, root: str) -> set[str]:
        """``root``'s scope tags now (``user:ID``, ``org:ID``, ``region:CODE``, ``all`` …)."""

    @abstractmethod
    def set_members(self, root: str, tags: set[str], seq: int) -> None:
        """Make ``root``'s tags exactly ``tags``, logging enters and leaves at ``seq``."""

    @abstractmethod
    def followers(self, root: str) -> set[str]:
        """User ids that follow case ``root`` by its QR."""

    @abstractmethod
    def add_follower(self, root: str, user_id: str) -> bool:
        """True when ``user_id`` did not follow ``root`` before."""

    @abstractmethod
    def max_seq(self) -> int:
        """The highest seq stored, 0 for an empty log."""

    @abstractmethod
    def changes(self, tags: Sequence[str], since: int, upto: int, limit: int) -> list[Change]:
        """Ops with since < seq <= upto on roots in scope of ``tags``, ascending, at most ``limit``."""

    @abstractmethod
    def scope_events(self, tags: Sequence[str], since: int, upto: int) -> list[tuple[str, str]]:
        """(root, action) for enter/leave events of ``tags`` with since < seq <= upto, in seq order."""

    @abstractmethod
    def in_scope(self, roots: Iterable[str], tags: Sequence[str]) -> set[str]:
        """Those of ``roots`` that carry any of ``tags`` now."""

    @abstractmethod
    def history(self, roots: Sequence[str], upto: int) -> list[Change]:
        """Every op of ``roots`` with seq <= upto, ascending (for a root that entered a scope)."""

    case_index: CaseIndex
    """The hook that keeps a query-able index of cases beside the records (see ``CaseIndex``)."""

    def project_case(self, key: str, view: dict[str, Any]) -> None:
        """Keep the case index in step with the case record's merged ``view``."""
        self.case_index.project(key, view)

    def find_code(self, code: str) -> str | None:
        """The key of the case holding ``code``, if any."""
        return self.case_index.find_code(code)

    def commit(self) -> None:  # noqa: B027 — SQL stores commit through their session
        """Make the unit of work durable (the caller's session does it for SQL)."""
