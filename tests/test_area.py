"""A served area wider than one county (JIEFEN_AREA=3305, the 湖州 city demo): codes, routing,
deadlines and courts per county, and scopes across the levels (DESIGN.md §11)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from server.db import Database
from server.migrate import upgrade
from server.registry.seed import seed_demo
from server.settings import Settings
from tests import dbutil
from tests.conftest import _require_pg, login, new_device
from tests.synctools import Device, server_put

DEQING_VILLAGE = "330521001001"  # 德清县 武康街道 居仁社区: the 德清 demo village
CHANGXING_VILLAGE = "330522001008"  # 长兴县 雉城街道 雉城社区
HANGZHOU_VILLAGE = "330102001001"  # in 浙江省, outside 湖州市
# 德清 answers a village filing within 1 working day; the rest of the city keeps the default 3.
DEQING_CONFIG = {"counties": {"330521": {"sla_by_level": {"village": {"respond": [1, "workdays"]}}}}}


@pytest.fixture(scope="module")
def _city_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    made: dict[str, Any] = {"dir": tmp_path_factory.mktemp("city")}
    yield made
    for backend, url in made.items():
        if backend == "postgresql":
            dbutil.pg_drop(url)


@pytest.fixture
def city_settings(backend: str, tmp_path: Path, _city_templates: dict[str, Any]) -> Iterator[Settings]:
    """A private copy of a database seeded with `seed_demo(area="3305")` (all five counties)."""
    if backend not in _city_templates:
        if backend == "sqlite":
            url = dbutil.sqlite_create(_city_templates["dir"])
        else:
            _require_pg()
            url = dbutil.pg_create()
        upgrade(url)
        db = Database(url)
        seed_demo(db, area="3305")
        db.dispose()
        _city_templates[backend] = url
    template = _city_templates[backend]
    if backend == "sqlite":
        url = dbutil.sqlite_create(tmp_path, dbutil.sqlite_path(template))
    else:
        from sqlalchemy.engine import make_url

        url = dbutil.pg_create(template=make_url(template).database)
    config = tmp_path / "routing.json"
    config.write_text(json.dumps(DEQING_CONFIG), encoding="utf-8")
    yield Settings(
        database_url=url,
        var_dir=tmp_path / "var",
        scheduler_interval_s=0,
        pwa_dist=tmp_path / "dist",
        area="3305",
        routing_config=str(config),
    )
    if backend == "postgresql":
        dbutil.pg_drop(url)


@pytest.fixture
def city(city_settings: Settings) -> Iterator[TestClient[Any]]:
    from server.app import create_app

    with TestClient(create_app(city_settings)) as c:
        yield c


def _file(client: TestClient[Any], key: str, region: str, summary: str = "邻居装修噪音扰民") -> Device:
    d = Device(client, new_device(client))
    d.file_case(key, summary, region=region)
    body = d.sync()
    assert body["rejected"] == [], body["rejected"]
    return d


def _intent(d: Device, key: str, to: str, **extra: Any) -> list[dict[str, Any]]:
    d.op("case", key, "intent", "transition", {"to": to, **extra})
    rejected: list[dict[str, Any]] = d.sync()["rejected"]
    return rejected


def test_deqing_case_is_coded_routed_timed_and_confirmed_inside_deqing(city: TestClient[Any]) -> None:
    deqing = _file(city, "dq1", DEQING_VILLAGE)
    changxing = _file(city, "cx1", CHANGXING_VILLAGE)
    dq, cx = deqing.view("case", "dq1"), changxing.view("case", "cx1")
    assert dq is not None and cx is not None
    assert dq["code"].startswith("JF-330521-")
    assert cx["code"].startswith("JF-330522-")
    assert dq["org"] == f"org-{DEQING_VILLAGE}-pmc"
    assert cx["org"] == f"org-{CHANGXING_VILLAGE}-pmc"
    # 德清's own deadline (1 working day) against 长兴's default (3), filed moments apart.
    assert datetime.fromisoformat(dq["respond_by"]) < datetime.fromisoformat(cx["respond_by"])

    med = Device(city, login(city, "village_mediator_330521"))
    med.sync()
    assert _intent(med, "dq1", "accepted") == []
    assert _intent(med, "dq1", "resolved", agreement="双方同意夜间停工，赔偿二百元") == []
    assert _intent(med, "dq1", "confirmation_requested") == []
    deqing.sync()
    view = deqing.view("case", "dq1")
    assert view is not None and view["status"] == "confirmation_requested"
    assert view["court_org"] == "org-330521-court"  # 德清县人民法院, not 长兴's

    clerk = Device(city, login(city, "court_330521"))
    clerk.sync()
    assert "dq1" in clerk.keys("case")
    other_court = Device(city, login(city, "court"))  # 长兴县人民法院
    other_court.sync()
    assert "dq1" not in other_court.keys("case")


def test_changxing_staff_never_see_or_act_on_a_deqing_case(city: TestClient[Any]) -> None:
    _file(city, "dq1", DEQING_VILLAGE)
    _file(city, "cx1", CHANGXING_VILLAGE)
    for username in ("village_mediator", "mediator", "county_mediator", "mtzx_mediator", "admin_330522"):
        d = Device(city, login(city, username))
        d.sync()
        assert "dq1" not in d.keys("case"), username
    cx_admin = Device(city, login(city, "admin_330522"))
    cx_admin.sync()
    assert "cx1" in cx_admin.keys("case")  # its own county's case
    # An admin of 长兴 pushing a move on the 德清 case (its key learnt elsewhere) is refused.
    rejected = _intent(cx_admin, "dq1", "escalated", reason="越权上移")
    assert len(rejected) == 1
    cx_admin.op("case", "dq1", "add", "tags", "重点")
    assert [r["code"] for r in cx_admin.sync()["rejected"]] == ["forbidden"]
    dq_admin = Device(city, login(city, "admin_330521"))
    dq_admin.sync()
    view = dq_admin.view("case", "dq1")
    assert view is not None and view["status"] == "assigned" and not view.get("tags")
    assert _intent(dq_admin, "dq1", "escalated", reason="村调委会回避") == []  # its own county: allowed
    # The city's admin sees both counties' cases.
    city_admin = Device(city, login(city, "admin"))
    city_admin.sync()
    assert {"dq1", "cx1"} <= city_admin.keys("case")
    # Revoking the tokens of a 德清 mediator is not for 长兴's admin.
    r = city.post(
        "/api/v1/users/user-village_mediator_330521/revoke-tokens", headers=login(city, "admin_330522")
    )
    assert r.status_code == 403
    r = city.post(
        "/api/v1/users/user-village_mediator_330521/revoke-tokens", headers=login(city, "admin_330521")
    )
    assert r.status_code == 200


def test_city_analyst_sees_every_county_a_county_analyst_only_its_own(city: TestClient[Any]) -> None:
    _file(city, "dq1", DEQING_VILLAGE)
    _file(city, "cx1", CHANGXING_VILLAGE)
    _file(city, "cx2", CHANGXING_VILLAGE, "借款三万元到期不还")
    r = city.get("/api/v1/cockpit/summary", headers=login(city, "analyst"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["scope"]["region"] == "330500000000" and body["scope"]["name"] == "湖州市"
    counties = {c["region"]: c for c in body["counties"]}
    assert len(counties) == 5
    assert counties["330521000000"]["name"] == "德清县" and counties["330521000000"]["total"] == 1
    assert counties["330522000000"]["name"] == "长兴县" and counties["330522000000"]["total"] == 2
    assert body["scope"]["total"] == 3
    r = city.get("/api/v1/cockpit/trend", params={"region": "330521000000"}, headers=login(city, "analyst"))
    assert r.status_code == 200 and r.json()["name"] == "德清县"
    assert sum(m["total"] for m in r.json()["months"]) == 1

    county = login(city, "analyst_330522")
    r = city.get("/api/v1/cockpit/summary", headers=county)
    body = r.json()
    assert body["scope"]["region"] == "330522000000" and body["scope"]["total"] == 2
    assert body["counties"] == []
    assert all(t["region"].startswith("330522") for t in body["towns"])
    r = city.get("/api/v1/cockpit/summary", params={"region": "330521000000"}, headers=county)
    assert r.status_code == 403
    r = city.get("/api/v1/cockpit/trend", params={"region": "330521000000"}, headers=county)
    assert r.status_code == 403
    r = city.get("/api/v1/cockpit/risks", params={"region": "330521000000"}, headers=county)
    assert r.status_code == 403
    r = city.get("/api/v1/cockpit/summary", params={"region": "3305"}, headers=county)
    assert r.status_code == 400
    # A city analyst asking for another city's county: outside what this deployment serves.
    for path in ("summary", "trend", "risks"):
        r = city.get(
            f"/api/v1/cockpit/{path}", params={"region": "330102000000"}, headers=login(city, "analyst")
        )
        assert r.status_code == 400 and r.json()["extra"]["code"] == "bad_value", r.text


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("region", HANGZHOU_VILLAGE),  # 浙江 but not 湖州
        ("region", "110101001001"),  # Beijing
        ("region", "330521999999"),  # 德清, but no such village
        ("code", "JF-330102-2026-000000"),  # a 杭州 county in the case code
    ],
)
def test_outside_the_city_is_refused_and_nothing_stored(
    city: TestClient[Any], field: str, value: str
) -> None:
    from server import casecode

    if field == "code":
        value = casecode.make_code("330102", 2026)
    d = Device(city, new_device(city))
    d.put("case", "x1", field, value)
    body = d.sync()
    assert [r["code"] for r in body["rejected"]] == ["bad_value"]
    assert "本平台" in body["rejected"][0]["message"]
    assert d.view("case", "x1") is None


def test_a_county_deployment_refuses_its_neighbour(client: TestClient[Any]) -> None:
    """The default area (长兴县) refuses a 德清 village and a 德清 case code."""
    from server import casecode

    d = Device(client, new_device(client))
    d.put("case", "x1", "region", DEQING_VILLAGE)
    d.put("case", "x2", "code", casecode.make_code("330521", 2026))
    body = d.sync()
    assert [r["code"] for r in body["rejected"]] == ["bad_value", "bad_value"]
    assert d.view("case", "x1") is None and d.view("case", "x2") is None


def test_city_demo_files_cases_in_every_county_it_serves(city_settings: Settings) -> None:
    """`seed-demo --area 3305` routes inside the served city: cases land in all five counties, and
    the report counts only what the server stored (its sample trace link opens a real case)."""
    from sqlalchemy import func, select

    from server.demo.cases import seed_demo_cases
    from server.registry.area import Area
    from server.sync.models import CaseRow

    db = Database(city_settings.database_url)
    try:
        report = seed_demo_cases(db, 60, seed=5, area=Area.parse("3305"))
        with db.session() as s:
            stored = s.scalar(select(func.count()).select_from(CaseRow)) or 0
            counties = set(s.scalars(select(func.substr(CaseRow.region, 1, 6)).distinct()))
            sample = s.scalar(select(CaseRow.key).where(CaseRow.code == report.sample_code))
    finally:
        db.dispose()
    assert report.cases == stored > 0
    assert counties == {"330502", "330503", "330521", "330522", "330523"}
    assert sample is not None


def test_a_county_admin_lists_mediators_of_its_own_county_only(city: TestClient[Any]) -> None:
    """An organisation's mediators (names, open cases) are for its staff and its area's admins."""
    deqing = login(city, "admin_330521")
    theirs = city.get("/api/v1/orgs/org-330522001-pmc/mediators", headers=deqing)
    assert theirs.status_code == 403 and "本区域" in theirs.json()["detail"]
    assert "mediators" not in theirs.text and "open_cases" not in theirs.text
    own = city.get("/api/v1/orgs/org-330521001-pmc/mediators", headers=deqing)
    assert own.status_code == 200 and own.json()
    city_admin = login(city, "admin")
    assert city.get("/api/v1/orgs/org-330522001-pmc/mediators", headers=city_admin).status_code == 200


def test_an_organisations_admin_prints_its_own_countys_posters_only(city: TestClient[Any]) -> None:
    for who in ("county_admin", "mtzx_admin", "town_admin"):  # 长兴 organisations' admins
        h = login(city, who)
        assert city.get(f"/api/v1/posters/{CHANGXING_VILLAGE}.svg", headers=h).status_code == 200
        assert city.get(f"/api/v1/posters/{DEQING_VILLAGE}.svg", headers=h).status_code == 403
        assert city.get(f"/api/v1/posters/{DEQING_VILLAGE[:9]}000.pdf", headers=h).status_code == 403
    h = login(city, "sfs_admin_330521")
    assert city.get(f"/api/v1/posters/{DEQING_VILLAGE}.svg", headers=h).status_code == 200


def test_a_code_of_another_county_than_its_village_is_refused_and_nothing_stored(
    city: TestClient[Any],
) -> None:
    """A 德清 village with a 长兴 case code (both served here) would be routed in 德清 while the
    code, and whoever reads the code, says 长兴: the whole new case is refused."""
    from server import casecode

    d = Device(city, new_device(city))
    d.put("case", "mix1", "code", casecode.make_code("330522", 2026))
    d.put("case", "mix1", "summary", "邻居装修噪音扰民")
    d.put("case", "mix1", "region", DEQING_VILLAGE)
    body = d.sync()
    assert {r["code"] for r in body["rejected"]} == {"bad_value"} and len(body["rejected"]) == 3
    assert "不一致" in body["rejected"][0]["message"]
    assert d.view("case", "mix1") is None
    admin = Device(city, login(city, "admin"))
    admin.sync()
    assert "mix1" not in admin.keys("case")


def test_a_filer_cannot_move_a_routed_case_into_another_county(city: TestClient[Any]) -> None:
    """QA F1: a region put after routing would hand a 德清 case to 长兴's admin, court and grid
    workers while 德清's committee still handles it. Refused (``region_locked``); nothing moves."""
    filer = _file(city, "dqmove", DEQING_VILLAGE)
    filer.put("case", "dqmove", "region", CHANGXING_VILLAGE)
    rejected = filer.sync()["rejected"]
    assert [r["code"] for r in rejected] == ["region_locked"]
    assert "不能再修改" in rejected[0]["message"]
    view = filer.view("case", "dqmove")
    assert view is not None and view["region"] == DEQING_VILLAGE
    for username in ("admin_330522", "court", "grid"):
        d = Device(city, login(city, username))
        d.sync()
        assert "dqmove" not in d.keys("case"), username
    dq_admin = Device(city, login(city, "admin_330521"))
    dq_admin.sync()
    assert "dqmove" in dq_admin.keys("case")


def test_the_court_is_the_one_where_the_organisation_sits(
    city: TestClient[Any], city_settings: Settings
) -> None:
    """A case held by a 德清 committee goes to 德清's court for 司法确认 even when its region was
    changed to a 长兴 village after routing (民事诉讼法 第二百零五条)."""
    deqing = _file(city, "dq9", DEQING_VILLAGE)
    med = Device(city, login(city, "village_mediator_330521"))
    med.sync()
    assert _intent(med, "dq9", "accepted") == []
    assert _intent(med, "dq9", "resolved", agreement="双方同意") == []
    db = Database(city_settings.database_url)
    try:
        server_put(db, "dq9", region=CHANGXING_VILLAGE)
    finally:
        db.dispose()
    assert _intent(deqing, "dq9", "confirmation_requested") == []
    view = deqing.view("case", "dq9")
    assert view is not None and view["court_org"] == "org-330521-court"
