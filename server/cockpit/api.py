"""HTTP: the data cockpit (``/api/v1/cockpit/summary|trend|risks``), aggregates only.

Analysts and admins see the served area (``JIEFEN_AREA``) or, when their account is bound to a
county or a city, that region; an org admin sees the townships of its organisation's region (a
county-level organisation: the county). A view wider than one county also lists its counties;
the province's view lists its cities and counties and no townships (``queries.lists_cities``,
``lists_towns``). ``region=`` narrows summary, trend and risks alike to one city or county of the
caller's scope (``_view``). Nothing personal leaves these endpoints: counts, rates, region and
category names, and — for a repeated respondent, to admins and org admins
only — the name masked to one character. Definitions: server/cockpit/metrics.py, risks.py and docs/cockpit.md.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

import msgspec
from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from sqlalchemy.orm import Session

from server.accounts.guards import roles
from server.accounts.principal import Principal
from server.cockpit import queries, risks
from server.cockpit.metrics import Figures, Tally, figures
from server.cockpit.queries import Scope
from server.db import Database
from server.http import ApiError, check_days
from server.registry.area import Area
from server.registry.models import Org
from server.settings import Settings
from server.vocabulary import CATEGORY_NAMES_ZH

COCKPIT_ROLES = ("analyst", "admin", "org_admin")
POPULATION_NOTE = "人口为近似演示数据，万人成讼率仅供演示"
MAX_DAYS = 3 * 366


class _Figures(msgspec.Struct, kw_only=True):
    """The five figures with their numerators and denominators (docs/cockpit.md)."""

    total: int
    mediated: int
    first_mediation_rate: float | None
    success: int
    failure: int
    mediation_success_rate: float | None
    closed: int
    settled: int
    settle_withdraw_rate: float | None
    litigation: int
    litigation_per_10k: float | None
    open: int


class FiguresOut(_Figures, kw_only=True):
    region: str | None
    name: str
    population: int | None


class SummaryOut(msgspec.Struct, kw_only=True):
    date_from: str = msgspec.field(name="from")
    date_to: str = msgspec.field(name="to")
    scope: FiguresOut
    cities: list[FiguresOut]  # a province's view: one row per city; else empty
    counties: list[FiguresOut]  # a city's or province's view: one row per county; else empty
    towns: list[FiguresOut]  # a city's view or narrower: one row per township; the province: empty
    unplaced: int  # cases in the total but in no row listed (no such township; province: county)
    population_note: str = POPULATION_NOTE
    generated_at: str


class MonthOut(_Figures, kw_only=True):
    month: str


class TrendOut(msgspec.Struct, kw_only=True):
    region: str | None
    name: str
    months: list[MonthOut]
    population_note: str = POPULATION_NOTE
    generated_at: str


class WarningOut(msgspec.Struct, kw_only=True):
    type: risks.Kind
    region: str | None
    region_name: str
    category: str | None
    category_name: str
    count: int
    baseline: float | None
    message: str
    respondent: str | None = None
    cases: int | None = None


class RisksOut(msgspec.Struct, kw_only=True):
    warnings: list[WarningOut]
    rules: dict[str, str]
    generated_at: str


RULES_ZH = {
    "spike": "同一乡镇同一类纠纷近7天件数≥3，且≥前8周周均件数×2+1",
    "repeat_respondent": "同一被申请人（姓名+电话号码）90天内涉及≥3件纠纷；分析人员只见件数",
    "group_dispute": "未办结纠纷申请人数≥5人",
}


def _now() -> datetime:
    return datetime.now(UTC)


def _scope(s: Session, p: Principal, served: str) -> tuple[Scope, str | None, str]:
    """The caller's scope, its region code and name; ``served`` is the deployment's area prefix.

    Raises ``AreaError`` (403 by the error table) for an account outside the served area."""
    if p.role in ("analyst", "admin"):
        prefix = Area.parse(served).narrow(p.area_prefix())
        code, name = queries.area(s, prefix)
        return Scope(prefix), code, name
    org = s.get(Org, p.org_id) if p.org_id else None
    if org is None:
        raise ApiError(403, "您的账号未关联机构，无法查看数据驾驶舱")
    region = org.region
    if region[6:9] == "000":  # a county-level organisation
        prefix, code = region[:6], region[:6] + "000000"
    else:
        prefix, code = region[:9], region[:9] + "000"
    return Scope(prefix), code, queries.region_name(s, code) or code


def _out(region: str | None, name: str, f: Figures) -> FiguresOut:
    return FiguresOut(region=region, name=name, **dataclasses.asdict(f))


def _dates(date_from: date | None, date_to: date | None, today: date) -> tuple[date, date]:
    """The period asked for, defaulted; 400 in Chinese for days outside 2000–2099 (a year 1 or 9999
    would overflow the month arithmetic below), a reversed period or one over 3 years."""
    check_days(date_from, date_to)
    to = date_to or today
    if date_from is None:
        # The last 12 months, this one included: the trend's window.
        y, m = divmod(to.year * 12 + to.month - 1 - 11, 12)
        date_from = date(y, m + 1, 1)
    if date_from > to:
        raise ApiError(400, "开始日期不能晚于结束日期")
    if (to - date_from).days > MAX_DAYS:
        raise ApiError(400, "查询时间跨度不能超过 3 年")
    return date_from, to


FromDate = Annotated[
    date | None, QueryParameter(name="from", description="开始日期（含），默认 12 个月前的月初")
]
ToDate = Annotated[date | None, QueryParameter(name="to", description="结束日期（含），默认今天（北京时间）")]
Months = Annotated[int, QueryParameter(ge=1, le=36, description="最近几个月（含本月）")]
TownParam = Annotated[str | None, QueryParameter(description="乡镇（街道）代码，12 位")]
RegionParam = Annotated[
    str | None, QueryParameter(description="县（市、区）或市的代码，12 位；默认为账号的整个辖区")
]


def _region_prefix(region: str) -> str:
    """The prefix a ``region=`` names: ``3305`` for a city, ``330521`` for a county (400 otherwise)."""
    if len(region) != 12 or not (region.isascii() and region.isdigit()):
        raise ApiError(400, "区域代码应为 12 位数字的县（市、区）或市的代码")
    if region[6:] != "000000" or region[2:4] == "00":
        raise ApiError(400, "区域代码应为 12 位县（市、区）或市的代码")
    return region[:4] if region[4:6] == "00" else region[:6]


def _view(s: Session, p: Principal, served: str, region: str | None) -> tuple[Scope, str | None, str]:
    """The caller's scope (``_scope``), or the one city or county ``region`` inside it: 400 for a
    malformed code or one outside the served area (``bad_value``), 403 outside the caller's scope,
    404 for a code the registry does not know. Summary, trend and risks narrow alike."""
    scope, code, name = _scope(s, p, served)
    if region is None:
        return scope, code, name
    prefix = _region_prefix(region)
    if not prefix.startswith(Area.parse(served).prefix):
        raise ApiError(400, "该区域不在本平台服务范围内", code="bad_value")
    if scope.prefix and not prefix.startswith(scope.prefix):
        raise ApiError(403, "只能查看本辖区的数据")
    found = queries.region_name(s, region)
    if found is None:
        raise ApiError(404, "找不到该区域")
    return Scope(prefix), region, found


@get(
    "/api/v1/cockpit/summary",
    operation_id="cockpitSummary",
    guards=[roles(*COCKPIT_ROLES)],
    tags=["cockpit"],
    sync_to_thread=True,
)
def summary(
    request: Request[Principal, Any, Any],
    settings: NamedDependency[Settings],
    db: NamedDependency[Database],
    date_from: FromDate = None,
    date_to: ToDate = None,
    region: RegionParam = None,
) -> SummaryOut:
    """纠纷总数, 先行调解率, 诉前调解成功率, 调撤率, 万人成讼率 of the cases filed in [from, to]."""
    now = _now()
    start_d, end_d = _dates(date_from, date_to, now.astimezone(risks.CST).date())
    start, end = queries.day_start(start_d), queries.day_start(end_d + timedelta(days=1))
    with db.replica_session() as s:
        scope, code, name = _view(s, request.user, settings.area, region)
        with_towns = queries.lists_towns(scope)
        by_town = queries.tallies_by_town(s, start, end, scope) if with_towns else {}
        towns = queries.towns(s, scope) if with_towns else []
        pop = queries.population(s, scope)
        wide = scope.prefix is None or len(scope.prefix) < 6
        by_county = queries.tallies_by_county(s, start, end, scope) if wide else {}
        counties = queries.counties(s, scope) if wide else []
        with_cities = queries.lists_cities(scope)
        cities = queries.cities(s, scope) if with_cities else []
    by_city = queries.per_city(by_county) if with_cities else {}
    # Every case of the scope is in exactly one entry of either tally; the rows listed are the
    # towns when there are any, else the counties (a province), and ``unplaced`` is the rest.
    listed: dict[str | None, list[Tally]] = dict(by_town) if with_towns else dict(by_county)
    every: list[Tally] = [t for ts in listed.values() for t in ts]
    rows = [_out(t.code, t.name, figures(by_town.get(t.code, []), t.population)) for t in towns]
    county_rows = [
        _out(c.code, c.name, figures(by_county.get(c.code[:6], []), c.population)) for c in counties
    ]
    # A city's residents are its counties' (as in the city's own view), not a separate figure.
    city_pop = {c.code[:4]: sum(k.population for k in counties if k.code[:4] == c.code[:4]) for c in cities}
    city_rows = [
        _out(c.code, c.name, figures(by_city.get(c.code[:4], []), city_pop[c.code[:4]])) for c in cities
    ]
    known = {t.code for t in towns} if with_towns else {c.code[:6] for c in counties}
    unplaced = sum(t.n for code_, ts in listed.items() if code_ not in known for t in ts)
    return SummaryOut(
        date_from=start_d.isoformat(),
        date_to=end_d.isoformat(),
        scope=_out(code, name, figures(every, pop)),
        cities=city_rows,
        counties=county_rows,
        towns=rows,
        unplaced=unplaced,
        generated_at=now.isoformat(),
    )


@get(
    "/api/v1/cockpit/trend",
    operation_id="cockpitTrend",
    guards=[roles(*COCKPIT_ROLES)],
    tags=["cockpit"],
    sync_to_thread=True,
)
def trend(
    request: Request[Principal, Any, Any],
    settings: NamedDependency[Settings],
    db: NamedDependency[Database],
    months: Months = 12,
    town: TownParam = None,
    region: RegionParam = None,
) -> TrendOut:
    """The five figures per calendar month (China time) of the last ``months`` months."""
    now = _now()
    bounds = queries.month_starts(now.astimezone(risks.CST).date(), months)
    with db.replica_session() as s:
        scope, code, name = _view(s, request.user, settings.area, region)
        if town is not None:
            if len(town) != 12 or not town.isdigit() or town[6:9] == "000" or town[9:] != "000":
                raise ApiError(400, "乡镇（街道）代码应为 12 位，且末三位为 000")
            if scope.prefix and not town.startswith(scope.prefix):
                raise ApiError(403, "只能查看本辖区的数据")
            scope, code, name = Scope(town[:9]), town, queries.region_name(s, town) or town
        per_month = queries.tallies_by_month(s, bounds, scope)
        pop = queries.population(s, scope)
    out: list[MonthOut] = []
    for b, tallies in zip(bounds, per_month, strict=False):
        f = dataclasses.asdict(figures(tallies, pop))
        f.pop("population")
        out.append(MonthOut(month=b.strftime("%Y-%m"), **f))
    return TrendOut(region=code, name=name, months=out, generated_at=now.isoformat())


@get(
    "/api/v1/cockpit/risks",
    operation_id="cockpitRisks",
    guards=[roles(*COCKPIT_ROLES)],
    tags=["cockpit"],
    sync_to_thread=True,
)
def risk_warnings(
    request: Request[Principal, Any, Any],
    settings: NamedDependency[Settings],
    db: NamedDependency[Database],
    region: RegionParam = None,
) -> RisksOut:
    """Early warnings: spikes by town and category, repeated respondents (masked), group disputes
    — of the caller's scope, or of the one city or county ``region`` inside it (as the summary)."""
    now = _now()
    with db.replica_session() as s:
        scope, _, _ = _view(s, request.user, settings.area, region)
        names = {t.code: t.name for t in queries.towns(s, Scope(None))}
        found = (
            risks.spikes(queries.week_counts(s, now, scope), names, CATEGORY_NAMES_ZH)
            + risks.repeat_respondents(queries.respondents(s, now, scope), names, CATEGORY_NAMES_ZH)
            + risks.group_disputes(queries.open_group_cases(s, scope), names, CATEGORY_NAMES_ZH)
        )
    if request.user.role == "analyst":  # counts only, no person at all (docs/security.md)
        found = [risks.without_person(w) for w in found]
    return RisksOut(
        warnings=[
            WarningOut(
                type=w.type,
                region=w.region,
                region_name=w.region_name,
                category=w.category,
                category_name=w.category_name,
                count=w.count,
                baseline=w.baseline,
                message=w.message,
                respondent=w.respondent,
                cases=w.cases,
            )
            for w in found
        ],
        rules=RULES_ZH,
        generated_at=now.isoformat(),
    )


route_handlers = [summary, trend, risk_warnings]
