"""HTTP: categories, the rules admins edit, corrections for rule review, holiday arrangements."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK
from sqlalchemy import func, select, true

from server.accounts.guards import roles, whole_area_admin
from server.accounts.principal import Principal
from server.db import Database
from server.http import ApiError
from server.routing import load_categories, load_rules, models_api
from server.routing.calendar_store import list_years, load_arrangement, stored_year
from server.routing.holidays import MAX_YEAR, MIN_YEAR
from server.routing.models import CategoryCorrection
from server.routing.service import RoutingService
from server.sync.models import CaseRow
from server.sync.service import ServerReplica


class RulesOut(msgspec.Struct):
    version: str
    data: dict[str, Any]


class CorrectionOut(msgspec.Struct):
    """One correction for an admin: the case code and the rule keywords that matched — never the
    case's text or the mediator's reason (free text holds names, phones and ID numbers)."""

    code: str | None
    from_category: str | None
    to_category: str
    matched: list[str]
    at: str


class CorrectionCount(msgspec.Struct):
    from_category: str | None
    to_category: str
    count: int


class CorrectionsOut(msgspec.Struct, omit_defaults=True):
    """``counts`` for everyone allowed; ``items`` for admins only (analysts read aggregates)."""

    counts: list[CorrectionCount]
    items: list[CorrectionOut] | None = None


@get("/api/v1/categories", operation_id="listCategories", tags=["routing"], sync_to_thread=False, cache=3600)
def categories() -> dict[str, Any]:
    """The 25 dispute categories with Chinese names and the causes of action (案由) they cover."""
    return load_categories()


@get(
    "/api/v1/rules",
    operation_id="getRules",
    guards=[roles("admin", "analyst")],
    tags=["routing"],
    sync_to_thread=True,
)
def get_rules(db: NamedDependency[Database], routing: NamedDependency[RoutingService]) -> RulesOut:
    with db.read_session() as s:
        data = routing.rules.data(s)
    return RulesOut(version=str(data.get("version", "")), data=data)


@put(
    "/api/v1/rules", operation_id="putRules", guards=[whole_area_admin], tags=["routing"], sync_to_thread=True
)
def put_rules(
    request: Request[Principal, Any, Any],
    data: JSONBody[dict[str, Any]],
    db: NamedDependency[Database],
    routing: NamedDependency[RoutingService],
) -> RulesOut:
    """Publish an edited rule set; invalid rules (``RulesError``) are refused with the list of problems."""
    return _publish(request.user, db, routing, data)


@post(
    "/api/v1/rules/reload",
    operation_id="reloadRulesFile",
    guards=[whole_area_admin],
    tags=["routing"],
    status_code=HTTP_200_OK,
    sync_to_thread=True,
)
def reload_rules(
    request: Request[Principal, Any, Any],
    db: NamedDependency[Database],
    routing: NamedDependency[RoutingService],
) -> RulesOut:
    """Publish server/routing/rules.json as it is on disk now (after an edit of the file)."""
    return _publish(request.user, db, routing, load_rules())


def _publish(p: Principal, db: Database, routing: RoutingService, data: dict[str, Any]) -> RulesOut:
    with db.session() as s:
        routing.rules.publish(s, data, p.user_id)
    return RulesOut(version=str(data.get("version", "")), data=data)


@get(
    "/api/v1/rules/corrections",
    operation_id="listCorrections",
    guards=[roles("admin", "analyst")],
    tags=["routing"],
    sync_to_thread=True,
)
def corrections(
    request: Request[Principal, Any, Any],
    db: NamedDependency[Database],
    routing: NamedDependency[RoutingService],
) -> CorrectionsOut:
    """Mediators' category corrections for reviewing the rules: counts per (from, to) pair; for
    admins also the latest 500 with case code and matched keywords."""
    cc = CategoryCorrection
    # An admin or analyst bound to a county (or city) reviews that area's corrections only.
    prefix = request.user.area_prefix()
    inside = CaseRow.region.startswith(prefix, autoescape=True) if prefix else true()
    with db.read_session() as s:
        counts = [
            CorrectionCount(f, t, int(n))
            for f, t, n in s.execute(
                select(cc.from_category, cc.to_category, func.count())
                .join(CaseRow, CaseRow.key == cc.case_key, isouter=True)
                .where(inside)
                .group_by(cc.from_category, cc.to_category)
                .order_by(func.count().desc(), cc.to_category)
            )
        ]
        if request.user.role != "admin":
            return CorrectionsOut(counts=counts)
        classifier = routing.rules.current(s)
        rows = s.execute(
            select(cc, CaseRow.code)
            .join(CaseRow, CaseRow.key == cc.case_key, isouter=True)
            .where(inside)
            .order_by(cc.id.desc())
            .limit(500)
        )
        items = [
            CorrectionOut(
                code,
                r.from_category,
                r.to_category,
                classifier.classify(r.text).matched,
                r.created_at.isoformat(),
            )
            for r, code in rows
        ]
    return CorrectionsOut(counts=counts, items=items)


class HolidayVersionOut(msgspec.Struct):
    year: int
    version: int
    source: str
    loaded_by: str | None
    loaded_at: str


class HolidayLoadOut(msgspec.Struct):
    year: int
    version: int
    source: str
    recomputed: int
    """Open cases whose provisional deadlines were recomputed (never made earlier)."""


@get(
    "/api/v1/holidays",
    operation_id="listHolidayYears",
    guards=[roles("admin", "analyst", "org_admin")],
    tags=["routing"],
    sync_to_thread=True,
)
def holiday_years(db: NamedDependency[Database]) -> list[HolidayVersionOut]:
    """Every loaded holiday arrangement version, newest first (the newest of a year is in force)."""
    return [HolidayVersionOut(**row) for row in list_years(db)]


@get(
    "/api/v1/holidays/{year:int}",
    operation_id="getHolidayYear",
    guards=[roles("admin", "analyst", "org_admin")],
    tags=["routing"],
    sync_to_thread=True,
)
def holiday_year(year: FromPath[int], db: NamedDependency[Database]) -> dict[str, Any]:
    """The year's arrangement in force, in the file format of docs/routing.md, with its version."""
    found = stored_year(db, year) if MIN_YEAR <= year <= MAX_YEAR else None
    if found is None:
        raise ApiError(404, f"尚未载入{year}年放假安排" if MIN_YEAR <= year <= MAX_YEAR else "年份超出范围")
    return found


@put(
    "/api/v1/holidays/{year:int}",
    operation_id="putHolidayYear",
    guards=[whole_area_admin],
    tags=["routing"],
    sync_to_thread=True,
)
def put_holiday_year(
    request: Request[Principal, Any, Any],
    year: FromPath[int],
    data: JSONBody[dict[str, Any]],
    db: NamedDependency[Database],
    routing: NamedDependency[RoutingService],
    replica: NamedDependency[ServerReplica],
) -> HolidayLoadOut:
    """Load a year's official arrangement: validated (``ArrangementError``: 400 with every problem),
    stored as the year's next version, in force at once in every process; provisional deadlines
    are recomputed."""
    if data.get("year") != year:
        raise ApiError(400, "路径中的年份与文件中的 year 不一致")
    r = load_arrangement(db, routing, replica, data, request.user.user_id)
    return HolidayLoadOut(r.year, r.version, r.source, r.recomputed)


route_handlers = [
    categories,
    get_rules,
    put_rules,
    reload_rules,
    corrections,
    holiday_years,
    holiday_year,
    put_holiday_year,
    *models_api.route_handlers,
]
