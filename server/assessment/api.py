"""HTTP: ``GET /api/v1/cockpit/assessment`` (and ``.csv``): 考核 figures per organisation and mediator.

Admins and analysts see every organisation and mediator; an org admin its organisation and its
mediators; a mediator only their own row. Rows name organisations and mediators (staff), never a
party: no party record is read here.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.accounts.guards import roles
from server.accounts.principal import Principal
from server.assessment.figures import CaseHistory, Event, Figures, assess
from server.assessment.models import Rating
from server.cockpit.queries import day_start
from server.cockpit.risks import CST
from server.db import Database
from server.http import ApiError, check_days
from server.registry.models import Mediator, Org
from server.routing.models import Timer
from server.sync.models import CaseRow, RecordRow

ASSESS_ROLES = ("analyst", "admin", "org_admin", "mediator")


class RowOut(msgspec.Struct, kw_only=True):
    id: str
    name: str
    org_name: str
    received: int
    responded_in_time_rate: float | None
    success: int
    failure: int
    success_rate: float | None
    median_days: float | None
    escalated_out: int
    satisfaction: float | None
    ratings: int
    sla_breaches: int


class AssessmentOut(msgspec.Struct, kw_only=True):
    date_from: str = msgspec.field(name="from")
    date_to: str = msgspec.field(name="to")
    orgs: list[RowOut]
    mediators: list[RowOut]
    generated_at: str


def _dt(value: Any) -> datetime | None:
    try:
        d = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return d if d.tzinfo else d.replace(tzinfo=UTC)


def histories(s: Session, start: datetime, end: datetime) -> tuple[list[CaseHistory], list[dict[str, Any]]]:
    """Timelines, fired breach timers and ratings of the cases filed in [start, end)."""
    cases = dict(
        s.execute(
            select(CaseRow.key, CaseRow.mediator_id).where(
                CaseRow.created_at >= start, CaseRow.created_at < end
            )
        ).all()
    )
    keys = list(cases)
    events: dict[str, list[Event]] = {k: [] for k in keys}
    breaches: dict[str, list[tuple[str, datetime]]] = {k: [] for k in keys}
    ratings: list[dict[str, Any]] = []
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        for root, v in s.execute(
            select(RecordRow.root, RecordRow.view).where(
                RecordRow.entity == "timeline", RecordRow.root.in_(chunk)
            )
        ):
            at = _dt(v.get("at"))
            if at is not None and isinstance(v.get("event"), str):
                events[root].append(Event(v["event"], at, v.get("org"), v.get("mediator")))
        for key, kind, fired in s.execute(
            select(Timer.case_key, Timer.kind, Timer.fired_at).where(
                Timer.case_key.in_(chunk), Timer.fired_at.is_not(None), Timer.kind.like("%_breach")
            )
        ):
            if fired is not None:
                breaches[key].append((kind, fired if fired.tzinfo else fired.replace(tzinfo=UTC)))
        ratings += [
            {"org_id": o, "mediator_id": m, "stars": n}
            for o, m, n in s.execute(
                select(Rating.org_id, Rating.mediator_id, Rating.stars).where(Rating.case_key.in_(chunk))
            )
        ]
    out = [
        CaseHistory(k, sorted(events[k], key=lambda e: e.at), breaches[k], cases[k])
        for k in keys
        if events[k]
    ]
    return out, ratings


def _row(id_: str, name: str, org_name: str, f: Figures) -> RowOut:
    return RowOut(
        id=id_,
        name=name,
        org_name=org_name,
        received=f.received,
        responded_in_time_rate=f.responded_in_time_rate,
        success=f.success,
        failure=f.failure,
        success_rate=f.success_rate,
        median_days=f.median_days,
        escalated_out=f.escalated_out,
        satisfaction=f.satisfaction,
        ratings=f.ratings,
        sla_breaches=f.sla_breaches,
    )


def build(s: Session, p: Principal, start_d: date, end_d: date) -> AssessmentOut:
    start, end = day_start(start_d), day_start(end_d + timedelta(days=1))
    hs, ratings = histories(s, start, end)
    by_org, by_mediator = assess(hs, ratings)
    org_names = dict(s.execute(select(Org.id, Org.name)).all())
    mediators = {m.id: m for m in s.scalars(select(Mediator))}
    if (prefix := p.area_prefix()) is not None:
        # An admin or analyst bound to a county (or city): the organisations inside it only.
        inside = set(s.scalars(select(Org.id).where(Org.region.startswith(prefix, autoescape=True))))
        by_org = {k: v for k, v in by_org.items() if k in inside}
        by_mediator = {
            k: v for k, v in by_mediator.items() if k in mediators and mediators[k].org_id in inside
        }
    if p.role == "mediator":
        by_org = {}
        by_mediator = {k: v for k, v in by_mediator.items() if k == p.mediator_id}
    elif p.role == "org_admin":
        by_org = {k: v for k, v in by_org.items() if k == p.org_id}
        by_mediator = {
            k: v for k, v in by_mediator.items() if k in mediators and mediators[k].org_id == p.org_id
        }
    orgs = [_row(k, org_names.get(k, k), org_names.get(k, k), f) for k, f in by_org.items()]
    meds = []
    for k, f in by_mediator.items():
        m = mediators.get(k)
        org_name = org_names.get(m.org_id, "") if m else ""
        meds.append(_row(k, m.name if m else k, org_name, f))
    return AssessmentOut(
        date_from=start_d.isoformat(),
        date_to=end_d.isoformat(),
        orgs=sorted(orgs, key=lambda r: (-r.received, r.id)),
        mediators=sorted(meds, key=lambda r: (-r.received, r.id)),
        generated_at=datetime.now(UTC).isoformat(),
    )


FromDate = Annotated[date | None, QueryParameter(name="from", description="立案开始日期（含），默认一年前")]
ToDate = Annotated[date | None, QueryParameter(name="to", description="立案结束日期（含），默认今天")]


def _window(date_from: date | None, date_to: date | None) -> tuple[date, date]:
    check_days(date_from, date_to)
    end = date_to or datetime.now(UTC).astimezone(CST).date()
    start = date_from or end - timedelta(days=365)
    if start > end or (end - start).days > 3 * 366:
        raise ApiError(400, "日期范围不正确（开始不晚于结束，跨度不超过 3 年）")
    return start, end


@get(
    "/api/v1/cockpit/assessment",
    operation_id="cockpitAssessment",
    guards=[roles(*ASSESS_ROLES)],
    tags=["cockpit"],
    sync_to_thread=True,
)
def assessment(
    request: Request[Principal, Any, Any],
    db: NamedDependency[Database],
    date_from: FromDate = None,
    date_to: ToDate = None,
) -> AssessmentOut:
    """考核: per organisation and mediator, of the cases filed in [from, to] (definitions:
    server/assessment/figures.py, docs/assessment.md)."""
    start, end = _window(date_from, date_to)
    with db.read_session() as s:
        return build(s, request.user, start, end)


CSV_COLUMNS = (
    ("kind", "类型"),
    ("name", "名称"),
    ("org_name", "所属机构"),
    ("received", "受理案件数"),
    ("responded_in_time_rate", "按期响应率"),
    ("success_rate", "调解成功率"),
    ("median_days", "办结天数中位数"),
    ("escalated_out", "上移件数"),
    ("satisfaction", "满意度（1-5）"),
    ("ratings", "评价数"),
    ("sla_breaches", "超期次数"),
)


@get(
    "/api/v1/cockpit/assessment.csv",
    operation_id="cockpitAssessmentCsv",
    guards=[roles(*ASSESS_ROLES)],
    tags=["cockpit"],
    sync_to_thread=True,
)
def assessment_csv(
    request: Request[Principal, Any, Any],
    db: NamedDependency[Database],
    date_from: FromDate = None,
    date_to: ToDate = None,
) -> Response[bytes]:
    """The same figures as CSV (UTF-8 with BOM so spreadsheet programs read the Chinese)."""
    start, end = _window(date_from, date_to)
    with db.read_session() as s:
        out = build(s, request.user, start, end)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([zh for _, zh in CSV_COLUMNS])
    for kind, rows in (("机构", out.orgs), ("调解员", out.mediators)):
        for r in rows:
            values = {**msgspec.structs.asdict(r), "kind": kind}
            w.writerow(["" if values[k] is None else values[k] for k, _ in CSV_COLUMNS])
    return Response(
        ("\ufeff" + buf.getvalue()).encode(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="assessment-{start}-{end}.csv"'},
    )


route_handlers = [assessment, assessment_csv]
