"""HTTP: ``GET /api/v1/cases/{code}/agreement.pdf`` (DESIGN.md §11) and its JSON draft.

Who may read it: the staff handling the case (its organisation, the court it was sent to for
司法确认, an admin) and the filer (the applicant's own phone, or the grid worker who filed for them).
Anyone else — other accounts, QR holders (followers), analysts — gets the same 404 as for an
unknown code, so the answer does not tell whether the case exists.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy import select
from sqlalchemy.orm import Session

from server import casecode
from server.accounts.guards import authenticated
from server.accounts.principal import Principal
from server.agreement import pdf
from server.agreement.draft import Agreement, draft
from server.audit import log as audit_log
from server.db import Database
from server.http import ApiError
from server.registry.models import Mediator, Org
from server.routing.transitions import AGREEMENT_STATES
from server.settings import Settings
from server.sync import scopes
from server.sync.blobstore import BlobStore
from server.sync.models import Blob, CaseRow, RecordRow
from server.vocabulary import CATEGORY_NAMES_ZH

HAS_AGREEMENT = AGREEMENT_STATES
_NOT_FOUND = "找不到该案件的调解协议书"


def load_agreement(s: Session, p: Principal, code: str) -> Agreement:
    """The drafted agreement of case ``code`` if ``p`` may read it; ApiError 404 otherwise."""
    row = s.scalar(select(CaseRow).where(CaseRow.code == code)) if casecode.is_valid(code) else None
    case = s.get(RecordRow, ("case", row.key)) if row is not None else None
    if row is None or case is None:
        raise ApiError(404, _NOT_FOUND)
    view: dict[str, Any] = case.view
    if not (scopes.is_handling_staff(p, view) or scopes.is_filer(p, view)):
        raise ApiError(404, _NOT_FOUND)
    children = s.execute(
        select(RecordRow.entity, RecordRow.key, RecordRow.view).where(
            RecordRow.root == row.key, RecordRow.entity.in_(("party", "timeline"))
        )
    ).all()
    parties = [{**v, "key": k} for e, k, v in children if e == "party" and v.get("case") == row.key]
    resolved = [v for e, _, v in children if e == "timeline" and v.get("event") == "resolved"]
    if view.get("status") not in HAS_AGREEMENT or not resolved:
        raise ApiError(404, "该案件尚未调解成功，没有调解协议书")
    event = max(resolved, key=lambda v: str(v.get("at")))
    org = s.get(Org, row.org_id) if row.org_id else None
    mediator = s.get(Mediator, row.mediator_id) if row.mediator_id else None
    return draft(
        view,
        parties,
        event,
        org.name if org else "",
        mediator.name if mediator else str(event.get("actor_name") or ""),
        CATEGORY_NAMES_ZH.get(str(row.category), "其他"),
    )


def _log_parties_opened(db: Database, p: Principal, code: str) -> None:
    """A staff member opened a document naming the case's parties: the personal-data access log."""
    if p.role not in audit_log.LOGGED_ROLES:
        return
    with db.session() as s:
        key = s.scalar(select(CaseRow.key).where(CaseRow.code == casecode.normalize(code)))
        if key is not None:
            audit_log.record(s, p, {key}, "agreement")


class PartyOut(msgspec.Struct):
    key: str
    role: str
    name: str
    signed: bool
    signed_at: str | None


class AgreementOut(msgspec.Struct):
    code: str
    org_name: str
    mediator_name: str
    text: str
    parties: list[PartyOut]
    all_signed: bool
    pdf: str


@get(
    "/api/v1/cases/{code:str}/agreement",
    operation_id="getAgreement",
    guards=[authenticated],
    tags=["agreement"],
    sync_to_thread=True,
)
def agreement_json(
    request: Request[Principal, Any, Any], code: FromPath[str], db: NamedDependency[Database]
) -> AgreementOut:
    """The drafted agreement's text and who has signed, for the signing screen."""
    with db.read_session() as s:
        a = load_agreement(s, request.user, code)
    _log_parties_opened(db, request.user, a.code)
    return AgreementOut(
        code=a.code,
        org_name=a.org_name,
        mediator_name=a.mediator_name,
        text=a.text(),
        parties=[PartyOut(p.key, p.role, p.name, bool(p.signature_blob), p.signed_at) for p in a.parties],
        all_signed=a.all_signed,
        pdf=f"/api/v1/cases/{a.code}/agreement.pdf",
    )


@get(
    "/api/v1/cases/{code:str}/agreement.pdf",
    operation_id="getAgreementPdf",
    guards=[authenticated],
    tags=["agreement"],
    sync_to_thread=True,
)
def agreement_pdf(
    request: Request[Principal, Any, Any],
    code: FromPath[str],
    settings: NamedDependency[Settings],
    db: NamedDependency[Database],
    blobs: NamedDependency[BlobStore],
) -> Response[bytes]:
    """A4 PDF: the agreement, the case QR, each party's signature image, the organisation's name
    (``FontMissing``: 503)."""
    store = blobs
    with db.read_session() as s:
        a = load_agreement(s, request.user, code)
        complete = {
            b.sha256
            for b in s.scalars(
                select(Blob).where(
                    Blob.sha256.in_([p.signature_blob for p in a.parties if p.signature_blob]),
                    Blob.complete,
                    Blob.content_type == "image/png",
                )
            )
        }

    def signature_png(sha: str) -> bytes | None:
        return store.path(sha).read_bytes() if sha in complete and store.exists(sha) else None

    body = pdf.render(a, f"{settings.base_url.rstrip('/')}/t/{a.code}", signature_png)
    _log_parties_opened(db, request.user, a.code)
    return Response(
        body,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="agreement-{a.code}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )


route_handlers = [agreement_json, agreement_pdf]
