"""Writing and reading the personal-data access log (个人信息保护法 第五十一条, 第五十四条: the
handler takes security measures and audits its processing of personal information)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.accounts.models import User
from server.accounts.principal import Principal
from server.audit.models import PersonalDataAccess
from server.db import utcnow
from server.sync.models import CaseRow, RecordRow
from server.sync.ops import Change

LOGGED_ROLES = frozenset({"grid_worker", "mediator", "org_admin", "court_clerk", "admin"})
"""Staff whose reading of parties is logged; a citizen reads only the parties of its own filings."""


def party_cases(s: Session, p: Principal, changes: Sequence[Change]) -> set[str]:
    """The cases whose party records ``changes`` hand to ``p`` (empty for a citizen)."""
    if p.role not in LOGGED_ROLES:
        return set()
    keys = {c.key for c in changes if c.entity == "party"}
    if not keys:
        return set()
    rows = s.scalars(select(RecordRow.root).where(RecordRow.entity == "party", RecordRow.key.in_(keys)))
    return set(rows)


def record(s: Session, p: Principal, cases: Iterable[str], via: str, at: datetime | None = None) -> None:
    """One row per case: ``p`` received (``via="sync"``) or opened that case's parties."""
    when = at or utcnow()
    s.add_all(
        PersonalDataAccess(at=when, user_id=p.user_id, role=p.role, case_key=k, via=via)
        for k in sorted(cases)
    )


@dataclass(frozen=True)
class Entry:
    """One access as the audit shows it (JSON row and CSV columns): ISO time, who, which case, how."""

    at: str
    user_id: str
    username: str
    role: str
    case_code: str
    case_key: str
    via: str


def entries(
    s: Session,
    *,
    case_code: str | None = None,
    user_id: str | None = None,
    area: str | None = None,
    limit: int = 5000,
) -> list[Entry]:
    """Newest first, at most ``limit``; filtered by case code and/or user id; with ``area`` (an
    administrative prefix such as ``330522``) only the accesses to cases inside it."""
    q = (
        select(PersonalDataAccess, CaseRow.code, User.username)
        .join(CaseRow, CaseRow.key == PersonalDataAccess.case_key, isouter=True)
        .join(User, User.id == PersonalDataAccess.user_id, isouter=True)
        .order_by(PersonalDataAccess.id.desc())
        .limit(limit)
    )
    if case_code:
        q = q.where(CaseRow.code == case_code)
    if user_id:
        q = q.where(PersonalDataAccess.user_id == user_id)
    if area:
        q = q.where(CaseRow.region.startswith(area, autoescape=True))
    return [
        Entry(a.at.isoformat(), a.user_id, username or "", a.role, code or "", a.case_key, a.via)
        for a, code, username in s.execute(q)
    ]
