"""HTTP: categories, the rules admins edit, corrections for rule review; wires routing into sync."""

from __future__ import annotations

import importlib
from typing import Any

import msgspec
from litestar import Request, get, post, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK
from sqlalchemy import func, select, true

from server.accounts.guards import roles, whole_area_admin
from server.accounts.principal import Principal
from server.http import ApiError, app_state
from server.registry.area import Area
from server.routing import load_categories, load_rules, models_api
from server.routing.calendar_store import list_years, load_arrangement, stored_year
from server.routing.classify import RulesError
from server.routing.config_file import load_config
from server.routing.holidays import MAX_YEAR, MIN_YEAR, ArrangementError
from server.routing.models import CategoryCorrection
from server.routing.scheduler import Scheduler
from server.routing.service import Notifier, NullNotifier, RoutingService
from server.state import AppState
from server.sync.models import CaseRow


def _notifier() -> Notifier:
    """The notify domain's events when it is installed (it queues pushes and inbox records)."""
    try:
        events = importlib.import_module("server.notify.events")
    except ModuleNotFoundError:
        return NullNotifier()

    class EventsNotifier:
        def case_assigned(self, w: Any, case_key: str, view: Any) -> None:
            events.case_assigned(w, case_key, view)

        def status_changed(
            self, w: Any, case_key: str, view: Any, old: str, new: str, *, reason: str | None = None
        ) -> None:
            events.status_changed(w, case_key, view, old, new, reason=reason)

        def deadline_warning(self, w: Any, case_key: str, view: Any, kind: str) -> None:
            events.deadline_warning(w, case_key, view, kind)

        def deadline_breached(
            self, w: Any, case_key: str, view: Any, kind: str, escalated_to: str | None
        ) -> None:
            events.deadline_breached(w, case_key, view, kind, escalated_to)

    return EventsNotifier()


def on_startup(state: AppState) -> None:
    routing = RoutingService(
        state.db,
        load_config(state.settings.routing_config),
        notifier=_notifier(),
        area=Area.parse(state.settings.area),
    )
    state.services["routing"] = routing
    state.services["sync"].hooks = routing
    if state.settings.scheduler_interval_s > 0:
        sched = Scheduler(
            state.db, routing, state.services["server_replica"], state.settings.scheduler_interval_s
        )
        state.services["scheduler"] = sched
        sched.start()


def on_shutdown(state: AppState) -> None:
    sched = state.services.pop("scheduler", None)
    if sched is not None:
        sched.stop()


def _routing(request: Request[Any, Any, Any]) -> RoutingService:
    svc: RoutingService = app_state(request).services["routing"]
    return svc


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
def get_rules(request: Request[Principal, Any, Any]) -> RulesOut:
    with app_state(request).db.read_session() as s:
        data = _routing(request).rules.data(s)
    return RulesOut(version=str(data.get("version", "")), data=data)


@put(
    "/api/v1/rules", operation_id="putRules", guards=[whole_area_admin], tags=["routing"], sync_to_thread=True
)
def put_rules(request: Request[Principal, Any, Any], data: JSONBody[dict[str, Any]]) -> RulesOut:
    """Publish an edited rule set; invalid rules are refused with the list of problems."""
    return _publish(request, data)


@post(
    "/api/v1/rules/reload",
    operation_id="reloadRulesFile",
    guards=[whole_area_admin],
    tags=["routing"],
    status_code=HTTP_200_OK,
    sync_to_thread=True,
)
def reload_rules(request: Request[Principal, Any, Any]) -> RulesOut:
    """Publish server/routing/rules.json as it is on disk now (after an edit of the file)."""
    return _publish(request, load_rules())


def _publish(request: Request[Principal, Any, Any], data: dict[str, Any]) -> RulesOut:
    routing = _routing(request)
    try:
        with app_state(request).db.session() as s:
            routing.rules.publish(s, data, request.user.user_id)
    except RulesError as e:
        raise ApiError(400, "规则有误，未生效：" + "；".join(e.errors[:20]), errors=e.errors) from None
    return RulesOut(version=str(data.get("version", "")), data=data)


@get(
    "/api/v1/rules/corrections",
    operation_id="listCorrections",
    guards=[roles("admin", "analyst")],
    tags=["routing"],
    sync_to_thread=True,
)
def corrections(request: Request[Principal, Any, Any]) -> CorrectionsOut:
    """Mediators' category corrections for reviewing the rules: counts per (from, to) pair; for
    admins also the latest 500 with case code and matched keywords."""
    cc = CategoryCorrection
    # An admin or analyst bound to a county (or city) reviews that area's corrections only.
    prefix = request.user.area_prefix()
    inside = CaseRow.region.startswith(prefix, autoescape=True) if prefix else true()
    with app_state(request).db.read_session() as s:
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
        classifier = _routing(request).rules.current(s)
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
def holiday_years(request: Request[Principal, Any, Any]) -> list[HolidayVersionOut]:
    """Every loaded holiday arrangement version, newest first (the newest of a year is in force)."""
    return [HolidayVersionOut(**row) for row in list_years(app_state(request).db)]


@get(
    "/api/v1/holidays/{year:int}",
    operation_id="getHolidayYear",
    guards=[roles("admin", "analyst", "org_admin")],
    tags=["routing"],
    sync_to_thread=True,
)
def holiday_year(request: Request[Principal, Any, Any], year: FromPath[int]) -> dict[str, Any]:
    """The year's arrangement in force, in the file format of docs/routing.md, with its version."""
    found = stored_year(app_state(request).db, year) if MIN_YEAR <= year <= MAX_YEAR else None
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
    request: Request[Principal, Any, Any], year: FromPath[int], data: JSONBody[dict[str, Any]]
) -> HolidayLoadOut:
    """Load a year's official arrangement: validated (400 with every problem), stored as the year's
    next version, in force at once in every process; provisional deadlines are recomputed."""
    if data.get("year") != year:
        raise ApiError(400, "路径中的年份与文件中的 year 不一致")
    state = app_state(request)
    try:
        r = load_arrangement(
            state.db, _routing(request), state.services["server_replica"], data, request.user.user_id
        )
    except ArrangementError as e:
        raise ApiError(400, "放假安排有误，未载入：" + "；".join(e.errors[:20]), errors=e.errors) from None
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
