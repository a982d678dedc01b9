"""Ratings (once per party, after an outcome) and the 考核 figures per organisation and mediator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select

from server.assessment.figures import CaseHistory, Event, assess
from server.assessment.models import Rating
from server.db import Database
from tests.conftest import login, new_device
from tests.synctools import Device
from tests.test_agreement import codes, intent, resolved_case

T0 = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)


def at(days: float) -> datetime:
    return T0 + timedelta(days=days)


def h(key: str, *events: tuple[str, float, str | None, str | None], breaches: Any = ()) -> CaseHistory:
    return CaseHistory(key, [Event(e, at(d), org, med) for e, d, org, med in events], list(breaches))


# A table of cases: what happened, and what each organisation and mediator is credited with.
CASES = [
    # resolved by village A (mediator a1) in 4 days
    h("c1", ("assigned", 0, "A", "a1"), ("accepted", 1, None, None), ("resolved", 4, None, None)),
    # failed at A (a2) after 10 days
    h("c2", ("assigned", 0, "A", "a2"), ("accepted", 2, None, None), ("failed", 10, None, None)),
    # A declines, the town T resolves in 6 days (from its own assignment)
    h(
        "c3",
        ("assigned", 0, "A", "a1"),
        ("declined", 1, None, None),
        ("escalated", 1, None, None),
        ("assigned", 1, "T", "t1"),
        ("accepted", 2, None, None),
        ("resolved", 7, None, None),
    ),
    # A never answers: the response deadline is breached and the case climbs to T, still waiting
    h(
        "c4",
        ("assigned", 0, "A", "a2"),
        ("escalated", 3, None, None),
        ("assigned", 3, "T", "t1"),
        breaches=[("respond_breach", at(3))],
    ),
    # just assigned to A: received, nothing settled yet
    h("c5", ("assigned", 0, "A", "a1")),
]
RATINGS = [
    {"org_id": "A", "mediator_id": "a1", "stars": 5},
    {"org_id": "A", "mediator_id": "a2", "stars": 2},
    {"org_id": "T", "mediator_id": "t1", "stars": 4},
]


def test_assessment_figures_on_a_table_of_cases() -> None:
    orgs, mediators = assess(CASES, RATINGS)
    a, t = orgs["A"], orgs["T"]
    assert a.received == 5
    assert (a.answered, a.settled_response) == (3, 4)  # c4 breached; c5 still waiting
    assert a.responded_in_time_rate == 0.75
    assert (a.success, a.failure, a.success_rate) == (1, 1, 0.5)
    assert a.median_days == 7.0  # 4 and 10 days
    assert a.escalated_out == 2 and a.sla_breaches == 1
    assert (a.ratings, a.satisfaction) == (2, 3.5)
    assert t.received == 2 and t.success == 1 and t.median_days == 6.0
    assert t.escalated_out == 0 and t.sla_breaches == 0  # the breach happened at A
    assert t.responded_in_time_rate == 1.0  # c4 at T is still waiting: not in the denominator
    assert mediators["a1"].received == 3 and mediators["a1"].success == 1
    assert mediators["a2"].failure == 1 and mediators["a2"].sla_breaches == 1
    assert mediators["t1"].satisfaction == 4.0


def test_no_outcomes_give_no_rates() -> None:
    orgs, _ = assess([h("c5", ("assigned", 0, "A", "a1"))], [])
    f = orgs["A"]
    assert (f.success_rate, f.median_days, f.satisfaction, f.responded_in_time_rate) == (
        None,
        None,
        None,
        None,
    )


def rate(d: Device, stars: Any, comment: str | None = None) -> dict[str, Any]:
    value: dict[str, Any] = {"stars": stars}
    if comment is not None:
        value["comment"] = comment
    return intent(d, "k1", "rate", value)


def ratings(db: Database) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Rating)) or 0)


def test_the_filer_rates_once_after_the_outcome(client: TestClient[Any], db: Database) -> None:
    filer, med, _, _ = resolved_case(client, resolve=False)
    rate(filer, 5)
    assert codes(filer) == ["not_allowed"]  # no outcome yet
    intent(med, "k1", "transition", {"to": "resolved", "agreement": "赔偿三千元"})
    assert codes(med) == []
    rate(med, 5)
    assert codes(med) == ["not_filer"]
    for bad in (0, 6, 4.5, "5", None):
        rate(filer, bad)
        assert codes(filer) == ["bad_value"], bad
    rate(filer, 3, "x" * 501)
    assert codes(filer) == ["too_large"]
    first = rate(filer, 4, "调解员很耐心")
    assert codes(filer) == []
    assert ratings(db) == 1
    filer.outbox.append(first)  # a replay is acknowledged and changes nothing
    body = filer.sync()
    assert first["id"] in body["acked"] and body["rejected"] == []
    rate(filer, 1, "改主意了")  # a second rating is refused with a stable code
    assert codes(filer) == ["already_rated"]
    assert ratings(db) == 1
    filer.sync()
    assert filer.view("case", "k1")["rating"]["stars"] == 4  # type: ignore[index]


def test_a_grid_worker_rates_for_the_villager_they_filed_for(client: TestClient[Any], db: Database) -> None:
    grid = Device(client, login(client, "grid"))
    grid.file_case("k1", "楼上漏水泡坏了我家吊顶")
    assert grid.sync()["rejected"] == []
    med = Device(client, login(client, "village_mediator"))
    med.sync()
    intent(med, "k1", "transition", {"to": "accepted"})
    intent(med, "k1", "transition", {"to": "failed", "reason": "对方拒绝调解"})
    assert codes(med) == []
    rate(grid, 2)
    assert codes(grid) == []
    assert ratings(db) == 1


def test_assessment_api_scopes_and_shows_the_rating(client: TestClient[Any]) -> None:
    filer, med, _, _ = resolved_case(client)
    rate(filer, 5)
    assert codes(filer) == []
    admin = client.get("/api/v1/cockpit/assessment", headers=login(client, "admin")).json()
    village = next(o for o in admin["orgs"] if o["id"] == "org-330522001008-pmc")
    assert village["received"] >= 1 and village["ratings"] == 1 and village["satisfaction"] == 5.0
    assert village["success"] >= 1
    analyst = client.get("/api/v1/cockpit/assessment", headers=login(client, "analyst"))
    assert analyst.status_code == 200
    assert "张三" not in analyst.text and "李四" not in analyst.text  # no party names
    own = client.get("/api/v1/cockpit/assessment", headers=med.headers).json()
    assert own["orgs"] == [] and len(own["mediators"]) == 1
    assert own["mediators"][0]["satisfaction"] == 5.0
    org_admin = client.get("/api/v1/cockpit/assessment", headers=login(client, "town_admin")).json()
    assert {o["id"] for o in org_admin["orgs"]} <= {"org-330522001-pmc"}
    csv = client.get("/api/v1/cockpit/assessment.csv", headers=login(client, "admin"))
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.content.startswith("\ufeff".encode()) and "满意度" in csv.text
    assert "雉城社区人民调解委员会" in csv.text
    for headers in (new_device(client), login(client, "court"), login(client, "grid")):
        assert client.get("/api/v1/cockpit/assessment", headers=headers).status_code == 403
    assert client.get("/api/v1/cockpit/assessment").status_code == 401


@pytest.mark.parametrize(
    "query",
    [
        "from=2026-12-01&to=2026-01-01",
        "from=2010-01-01&to=2026-01-01",
        "from=x",
        "to=0001-01-01",  # these two were 500s (the day arithmetic overflowed)
        "from=9999-12-30&to=9999-12-31",
    ],
)
def test_bad_windows_are_400(client: TestClient[Any], query: str) -> None:
    for path in (
        "/api/v1/cockpit/assessment",
        "/api/v1/cockpit/assessment.csv",
        "/api/v1/cockpit/consultations",
    ):
        r = client.get(f"{path}?{query}", headers=login(client, "admin"))
        assert r.status_code == 400, (path, r.text)
