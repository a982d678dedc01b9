"""HTTP: ``POST /api/v1/consult`` (DESIGN.md §11), the content admins edit, the per-village
directory the PWA keeps for offline answers, and the anonymous tally in the cockpit."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

import msgspec
from litestar import Request, get, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK
from sqlalchemy import and_, func, select, true

from server.accounts.guards import authenticated, roles, whole_area_admin
from server.accounts.principal import Principal
from server.consult.models import Consultation
from server.consult.service import CST, ConsultService, Responsible, region_known
from server.db import Database
from server.http import ApiError, check_days, client_address
from server.ratelimit import Limiter
from server.vocabulary import CATEGORY_IDS, CATEGORY_NAMES_ZH

MAX_TEXT = 2000
_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_REGION = re.compile(r"[0-9]{12}")


def _limit(request: Request[Any, Any, Any], limiter: Limiter) -> None:
    if not limiter.allow(client_address(request)):
        raise ApiError(429, "咨询过于频繁，请稍后再试")


def _region(s: Any, region: object) -> str | None:
    if region is None or region == "":
        return None
    if not isinstance(region, str) or not _REGION.fullmatch(region):
        raise ApiError(400, "地区编码应为 12 位数字（村或社区）")
    if not region_known(s, region):
        raise ApiError(400, "找不到该地区，请重新选择所在村（社区）")
    return region


class SectionOut(msgspec.Struct):
    id: str
    title: str
    items: list[str]


class BasisOut(msgspec.Struct):
    law: str
    article: str
    point: str


class PrefillOut(msgspec.Struct):
    category: str
    region: str | None
    summary: str


class ConsultOut(msgspec.Struct):
    category: str
    category_name: str
    confidence: float
    matched: list[str]
    sections: list[SectionOut]
    organisation: Responsible | None
    legal_bases: list[BasisOut]
    guidance_version: str
    prefill: PrefillOut


class ConsultIn(msgspec.Struct):
    text: Annotated[str, msgspec.Meta(description="遇到的问题（1–2000 字）", max_length=MAX_TEXT)]
    region: Annotated[str, msgspec.Meta(description="所在村（社区）12 位代码", max_length=12)] | None = None


@post(
    "/api/v1/consult",
    operation_id="consult",
    tags=["consult"],
    status_code=HTTP_200_OK,
    sync_to_thread=True,
)
def consult(
    request: Request[Any, Any, Any],
    data: JSONBody[ConsultIn],
    db: NamedDependency[Database],
    consult_service: NamedDependency[ConsultService],
    consult_limiter: NamedDependency[Limiter],
) -> ConsultOut:
    """A description (1–2000 chars) and optionally the caller's village → the likely category,
    guidance sections, the organisation that handles it for that region, and the legal bases.
    Counted anonymously (day, township, category). 400 on bad input, 429 when flooded."""
    _limit(request, consult_limiter)
    text = data.text
    if not text.strip():
        raise ApiError(400, "请描述您遇到的问题")
    if _BAD_CHARS.search(text):
        raise ApiError(400, "描述中含有不允许的控制字符")
    with db.session() as s:
        region = _region(s, data.region)
        out = consult_service.consult(s, text.strip(), region)
    return msgspec.convert(out, ConsultOut)


class GuidanceOut(msgspec.Struct):
    version: str
    data: dict[str, Any]


@get("/api/v1/consult/guidance", operation_id="getGuidance", tags=["consult"], sync_to_thread=True)
def get_guidance(
    db: NamedDependency[Database], consult_service: NamedDependency[ConsultService]
) -> GuidanceOut:
    """The consultation content in force (public: the PWA refreshes its bundled copy with it)."""
    with db.read_session() as s:
        data = consult_service.guidance(s)
    return GuidanceOut(version=str(data["version"]), data=data)


@put(
    "/api/v1/consult/guidance",
    operation_id="putGuidance",
    guards=[whole_area_admin],
    tags=["consult"],
    sync_to_thread=True,
)
def put_guidance(
    request: Request[Principal, Any, Any],
    data: JSONBody[dict[str, Any]],
    db: NamedDependency[Database],
    consult_service: NamedDependency[ConsultService],
) -> GuidanceOut:
    """Publish edited content (all 25 categories, every time limit cited); ``GuidanceError``: 400
    lists the problems."""
    with db.session() as s:
        consult_service.publish(s, data, request.user.user_id)
    return GuidanceOut(version=str(data["version"]), data=data)


class DirectoryOut(msgspec.Struct):
    region: str
    orgs: dict[str, Responsible | None]


RegionParam = Annotated[str, QueryParameter(description="村（社区）或乡镇 12 位代码")]


@get(
    "/api/v1/consult/directory",
    operation_id="consultDirectory",
    tags=["consult"],
    sync_to_thread=True,
    cache=300,
)
def directory(
    region: RegionParam, db: NamedDependency[Database], consult_service: NamedDependency[ConsultService]
) -> DirectoryOut:
    """For one region, the organisation each category goes to (the PWA keeps it for offline use)."""
    with db.read_session() as s:
        code = _region(s, region)
        if code is None:  # ``?region=`` given empty
            raise ApiError(400, "请先选择所在地区（村或社区）")
        found = consult_service.directory(s, code)
    return DirectoryOut(region=code, orgs=found)


class TallyItem(msgspec.Struct):
    day: date
    category: Annotated[str, msgspec.Meta(max_length=32)]
    region: Annotated[str, msgspec.Meta(max_length=12)] | None = None


class TallyIn(msgspec.Struct):
    items: Annotated[list[TallyItem], msgspec.Meta(min_length=1, max_length=50)]


@post(
    "/api/v1/consult/tally",
    operation_id="consultTally",
    guards=[authenticated],
    tags=["consult"],
    status_code=HTTP_200_OK,
    sync_to_thread=True,
)
def tally(
    request: Request[Principal, Any, Any],
    data: JSONBody[TallyIn],
    db: NamedDependency[Database],
    consult_limiter: NamedDependency[Limiter],
) -> dict[str, int]:
    """Consultations a device answered offline: 1–50 items of day (the last 30 days), category and
    region (optional). Only day, township and category are kept."""
    _limit(request, consult_limiter)
    today = datetime.now(UTC).astimezone(CST).date()
    parsed = data.items
    with db.session() as s:
        for it in parsed:
            if it.category not in CATEGORY_IDS or not today - timedelta(days=30) <= it.day <= today:
                raise ApiError(400, "记录的类别或日期不正确")
            ConsultService.count(s, _region(s, it.region), it.category, "device", today=it.day)
    return {"counted": len(parsed)}


class CountOut(msgspec.Struct):
    key: str
    name: str
    count: int


class ConsultCountsOut(msgspec.Struct, kw_only=True):
    date_from: str = msgspec.field(name="from")
    date_to: str = msgspec.field(name="to")
    total: int
    offline: int
    by_category: list[CountOut]
    by_month: list[CountOut]


FromDate = Annotated[date | None, QueryParameter(name="from", description="开始日期（含），默认一年前")]
ToDate = Annotated[date | None, QueryParameter(name="to", description="结束日期（含），默认今天")]


@get(
    "/api/v1/cockpit/consultations",
    operation_id="cockpitConsultations",
    guards=[roles("analyst", "admin", "org_admin")],
    tags=["cockpit"],
    sync_to_thread=True,
)
def consultation_counts(
    request: Request[Principal, Any, Any],
    db: NamedDependency[Database],
    date_from: FromDate = None,
    date_to: ToDate = None,
) -> ConsultCountsOut:
    """智能咨询 counts by category and month (anonymous tallies; no text is ever stored)."""
    check_days(date_from, date_to)
    today = datetime.now(UTC).astimezone(CST).date()
    end = date_to or today
    start = date_from or end - timedelta(days=365)
    if start > end or (end - start).days > 3 * 366:
        raise ApiError(400, "日期范围不正确（开始不晚于结束，跨度不超过 3 年）")
    prefix = request.user.area_prefix()  # bound to a county or city: its own consultations
    span = and_(
        Consultation.day.between(start, end),
        Consultation.area.startswith(prefix, autoescape=True) if prefix else true(),
    )
    with db.read_session() as s:
        rows = s.execute(
            select(Consultation.category, func.count()).where(span).group_by(Consultation.category)
        )
        by_cat = {str(c): int(n) for c, n in rows}
        days = s.execute(select(Consultation.day, func.count()).where(span).group_by(Consultation.day)).all()
        offline = s.scalar(select(func.count()).where(span, Consultation.source == "device")) or 0
    months: dict[str, int] = {}
    for d, n in days:
        months[d.strftime("%Y-%m")] = months.get(d.strftime("%Y-%m"), 0) + int(n)
    return ConsultCountsOut(
        date_from=start.isoformat(),
        date_to=end.isoformat(),
        total=sum(by_cat.values()),
        offline=int(offline),
        by_category=[
            CountOut(c, CATEGORY_NAMES_ZH.get(c, c), int(n))
            for c, n in sorted(by_cat.items(), key=lambda kv: -kv[1])
        ],
        by_month=[CountOut(m, m, n) for m, n in sorted(months.items())],
    )


route_handlers = [consult, get_guidance, put_guidance, directory, tally, consultation_counts]
