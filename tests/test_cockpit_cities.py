"""The cockpit's city level and ``region=`` on every cockpit answer, on both databases.

A province deployment (``JIEFEN_AREA=33``) over the demo registry with the province's cities and
two counties of other cities added (tests/provincetools.py): 长兴 cases filed through sync (with
parties), 杭州 and 宁波 cases written as the projection writes them. The province's summary lists
one row per city, each equal to that city's own view; ``region=`` narrows summary, trend and risks
alike and is refused outside the caller's scope (403), outside the served area (400 ``bad_value``)
and when malformed (400, in Chinese) — never a 5xx.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from server.app import create_app
from server.db import Database
from server.settings import Settings
from tests import provincetools as pt
from tests.conftest import login, new_device
from tests.synctools import Device
from tests.test_cockpit_api import assert_no_personal_data

VILLAGE = "330522001008"  # 长兴县 雉城街道
CX, HUZHOU, HANGZHOU, NINGBO = "330522000000", "330500000000", "330100000000", "330200000000"
SC = "330102000000"  # 杭州市 上城区
PHONES = ("13957211111", "13957222222", "13957233333")
NAMES = ("周建国", "吴丽华")
ID_NUMBER = "330522198001011234"
FIGURES = (
    "total",
    "mediated",
    "first_mediation_rate",
    "success",
    "failure",
    "mediation_success_rate",
    "closed",
    "settled",
    "settle_withdraw_rate",
    "litigation",
    "litigation_per_10k",
    "open",
    "population",
)


def _intent(d: Device, key: str, to: str, **extra: str) -> None:
    d.op("case", key, "intent", "transition", {"to": to, **extra})


@pytest.fixture
def province(settings: Settings, db: Database) -> Iterator[TestClient[Any]]:
    """The province deployment, everything filed and moved through sync: 3 长兴 cases (one an open
    group dispute; parties with names, phones, an ID number), 3 in 上城区 (an open group dispute,
    one resolved, one failed and sent to court), 1 withdrawn in 海曙区; a province analyst, a 湖州
    analyst, a 杭州 admin and a 长兴 admin."""
    mediators = pt.add_counties(db)
    hz, nb = sorted(mediators)  # 330102… (杭州) before 330203… (宁波)
    pt.add_staff(db, "prov_analyst", "analyst", "330000000000")
    pt.add_staff(db, "huzhou_analyst", "analyst", HUZHOU)
    pt.add_staff(db, "hangzhou_admin", "admin", HANGZHOU)
    pt.add_staff(db, "cx_admin", "admin", CX)
    with TestClient(create_app(dataclasses.replace(settings, area="33"))) as c:
        citizen = Device(c, new_device(c))
        for i in range(3):
            key = f"cx{i}"
            citizen.file_case(key, "隔壁装修天天敲到半夜", region=VILLAGE, applicants=6 if i == 0 else 1)
            for suffix, role, name in (("a", "applicant", NAMES[0]), ("r", "respondent", NAMES[1])):
                citizen.put("party", f"{key}{suffix}", "case", key)
                citizen.put("party", f"{key}{suffix}", "role", role)
                citizen.put("party", f"{key}{suffix}", "name", name)
                citizen.put("party", f"{key}{suffix}", "phone", PHONES[i])
                citizen.put("party", f"{key}{suffix}", "id_number", ID_NUMBER)
        for key, applicants in (("hz1", 9), ("hz2", 1), ("hz3", 1)):
            citizen.file_case(key, "隔壁装修天天敲到半夜", region=hz, applicants=applicants)
        citizen.file_case("nb1", "隔壁装修天天敲到半夜", region=nb)
        assert citizen.sync()["rejected"] == []
        med = Device(c, login(c, mediators[hz], pt.PASSWORD))
        med.sync()
        assert {"hz2", "hz3"} <= med.keys("case")  # routed inside 上城区 (hz1, a group, higher up)
        for key in ("hz2", "hz3"):
            _intent(med, key, "accepted")
        _intent(med, "hz2", "resolved", agreement="双方和解")
        _intent(med, "hz3", "failed", reason="分歧较大")
        assert med.sync()["rejected"] == []
        _intent(med, "hz3", "filing_requested")
        _intent(citizen, "nb1", "withdrawn")
        assert med.sync()["rejected"] == [] and citizen.sync()["rejected"] == []
        yield c


def _get(c: TestClient[Any], path: str, user: str, **params: str) -> Any:
    pw = pt.PASSWORD if user in ("prov_analyst", "huzhou_analyst", "hangzhou_admin", "cx_admin") else None
    h = login(c, user, pw) if pw else login(c, user)
    return c.get(f"/api/v1/cockpit/{path}", params=params, headers=h)


def test_the_province_lists_its_cities_each_equal_to_the_city_view(province: TestClient[Any]) -> None:
    r = _get(province, "summary", "prov_analyst")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["scope"]["region"] == "330000000000" and body["scope"]["total"] == 7
    cities = {c["region"]: c for c in body["cities"]}
    assert len(cities) == 11  # every city of 浙江, named by the server's registry
    assert (cities[HUZHOU]["name"], cities[HUZHOU]["total"]) == ("湖州市", 3)
    assert (cities[HANGZHOU]["name"], cities[HANGZHOU]["total"]) == ("杭州市", 3)
    assert (cities[NINGBO]["total"], cities[NINGBO]["settled"], cities[NINGBO]["closed"]) == (1, 1, 1)
    assert sum(c["total"] for c in body["cities"]) == body["scope"]["total"]
    hz = cities[HANGZHOU]
    assert (hz["success"], hz["failure"], hz["litigation"], hz["mediated"]) == (1, 1, 1, 2)
    assert set(hz) == set(body["counties"][0])  # the same figure set as a county row
    assert body["towns"] == []  # still no township rows for the province
    assert {c["region"] for c in body["counties"]} >= {CX, SC}
    for code in (HUZHOU, HANGZHOU):
        r = _get(province, "summary", "prov_analyst", region=code)
        assert r.status_code == 200, r.text
        view = r.json()
        assert {k: view["scope"][k] for k in FIGURES} == {k: cities[code][k] for k in FIGURES}, code
        assert view["cities"] == [] and view["towns"]  # a city: its counties and townships
        assert all(c["region"].startswith(code[:4]) for c in view["counties"] + view["towns"])
    # A city's trend, as a county's: its months add up to its total in the window.
    r = _get(province, "trend", "prov_analyst", region=HANGZHOU)
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "杭州市" and sum(m["total"] for m in r.json()["months"]) == 3


def test_the_city_and_county_views_list_no_cities(province: TestClient[Any]) -> None:
    body = _get(province, "summary", "huzhou_analyst").json()
    assert body["scope"]["region"] == HUZHOU and body["cities"] == []
    assert [c["region"] for c in body["counties"]] == [CX]  # the 湖州 counties the registry holds
    body = _get(province, "summary", "cx_admin").json()
    assert body["scope"]["region"] == CX and body["cities"] == [] and body["counties"] == []
    assert body["scope"]["total"] == 3


def _warned(r: Any) -> set[str]:
    assert r.status_code == 200, r.text
    return {w["region"][:6] for w in r.json()["warnings"]}


def test_risks_follow_the_region_opened(province: TestClient[Any]) -> None:
    assert _warned(_get(province, "risks", "prov_analyst")) == {"330522", "330102"}
    assert _warned(_get(province, "risks", "prov_analyst", region=HUZHOU)) == {"330522"}
    assert _warned(_get(province, "risks", "prov_analyst", region=CX)) == {"330522"}
    assert _warned(_get(province, "risks", "prov_analyst", region=HANGZHOU)) == {"330102"}
    assert _warned(_get(province, "risks", "prov_analyst", region=NINGBO)) == set()
    assert _warned(_get(province, "risks", "huzhou_analyst")) == {"330522"}
    assert _warned(_get(province, "risks", "hangzhou_admin", region=SC)) == {"330102"}


PATHS = ("summary", "trend", "risks")


def test_a_region_outside_the_callers_scope_is_refused(province: TestClient[Any]) -> None:
    for path in PATHS:
        _refused_outside_scope(province, path)


def _refused_outside_scope(province: TestClient[Any], path: str) -> None:
    # A 湖州 analyst may not open 杭州 (nor one of its counties); its own county is fine.
    for code in (HANGZHOU, SC):
        r = _get(province, path, "huzhou_analyst", region=code)
        assert r.status_code == 403 and "本辖区" in r.json()["detail"], (code, r.text)
    assert _get(province, path, "huzhou_analyst", region=CX).status_code == 200
    # A county admin (长兴) may not open 上城区 nor the city it lies in.
    for code in (SC, HUZHOU):
        assert _get(province, path, "cx_admin", region=code).status_code == 403, code
    assert _get(province, path, "cx_admin", region=CX).status_code == 200
    # An org admin (雉城街道's committee) may not open its own county as a whole.
    assert _get(province, path, "town_admin", region=CX).status_code == 403


def test_a_region_outside_the_served_area_is_bad_value(
    province: TestClient[Any], client: TestClient[Any]
) -> None:
    for path in PATHS:
        _refused_outside_area(province, client, path)


def _refused_outside_area(province: TestClient[Any], client: TestClient[Any], path: str) -> None:
    r = _get(province, path, "prov_analyst", region="110100000000")  # 北京 in a 浙江 deployment
    assert r.status_code == 400 and r.json()["extra"]["code"] == "bad_value", r.text
    assert "服务范围" in r.json()["detail"]
    # The county deployment (长兴县) serves neither its neighbour nor its city as a whole.
    for code in ("330521000000", HUZHOU):
        r = client.get(f"/api/v1/cockpit/{path}", params={"region": code}, headers=login(client, "analyst"))
        assert r.status_code == 400 and r.json()["extra"]["code"] == "bad_value", (code, r.text)
    # Inside the area and the scope, but no such region in the registry.
    r = _get(province, path, "prov_analyst", region="330199000000")
    assert r.status_code == 404 and r.json()["detail"] == "找不到该区域"


HOSTILE = [
    "",
    "\x00",
    "3305\x0000000000",
    "330500000000\x00",
    "DROP TABLE cases",
    "'; DROP TABLE cases; --",
    "33050000000x",
    "3305000000000",
    "33050000000",
    "３３０５０００００００００",  # full-width digits: not ASCII
    "³³⁰⁵⁰⁰⁰⁰⁰⁰⁰⁰",  # digits to str.isdigit, not to a region code
    "330522001000",  # a township: not a city or county
    "000000000000",
    "9" * 60_000,  # as long as the test client lets a URL be
]


def test_hostile_regions_get_a_chinese_400(province: TestClient[Any]) -> None:
    h = login(province, "prov_analyst", pt.PASSWORD)
    for path, value in ((p, v) for p in PATHS for v in HOSTILE):
        r = province.get(f"/api/v1/cockpit/{path}", params={"region": value}, headers=h)
        assert r.status_code == 400, (value[:20], r.status_code, r.text[:200])
        assert re.search(r"[\u4e00-\u9fff]", r.json()["detail"]), (value[:20], r.text[:200])


def test_an_analyst_never_receives_personal_data_at_any_level(province: TestClient[Any]) -> None:
    h = login(province, "prov_analyst", pt.PASSWORD)
    bodies = [
        province.get(f"/api/v1/cockpit/{path}", params=params, headers=h).text
        for path in ("summary", "trend", "risks")
        for params in ({}, {"region": HUZHOU}, {"region": CX})
    ]
    assert_no_personal_data("".join(bodies), (*PHONES, ID_NUMBER), NAMES)


def test_city_tallies_equal_the_cases_counted_directly(province: TestClient[Any], db: Database) -> None:
    """The roll-up's county grain summed per city == ``direct.by_city``, with cases in three cities."""
    from datetime import UTC, datetime, timedelta

    from server.cockpit import direct, queries
    from server.cockpit.queries import Scope
    from server.cockpit.risks import CST

    today = datetime.now(UTC).astimezone(CST).date()
    start, end = queries.day_start(today - timedelta(days=40)), queries.day_start(today + timedelta(days=1))

    def flat(raw: dict[Any, list[Any]]) -> Counter[tuple[Any, str, bool]]:
        c: Counter[tuple[Any, str, bool]] = Counter()
        for g, ts in raw.items():
            for t in ts:
                c[(g or None, t.status, t.mediated)] += t.n
        return +c

    with db.read_session() as s:
        for prefix in (None, "33", "3301", "3305", "330102"):
            got = flat(queries.tallies_by_city(s, start, end, Scope(prefix)))
            assert got == flat(direct.by_city(s, start, end, prefix)), prefix
        everything = queries.tallies_by_city(s, start, end, Scope("33"))
    assert {g: sum(t.n for t in ts) for g, ts in everything.items()} == {"3305": 3, "3301": 3, "3302": 1}
