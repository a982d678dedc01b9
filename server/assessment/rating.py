"""The ``rate`` intent: the filer's 1–5 satisfaction after an outcome, once per party.

Value ``{"stars": 1..5, "comment"?: str ≤ 500}``. Only the filer rates (a citizen for themself, a
grid worker on behalf of the villager they filed for), and only once the case has an outcome
(``OUTCOMES``). The rating belongs to the applicant side: a second rating of the same case is
refused with ``already_rated``; a replayed op id is acknowledged by sync and changes nothing.
The rating row keeps the organisation and mediator of the case at that moment (assessment).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.accounts.principal import Principal
from server.assessment.models import Rating
from server.routing.transitions import OUTCOME_STATES
from server.sync import scopes
from server.sync.ops import Op, Rejection
from server.sync.service import Writer

OUTCOMES = OUTCOME_STATES


def rate(
    w: Writer, s: Session, p: Principal, op: Op, case: Mapping[str, Any], now: datetime
) -> Rejection | None:
    value = op.value if isinstance(op.value, dict) else {}
    if not scopes.is_filer(p, case):
        return Rejection(op.id, "not_filer", "只有提交该案件的人可以评价")
    if case.get("status") not in OUTCOMES:
        return Rejection(op.id, "not_allowed", "案件有了调解结果后才能评价")
    if case.get("rating") or s.scalar(select(Rating.id).where(Rating.case_key == op.key)) is not None:
        return Rejection(op.id, "already_rated", "您已经评价过该案件，每个案件只能评价一次")
    stars, comment = int(value["stars"]), str(value.get("comment") or "")
    s.add(
        Rating(
            case_key=op.key,
            party="applicant",
            stars=stars,
            comment=comment,
            by_user=p.user_id,
            org_id=case.get("org"),
            mediator_id=case.get("mediator"),
            created_at=now,
        )
    )
    w.server_put("case", op.key, "rating", {"stars": stars, "at": now.isoformat()})
    return None
