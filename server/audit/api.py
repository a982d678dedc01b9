"""HTTP: ``GET /api/v1/audit`` — the personal-data access log, for admins (JSON or CSV)."""

from __future__ import annotations

import csv
import dataclasses
import io
from typing import Annotated, Any, Literal

import msgspec
from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from server import casecode
from server.accounts.guards import roles
from server.accounts.principal import Principal
from server.audit import log
from server.db import Database

CSV_COLUMNS = [f.name for f in dataclasses.fields(log.Entry)]


class AuditOut(msgspec.Struct):
    entries: list[log.Entry]


@get(
    "/api/v1/audit",
    operation_id="personalDataAudit",
    guards=[roles("admin")],
    tags=["audit"],
    sync_to_thread=True,
)
def audit(
    request: Request[Principal, Any, Any],
    db: NamedDependency[Database],
    case: Annotated[str | None, QueryParameter(name="case", description="案件编号")] = None,
    user: Annotated[str | None, QueryParameter(name="user", description="账号 ID")] = None,
    fmt: Annotated[Literal["json", "csv"], QueryParameter(name="format", description="json 或 csv")] = "json",
) -> Response[Any]:
    """Who received or opened which case's party records, and when (newest first, ≤ 5000)."""
    code = casecode.normalize(case) if case else None
    with db.read_session() as s:
        # A county's (or city's) admin reads the accesses to its own area's cases only.
        found = log.entries(s, case_code=code, user_id=user, area=request.user.area_prefix())
    if fmt == "csv":
        out = io.StringIO()
        out.write("\ufeff")  # Excel opens UTF-8 CSV with Chinese correctly only with a BOM
        w = csv.writer(out)
        w.writerow(CSV_COLUMNS)
        w.writerows([getattr(e, c) for c in CSV_COLUMNS] for e in found)
        headers = {"Content-Disposition": 'attachment; filename="personal-data-access.csv"'}
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)
    return Response(AuditOut(found))


route_handlers = [audit]
