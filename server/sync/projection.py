"""Copy a case record's merged view into the typed ``cases`` row other domains query."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from server.db import utcnow
from server.sync.models import CaseRow
from server.vocabulary import FINISHED


def _dt(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def project(row: CaseRow, view: dict[str, Any]) -> None:
    """Copy a case record's materialized ``view`` onto its typed ``cases`` row in place: text cut to
    the column sizes, unparsable times and amounts as None, ``closed_at`` stamped (UTC) the first
    time the case reaches a finished state. Never raises on odd values."""
    row.code = view.get("code") or None
    row.filer_id = view.get("filer") or row.filer_id
    row.trace_hash = view.get("trace_hash")
    row.summary = str(view.get("summary") or "")[:200]
    row.description = str(view.get("description") or "")
    row.region = view.get("region")
    row.channel = view.get("channel") or "online"
    amount = view.get("amount")
    row.amount = float(amount) if isinstance(amount, int | float) else None
    row.applicants = int(view.get("applicants") or 1)
    row.category = view.get("category")
    status = str(view.get("status") or "submitted")
    if status in FINISHED and row.status not in FINISHED:
        row.closed_at = utcnow()
    row.status = status
    row.level = view.get("level")
    row.org_id = view.get("org")
    row.court_org_id = view.get("court_org")
    row.mediator_id = view.get("mediator")
    row.respond_by = _dt(view.get("respond_by"))
    row.resolve_by = _dt(view.get("resolve_by"))
    note = view.get("deadline_provisional")
    row.deadline_provisional = str(note)[:300] if note else None
    row.paused = bool(view.get("paused"))
    row.routed = bool(view.get("org"))
    row.updated_at = utcnow()
