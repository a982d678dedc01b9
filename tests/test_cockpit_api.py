"""The cockpit API on both databases: cases filed and moved through sync, then counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from server.db import Database
from server.registry.models import Region
from tests.conftest import login, new_device
from tests.synctools import Device

VILLAGE = "330522001008"  # 雉城街道; its committee's mediator is the demo user village_mediator
TOWN = "330522001000"
OTHER_TOWN = "330522103000"
CST = timezone(timedelta(hours=8))
PHONES = ("13957211111", "13957222222", "13957233333", "13957244444", "13957255555", "13957266666")
ID_NUMBER = "330522198001011234"
NAMES = ("周建国", "吴丽华")


def intent(d: Device, key: str, to: str, **extra: str) -> None:
    d.op("case", key, "intent", "transition", {"to": to, **extra})


@pytest.fixture
def filed(client: TestClient[Any]) -> dict[str, Any]:
    """Six neighbour disputes in one village, moved to six different ends.

    k1 resolved · k2 failed → filing requested · k3 accepted → withdrawn · k4 withdrawn at once ·
    k5 accepted (open) · k6 assigned (open)
    """
    citizen = Device(client, new_device(client))
    for i in range(1, 7):
        key = f"k{i}"
        citizen.file_case(key, "隔壁装修天天敲到半夜，吵得孩子睡不着", region=VILLAGE)
        for suffix, role, name in (("a", "applicant", NAMES[0]), ("r", "respondent", NAMES[1])):
            pk = f"{key}{suffix}"
            citizen.put("party", pk, "case", key)
            citizen.put("party", pk, "role", role)
            citizen.put("party", pk, "name", name)
            citizen.put("party", pk, "phone", PHONES[i - 1])
            citizen.put("party", pk, "id_number", ID_NUMBER)
    assert citizen.sync()["rejected"] == []
    med = Device(client, login(client, "village_mediator"))
    med.sync()
    for key in ("k1", "k2", "k3", "k5"):
        intent(med, key, "accepted")
    intent(med, "k1", "resolved", agreement="双方和解")
    intent(med, "k2", "failed", reason="分歧较大")
    assert med.sync()["rejected"] == []
    intent(med, "k2", "filing_requested")
    assert med.sync()["rejected"] == []
    intent(citizen, "k3", "withdrawn")
    intent(citizen, "k4", "withdrawn")
    assert citizen.sync()["rejected"] == []
    statuses = {
        k: (citizen.view("case", k) or {}).get("status") for k in ("k1", "k2", "k3", "k4", "k5", "k6")
    }
    assert statuses == {
        "k1": "resolved",
        "k2": "filing_requested",
        "k3": "withdrawn",
        "k4": "withdrawn",
        "k5": "accepted",
        "k6": "assigned",
    }
    return statuses


def town_count(db: Database) -> int:
    with db.read_session() as s:
        return len(s.scalars(select(Region.code).where(Region.level == "town")).all())


def populations(db: Database) -> tuple[int, int]:
    with db.read_session() as s:
        town = s.scalar(select(Region.population).where(Region.code == TOWN))
        county = s.scalar(select(Region.population).where(Region.level == "county"))
    assert town and county
    return int(town), int(county)


EXPECTED = {
    "total": 6,
    "mediated": 4,  # k1, k2, k3 (accepted before it was withdrawn), k5
    "first_mediation_rate": round(4 / 6, 4),
    "success": 1,
    "failure": 1,
    "mediation_success_rate": 0.5,
    "closed": 4,  # k1, k2, k3, k4
    "settled": 3,  # k1 + the two withdrawals
    "settle_withdraw_rate": 0.75,
    "litigation": 1,
    "open": 2,
}


def test_summary_counts_the_filed_and_moved_cases(
    client: TestClient[Any], db: Database, filed: dict[str, Any]
) -> None:
    town_pop, county_pop = populations(db)
    r = client.get("/api/v1/cockpit/summary", headers=login(client, "analyst"))
    assert r.status_code == 200, r.text
    body = r.json()
    county = body["scope"]
    assert {k: county[k] for k in EXPECTED} == EXPECTED
    assert county["population"] == county_pop
    assert county["litigation_per_10k"] == round(1 / county_pop * 10_000, 2)
    towns = {t["region"]: t for t in body["towns"]}
    assert len(towns) == town_count(db) == 15  # every township of the county, with or without cases
    assert {k: towns[TOWN][k] for k in EXPECTED} == EXPECTED
    assert towns[TOWN]["name"] == "雉城街道"
    assert towns[TOWN]["litigation_per_10k"] == round(1 / town_pop * 10_000, 2)
    other = towns[OTHER_TOWN]
    assert (other["total"], other["first_mediation_rate"], other["litigation_per_10k"]) == (0, None, 0.0)
    assert body["unplaced"] == 0
    assert "近似" in body["population_note"]


def test_summary_period_is_inclusive_days_in_china_time(
    client: TestClient[Any], filed: dict[str, Any]
) -> None:
    h = login(client, "admin")
    today = datetime.now(UTC).astimezone(CST).date()
    r = client.get(f"/api/v1/cockpit/summary?from={today}&to={today}", headers=h)
    assert r.status_code == 200, r.text
    assert (r.json()["from"], r.json()["to"], r.json()["scope"]["total"]) == (str(today), str(today), 6)
    yesterday = today - timedelta(days=1)
    r = client.get(f"/api/v1/cockpit/summary?from={yesterday - timedelta(days=30)}&to={yesterday}", headers=h)
    assert r.json()["scope"]["total"] == 0
    assert client.get(f"/api/v1/cockpit/summary?from={today}&to={yesterday}", headers=h).status_code == 400
    assert client.get("/api/v1/cockpit/summary?from=2020-01-01&to=2026-01-01", headers=h).status_code == 400
    assert client.get("/api/v1/cockpit/summary?from=yesterday", headers=h).status_code == 400


def test_trend_puts_the_cases_in_this_month(client: TestClient[Any], filed: dict[str, Any]) -> None:
    h = login(client, "analyst")
    r = client.get("/api/v1/cockpit/trend?months=12", headers=h)
    assert r.status_code == 200, r.text
    months = r.json()["months"]
    this_month = datetime.now(UTC).astimezone(CST).strftime("%Y-%m")
    assert len(months) == 12 and months[-1]["month"] == this_month
    assert {k: months[-1][k] for k in EXPECTED} == EXPECTED
    assert all(m["total"] == 0 for m in months[:-1])
    assert months == sorted(months, key=lambda m: m["month"])
    r = client.get(f"/api/v1/cockpit/trend?months=3&town={OTHER_TOWN}", headers=h)
    assert (r.json()["name"], [m["total"] for m in r.json()["months"]]) == ("夹浦镇", [0, 0, 0])
    for bad in ("months=0", "months=37", "town=330522001008", "town=12"):
        assert client.get(f"/api/v1/cockpit/trend?{bad}", headers=h).status_code == 400, bad


def test_analyst_receives_no_personal_data(client: TestClient[Any], filed: dict[str, Any]) -> None:
    h = login(client, "analyst")
    bodies = [
        client.get(u, headers=h).text
        for u in ("/api/v1/cockpit/summary", "/api/v1/cockpit/trend", "/api/v1/cockpit/risks")
    ]
    assert_no_personal_data("".join(bodies), (*PHONES, ID_NUMBER), NAMES)


def assert_no_personal_data(text: str, numbers: tuple[str, ...], names: tuple[str, ...]) -> None:
    """No phone or ID number (even split by other characters), no name nor its given name, and not
    what the dispute is about in the filer's words ("装修") anywhere in ``text``."""
    digits = "".join(ch for ch in text if ch.isdigit())
    for secret in numbers:
        assert secret not in digits
    for name in names:
        assert name not in text and name[1:] not in text
    assert "装修" not in text


