"""The personal-data access log (issue #9): who received which case's party records, and when;
read by admins at ``GET /api/v1/audit`` (JSON or CSV)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.conftest import login, new_device
from tests.synctools import Device

VILLAGE = "330522001008"


@pytest.fixture
def filed(client: TestClient[Any]) -> str:
    filer = Device(client, new_device(client))
    code, _ = filer.file_case("caseP", "宅基地边界纠纷", region=VILLAGE)
    filer.put("party", "pP", "case", "caseP")
    filer.put("party", "pP", "name", "王五")
    assert filer.sync()["rejected"] == []
    filer.sync()  # the filer reading its own parties is not logged
    return code


def entries(client: TestClient[Any], **params: str) -> list[dict[str, Any]]:
    r = client.get("/api/v1/audit", headers=login(client, "admin"), params=params)
    assert r.status_code == 200, r.text
    return list(r.json()["entries"])


def test_staff_receiving_parties_is_logged_once_per_sync(client: TestClient[Any], filed: str) -> None:
    assert entries(client) == []
    med = Device(client, login(client, "village_mediator"))
    med.sync()
    assert med.keys("party") == {"pP"}
    [e] = entries(client)
    assert (e["case_code"], e["role"], e["via"]) == (filed, "mediator", "sync")
    assert e["user_id"] and e["at"]
    med.sync()  # nothing new: nothing received, nothing logged
    assert len(entries(client)) == 1
    grid = Device(client, login(client, "grid"))
    grid.sync()
    assert {e["role"] for e in entries(client)} == {"mediator", "grid_worker"}


def test_staff_without_the_case_are_not_logged(client: TestClient[Any], filed: str) -> None:
    Device(client, login(client, "mediator")).sync()  # the town's mediator: not its case
    assert entries(client) == []


def test_filter_by_case_code_and_csv_export(client: TestClient[Any], filed: str) -> None:
    Device(client, login(client, "village_mediator")).sync()
    assert len(entries(client, case=filed)) == 1
    assert entries(client, case="JF-330522-2026-000000X") == []
    r = client.get("/api/v1/audit", headers=login(client, "admin"), params={"format": "csv"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert rows[0] == ["at", "user_id", "username", "role", "case_code", "case_key", "via"]
    assert rows[1][4] == filed and rows[1][3] == "mediator"


@pytest.mark.parametrize("who", ["village_mediator", "town_admin", "analyst", "court", "grid", "citizen"])
def test_only_admins_read_the_log(client: TestClient[Any], who: str) -> None:
    h = new_device(client) if who == "citizen" else login(client, who)
    assert client.get("/api/v1/audit", headers=h).status_code == 403


def test_staff_opening_the_agreement_is_logged(client: TestClient[Any]) -> None:
    """The agreement names the parties: a staff member opening it is an access to them."""
    from tests.test_agreement import resolved_case

    filer, med, code, _ = resolved_case(client)
    before = len(entries(client, case=code))
    assert client.get(f"/api/v1/cases/{code}/agreement", headers=med.headers).status_code == 200
    assert client.get(f"/api/v1/cases/{code}/agreement.pdf", headers=med.headers).status_code == 200
    assert client.get(f"/api/v1/cases/{code}/agreement", headers=filer.headers).status_code == 200
    now = entries(client, case=code)
    opened = now[: len(now) - before]
    assert [(e["via"], e["role"]) for e in opened] == [("agreement", "mediator")] * 2
