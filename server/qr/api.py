"""HTTP: the public case trace, the case QR for print, and village posters (DESIGN §6, §10)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter
from sqlalchemy import select
from sqlalchemy.orm import Session

from server import casecode
from server.accounts.guards import roles
from server.accounts.principal import Principal
from server.db import Database
from server.http import ApiError, client_address
from server.qr import service
from server.qr.poster import posters_pdf
from server.qr.qr import case_qr_png, case_qr_svg
from server.qr.service import poster_svg_of
from server.qr.trace import TraceView
from server.ratelimit import Limiter, count_token_failure, token_failures_over
from server.registry.area import Area
from server.registry.models import Org
from server.settings import Settings
from server.sync.models import CaseRow

NOT_FOUND = "未找到该案件"
TOO_MANY = "查询过于频繁，请稍后再试"
_NO_STORE = {"Cache-Control": "no-store"}

CaseToken = Annotated[
    str | None,
    HeaderParameter(name="X-Case-Token", required=False, description="案件二维码中 #k= 之后的查询凭证"),
]


def _error(status: int, detail: str, **headers: str) -> ApiError:
    err = ApiError(status, detail)
    err.headers = {**_NO_STORE, **headers}
    return err


def _case(
    request: Request[Any, Any, Any], limiter: Limiter, s: Session, raw_code: str, token: str | None
) -> CaseRow:
    """The case the token opens; an unknown code and a wrong token answer alike (404).

    Only failures count towards the limits (per address, and per code shared with follow): a
    correct token is never refused, so nobody can lock a QR's holder out by guessing.
    """
    code = casecode.normalize(raw_code)
    address = client_address(request)
    over = token_failures_over(limiter, address, code)
    row = service.authorized_case(s, code, token or "")
    if row is not None:
        return row
    count_token_failure(limiter, address, code)
    if over:
        raise _error(429, TOO_MANY, **{"Retry-After": "60"})
    raise _error(404, NOT_FOUND)


def _qr_url(
    request: Request[Any, Any, Any], deps: _TraceDeps, raw_code: str, token: str | None
) -> tuple[str, str]:
    with deps.db.read_session() as s:
        code = _case(request, deps.trace_limiter, s, raw_code, token).code or ""
    return code, casecode.trace_url(deps.settings.base_url, code, token or "")


@dataclass(frozen=True)
class _TraceDeps:
    settings: Settings
    db: Database
    trace_limiter: Limiter


@get("/api/v1/trace/{code:str}", operation_id="traceCase", tags=["trace"], sync_to_thread=True)
def trace(
    request: Request[Any, Any, Any],
    code: FromPath[str],
    db: NamedDependency[Database],
    trace_limiter: NamedDependency[Limiter],
    token: CaseToken = None,
) -> Response[TraceView]:
    """A case's progress for whoever holds its QR; personal data masked (public, rate-limited)."""
    with db.read_session() as s:
        view = service.trace_view(s, _case(request, trace_limiter, s, code, token))
    return Response(view, headers=_NO_STORE)


@get("/api/v1/trace/{code:str}/qr.svg", operation_id="traceCaseQrSvg", tags=["trace"], sync_to_thread=True)
def trace_qr_svg(
    request: Request[Any, Any, Any],
    code: FromPath[str],
    settings: NamedDependency[Settings],
    db: NamedDependency[Database],
    trace_limiter: NamedDependency[Limiter],
    token: CaseToken = None,
) -> Response[str]:
    """The case QR as SVG, for printing on a receipt (same content as the device draws)."""
    canonical, url = _qr_url(request, _TraceDeps(settings, db, trace_limiter), code, token)
    return Response(case_qr_svg(url, title=canonical), media_type="image/svg+xml", headers=_NO_STORE)


@get("/api/v1/trace/{code:str}/qr.png", operation_id="traceCaseQrPng", tags=["trace"], sync_to_thread=True)
def trace_qr_png(
    request: Request[Any, Any, Any],
    code: FromPath[str],
    settings: NamedDependency[Settings],
    db: NamedDependency[Database],
    trace_limiter: NamedDependency[Limiter],
    token: CaseToken = None,
) -> Response[bytes]:
    """The case QR as PNG, for printing on a receipt."""
    _, url = _qr_url(request, _TraceDeps(settings, db, trace_limiter), code, token)
    return Response(case_qr_png(url), media_type="image/png", headers=_NO_STORE)


@get(
    "/api/v1/posters/{file:str}",
    operation_id="getPoster",
    tags=["posters"],
    guards=[roles("admin", "org_admin", "grid_worker")],
    sync_to_thread=True,
)
def poster(
    request: Request[Principal, Any, Any],
    file: FromPath[str],
    settings: NamedDependency[Settings],
    db: NamedDependency[Database],
) -> Response[bytes]:
    """``{village}.svg``: one A4 poster; ``{village or township}.pdf``: one page per village
    (``PosterError`` carries its own 4xx)."""
    code, _, suffix = file.rpartition(".")
    if suffix not in ("svg", "pdf") or not code:
        raise ApiError(404, "海报只有 .svg 和 .pdf 两种格式")
    p = request.user
    if p.role == "grid_worker" and code != p.region:
        raise ApiError(403, "网格员只能打印本村（社区）的海报")
    prefix = p.area_prefix()
    if len(code) == 12 and code.isdigit():
        if not Area.parse(settings.area).covers_region(code):
            raise ApiError(404, "未找到该行政区划")  # not served here: as if unknown
        if prefix and not code.startswith(prefix):
            raise ApiError(403, "只能打印本辖区的海报")
    with db.read_session() as s:
        # An organisation's admin prints its own county's posters, never another county's.
        org_region = s.scalar(select(Org.region).where(Org.id == p.org_id)) if p.role == "org_admin" else None
        if p.role == "org_admin" and not (org_region and code.startswith(org_region[:6])):
            raise ApiError(403, "只能打印本机构所在县（市、区）的海报")
        items = service.poster_items(s, code, settings.base_url, allow_town=suffix == "pdf")
    if suffix == "svg":
        return Response(poster_svg_of(items[0]).encode(), media_type="image/svg+xml; charset=utf-8")
    headers = {"Content-Disposition": f'inline; filename="poster-{code}.pdf"'}
    return Response(posters_pdf(items), media_type="application/pdf", headers=headers)


route_handlers = [trace, trace_qr_svg, trace_qr_png, poster]
