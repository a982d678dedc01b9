"""The ``sign`` intent: a party's signature on the agreement of a resolved case.

Value ``{"party": <party key>, "blob": <sha256 of the signature PNG>}``. The mediator's device
signs for any party of the case (the party signs on the mediator's signature pad); the filer's
own phone signs for the applicant side. Each party signs once: a second signature is refused with
``already_signed`` (a replayed op id is acknowledged by sync and changes nothing). The case keeps
``signatures`` = ``{party key: {"blob", "at", "role", "by"}}``; the blobs are referenced by the case so
the people who may see the case may fetch them (server/sync/store.py ``project_case``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from server.accounts.principal import Principal
from server.routing.transitions import SIGN_STATES
from server.sync import scopes
from server.sync.ops import Op, Rejection
from server.sync.service import Writer

SIGNABLE = SIGN_STATES


def sign(w: Writer, p: Principal, op: Op, case: Mapping[str, Any], now: datetime) -> Rejection | None:
    value = op.value if isinstance(op.value, dict) else {}
    party_key, blob = str(value.get("party", "")), str(value.get("blob", ""))
    if case.get("status") not in SIGNABLE:
        return Rejection(op.id, "not_allowed", "只有调解成功的案件才能在调解协议书上签名")
    party = w.record(("party", party_key))
    if party is None or party.root != op.key or party.view.get("case") != op.key:
        return Rejection(op.id, "unknown_party", "该当事人不属于本案件")
    role = str(party.view.get("role") or "applicant")
    staff = scopes.is_handling_staff(p, case) and p.role != "court_clerk"
    own = scopes.is_filer(p, case) and role == "applicant"
    if not (staff or own):
        return Rejection(op.id, "forbidden", "只有本案调解员或申请人本人可以签名")
    signatures = dict(case.get("signatures") or {})
    if party_key in signatures:
        return Rejection(op.id, "already_signed", "该当事人已经签过名，不能重复签名")
    signatures[party_key] = {"blob": blob, "at": now.isoformat(), "role": role, "by": p.role}
    w.server_put("case", op.key, "signatures", signatures)
    return None
