"""Housekeeping: what nobody needs any more is removed on a schedule, so it does not pile up forever.

- Abandoned uploads: ``.part`` files untouched for ``part_max_age_hours`` (default a day) and
  their unfinished ``blobs`` rows.
- Unreferenced evidence: complete blobs no case's ``evidence`` set holds, ``orphan_blob_days``
  (default 30) after upload (an offline phone syncs the case ops first, so a fresh upload is never
  an orphan for long; the grace covers a phone that uploaded and then lost the case edit).
- Text messages (个人信息保护法 第十九条: personal data kept no longer than the purpose needs): a
  sent or finally failed text keeps only the masked number (``****5678``) and is deleted after
  ``sms_keep_days`` (default 180).

Runs on the same polling worker as timers, pushes and texts (``server/background.py``). With
several processes, a round runs in one process at a time: PostgreSQL's ``pg_try_advisory_lock``,
held on its own connection for the round, is the lease (a process that cannot take it skips the
round); on SQLite, writers are serialised anyway. Every job is idempotent, so a round repeated after
a crash does no harm.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, exists, select, text, update
from sqlalchemy.orm import Session

from server.background import PollingWorker
from server.db import Database, utcnow
from server.notify.models import SmsDelivery
from server.qr.trace import mask_phone
from server.settings import Settings
from server.sync.blobstore import BlobStore, is_sha256
from server.sync.models import Blob, BlobRef

log = logging.getLogger("jiefen.housekeeping")

_LEASE_KEY = 0x4A46484B  # "JFHK": the advisory lock of a housekeeping round
_FINISHED_SMS = ("sent", "failed")


@dataclass(frozen=True)
class Periods:
    """How long things are kept (from the settings)."""

    part_max_age: timedelta = timedelta(hours=24)
    orphan_blob_age: timedelta = timedelta(days=30)
    sms_keep: timedelta = timedelta(days=180)


@dataclass
class Report:
    """What one round removed or changed (counts)."""

    parts: int = 0
    orphan_blobs: int = 0
    sms_masked: int = 0
    sms_deleted: int = 0


def sweep_parts(db: Database, files: BlobStore, now: datetime, max_age: timedelta) -> int:
    """Delete ``.part`` files last written before ``now - max_age`` and their unfinished rows.

    Lock order as in the upload handler (the file's lock, then a write session), so a sweep and an
    upload of the same hash never wait on each other crosswise.
    """
    cutoff = (now - max_age).timestamp()
    removed = 0
    parts = sorted(files.root.glob("*/*.part")) if files.root.is_dir() else []
    for part in parts:
        sha = part.name.removesuffix(".part")
        if not is_sha256(sha):
            continue
        with files.lock(sha):
            try:
                if part.stat().st_mtime >= cutoff:
                    continue
                part.unlink()
            except FileNotFoundError:
                continue  # completed or removed meanwhile
            with db.session() as s:
                s.execute(delete(Blob).where(Blob.sha256 == sha, Blob.complete.is_(False)))
            removed += 1
    # Unfinished rows whose bytes never arrived (no .part at all) go too, after the same time.
    with db.read_session() as s:
        stale = s.scalars(
            select(Blob.sha256).where(Blob.complete.is_(False), Blob.created_at < now - max_age)
        ).all()
    for sha in stale:
        with files.lock(sha):
            if not files.part_path(sha).exists():
                with db.session() as s:
                    s.execute(delete(Blob).where(Blob.sha256 == sha, Blob.complete.is_(False)))
    return removed


def sweep_orphan_blobs(db: Database, files: BlobStore, now: datetime, age: timedelta) -> int:
    """Delete complete blobs uploaded before ``now - age`` that no case references (row and file)."""
    unreferenced = ~exists().where(BlobRef.sha256 == Blob.sha256)
    orphan = and_(Blob.complete.is_(True), Blob.created_at < now - age, unreferenced)
    with db.read_session() as s:
        shas = s.scalars(select(Blob.sha256).where(orphan)).all()
    removed = 0
    for sha in shas:
        with files.lock(sha), db.session() as s:
            # checked again: a case may have referenced it since the list was read
            if s.execute(delete(Blob).where(Blob.sha256 == sha, orphan)).rowcount:  # type: ignore[attr-defined]
                files.path(sha).unlink(missing_ok=True)
                removed += 1
    return removed


def mask_finished_sms(s: Session) -> int:
    """Replace the number of every sent or finally failed text with its masked form."""
    rows = s.execute(
        select(SmsDelivery.id, SmsDelivery.phone).where(
            SmsDelivery.status.in_(_FINISHED_SMS), ~SmsDelivery.phone.startswith("****")
        )
    ).all()
    for row_id, phone in rows:
        s.execute(update(SmsDelivery).where(SmsDelivery.id == row_id).values(phone=mask_phone(phone)))
    return len(rows)


def delete_old_sms(s: Session, now: datetime, keep: timedelta) -> int:
    """Delete finished texts queued before ``now - keep``; pending ones stay (still to be sent)."""
    result = s.execute(
        delete(SmsDelivery).where(SmsDelivery.status.in_(_FINISHED_SMS), SmsDelivery.created_at < now - keep)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def run_round(db: Database, files: BlobStore, now: datetime, periods: Periods) -> Report | None:
    """One housekeeping round; None when another process holds the lease (PostgreSQL)."""
    with db.engine.connect() as lease:
        pg = lease.dialect.name == "postgresql"
        if pg and not lease.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _LEASE_KEY}).scalar():
            return None
        try:
            report = Report(
                parts=sweep_parts(db, files, now, periods.part_max_age),
                orphan_blobs=sweep_orphan_blobs(db, files, now, periods.orphan_blob_age),
            )
            with db.session() as s:
                report.sms_masked = mask_finished_sms(s)
                report.sms_deleted = delete_old_sms(s, now, periods.sms_keep)
        finally:
            if pg:
                lease.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LEASE_KEY})
                lease.commit()
    if any(vars(report).values()):
        log.info("housekeeping: %s", report)
    return report


class Housekeeper(PollingWorker):
    """Runs ``run_round`` every ``interval`` seconds in a daemon thread."""

    name = "jiefen-housekeeping"

    def __init__(self, db: Database, files: BlobStore, periods: Periods, interval: float) -> None:
        super().__init__(interval=interval, batch=1)
        self.db, self.files, self.periods = db, files, periods

    def deliver(self, now: datetime) -> int:
        run_round(self.db, self.files, utcnow(), self.periods)
        return 0  # one round per interval


def periods_of(st: Settings) -> Periods:
    """The retention periods ``settings`` ask for."""
    return Periods(
        part_max_age=timedelta(hours=st.part_max_age_hours),
        orphan_blob_age=timedelta(days=st.orphan_blob_days),
        sms_keep=timedelta(days=st.sms_keep_days),
    )


__all__ = ["Housekeeper", "Periods", "Report", "run_round"]
