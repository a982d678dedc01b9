"""Tables of the op log (DESIGN.md §2) and the projections kept beside it.

- ``ops``: every accepted op once, numbered by ``seq`` (the sync cursor). ``root`` is the record
  that decides visibility: the case key for case, party, message and timeline records, the
  notification's own key for inbox records.
- ``records``: the merged state of each record, so a newcomer's pull is a range read, not a replay.
- ``scope_members`` / ``scope_log``: who may see which root, and when that changed (for ``evict``).
- ``cases``: a typed projection of case records that routing, SLA, trace and the cockpit query.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, BigId, Json, UTCDateTime, utcnow


class OpRow(Base):
    __tablename__ = "ops"
    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    op_id: Mapped[str] = mapped_column(String(140), unique=True)
    ts: Mapped[str] = mapped_column(String(100))
    entity: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))
    field: Mapped[str | None] = mapped_column(String(32))
    value: Mapped[Any] = mapped_column(Json, nullable=True)
    seen: Mapped[list[str] | None] = mapped_column(Json, nullable=True)
    root: Mapped[str] = mapped_column(String(80))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_ops_root_seq", "root", "seq"),
        Index("ix_ops_entity_key", "entity", "key"),
    )


class RecordRow(Base):
    __tablename__ = "records"
    entity: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    root: Mapped[str] = mapped_column(String(80), index=True)
    state: Mapped[Any] = mapped_column(Json)  # merge.RecordState, encoded
    view: Mapped[Any] = mapped_column(Json)  # merge.materialize(state)
    updated_seq: Mapped[int] = mapped_column(BigId)


class ScopeMember(Base):
    """``tag`` names a principal group: ``user:ID``, ``org:ID``, ``region:CODE``, ``all``."""

    __tablename__ = "scope_members"
    root: Mapped[str] = mapped_column(String(80), primary_key=True)
    tag: Mapped[str] = mapped_column(String(100), primary_key=True, index=True)


class ScopeLogRow(Base):
    __tablename__ = "scope_log"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    seq: Mapped[int] = mapped_column(BigId)  # the op seq that caused the change
    root: Mapped[str] = mapped_column(String(80))
    tag: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(8))  # enter | leave

    __table_args__ = (Index("ix_scope_log_tag_seq", "tag", "seq"),)


class CaseRow(Base):
    __tablename__ = "cases"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    code: Mapped[str | None] = mapped_column(String(32), unique=True)
    filer_id: Mapped[str | None] = mapped_column(String(64), ForeignKey("users.id"), index=True)
    trace_hash: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    region: Mapped[str | None] = mapped_column(String(12), index=True)
    channel: Mapped[str] = mapped_column(String(16), default="online")
    amount: Mapped[float | None] = mapped_column(Float)
    applicants: Mapped[int] = mapped_column(Integer, default=1)
    category: Mapped[str | None] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(32), default="submitted", index=True)
    level: Mapped[str | None] = mapped_column(String(16))
    org_id: Mapped[str | None] = mapped_column(String(64), index=True)
    court_org_id: Mapped[str | None] = mapped_column(String(64), index=True)
    mediator_id: Mapped[str | None] = mapped_column(String(64), index=True)
    respond_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolve_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deadline_provisional: Mapped[str | None] = mapped_column(String(300))
    """Set while the deadlines are counted without the year's holiday arrangement (see holidays.py)."""
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    routed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """An ``accepted`` event is on the case's timeline (an organisation took it at some point).

    Kept by the projection (``SqlCaseIndex.project``) for the cockpit's roll-up; the timeline
    records stay the source of truth (``server/cockpit/direct.py`` reads them)."""


class Follow(Base):
    """A device that scanned a case's QR and follows it (read-only scope)."""

    __tablename__ = "follows"
    case_key: Mapped[str] = mapped_column(String(64), ForeignKey("cases.key"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), ForeignKey("users.id"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Blob(Base):
    """An evidence file, addressed by its SHA-256; bytes live under ``var/blobs``."""

    __tablename__ = "blobs"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer, default=0)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    uploader_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BlobRef(Base):
    """A case whose ``evidence`` set holds a blob; kept in step by ``SqlStore.project_case``.

    No foreign key to ``blobs``: an offline client syncs the ``add`` op before (or while) it uploads.
    """

    __tablename__ = "blob_refs"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_key: Mapped[str] = mapped_column(
        String(64), ForeignKey("cases.key", ondelete="CASCADE"), primary_key=True, index=True
    )


class ReplicaOwner(Base):
    """A replica id belongs to the first principal that pushed ops under it (DESIGN.md §2)."""

    __tablename__ = "replica_owners"
    replica: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