@pytest.mark.parametrize("username", ["village_mediator", "court", "grid"])
def test_other_staff_get_403(client: TestClient[Any], username: str) -> None:
    h = login(client, username)
    for u in ("/api/v1/cockpit/summary", "/api/v1/cockpit/trend", "/api/v1/cockpit/risks"):
        assert client.get(u, headers=h).status_code == 403


def test_citizens_get_403_and_strangers_401(client: TestClient[Any]) -> None:
    h = new_device(client)
    assert client.get("/api/v1/cockpit/summary", headers=h).status_code == 403
    assert client.get("/api/v1/cockpit/risks").status_code == 401


def test_org_admin_sees_only_its_own_town(
    client: TestClient[Any], db: Database, filed: dict[str, Any]
) -> None:
    h = login(client, "town_admin")  # 雉城街道人民调解委员会
    body = client.get("/api/v1/cockpit/summary", headers=h).json()
    assert [t["region"] for t in body["towns"]] == [TOWN]
    assert (body["scope"]["region"], body["scope"]["total"]) == (TOWN, 6)
    assert client.get(f"/api/v1/cockpit/trend?town={OTHER_TOWN}", headers=h).status_code == 403
    assert client.get(f"/api/v1/cockpit/trend?town={TOWN}", headers=h).status_code == 200
    county_admin = login(client, "county_admin")  # a county-level committee: the whole county
    assert len(client.get("/api/v1/cockpit/summary", headers=county_admin).json()["towns"]) == town_count(db)


def test_analysts_get_counts_of_repeated_respondents_never_who(client: TestClient[Any]) -> None:
    """docs/security.md: an analyst reads counts and no personal data — not even a masked name.
    Admins (who may read the cases themselves) keep the masked respondent to follow it up."""
    citizen = Device(client, new_device(client))
    for i in range(1, 4):
        key = f"rr{i}"
        citizen.file_case(key, "借钱不还，多次催讨无果", region=VILLAGE)
        citizen.put("party", f"{key}r", "case", key)
        citizen.put("party", f"{key}r", "role", "respondent")
        citizen.put("party", f"{key}r", "name", NAMES[1])
        citizen.put("party", f"{key}r", "phone", PHONES[0])
    assert citizen.sync()["rejected"] == []
    body = client.get("/api/v1/cockpit/risks", headers=login(client, "analyst")).json()
    (w,) = [w for w in body["warnings"] if w["type"] == "repeat_respondent"]
    assert w["count"] == 3 and w["cases"] == 3
    assert w.get("respondent") is None
    assert NAMES[1][0] not in w["message"] and "*" not in w["message"]
    assert "3件" in w["message"]
    admin = client.get("/api/v1/cockpit/risks", headers=login(client, "admin")).json()
    (a,) = [w for w in admin["warnings"] if w["type"] == "repeat_respondent"]
    assert a["respondent"] == NAMES[1][0] + "*" and a["respondent"] in a["message"]


@pytest.mark.parametrize(
    "query",
    ["to=0001-01-01", "from=9999-12-30&to=9999-12-31", "from=0001-01-01&to=0001-12-31", "to=9999-12-31"],
)
def test_impossible_days_are_a_400_in_chinese_never_a_500(client: TestClient[Any], query: str) -> None:
    """QA F6: a year-1 or year-9999 day overflowed the default window's month arithmetic (500)."""
    r = client.get(f"/api/v1/cockpit/summary?{query}", headers=login(client, "analyst"))
    assert r.status_code == 400, r.text
    assert "日期" in r.json()["detail"]
