"""Court actions only by the case's court (issue #9, finding 3): a court clerk of another court (or
of no court) cannot confirm or file a case it cannot even read."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from server.accounts.service import create_user
from server.db import Database
from tests.conftest import login, new_device
from tests.synctools import Device, server_put

COURT = "org-330522-court"
TOWN_ORG = "org-330522001-pmc"


def clerk_of(client: TestClient[Any], db: Database, org: str) -> Device:
    with db.session() as s:
        create_user(s, f"clerk-{org}", "clerk-password-1", "court_clerk", org_id=org)
    return Device(client, login(client, f"clerk-{org}", "clerk-password-1"))


@pytest.fixture
def requested(client: TestClient[Any], db: Database) -> dict[str, Any]:
    """A resolved case whose filer asked for 司法确认 (the server picks the county's court)."""
    filer = Device(client, new_device(client))
    filer.file_case("caseK", "借款两万元未还")
    filer.sync()
    server_put(db, "caseK", status="resolved")
    filer.op("case", "caseK", "intent", "transition", {"to": "confirmation_requested"})
    assert filer.sync()["rejected"] == []
    admin = Device(client, login(client, "admin"))
    admin.sync()
    assert admin.view("case", "caseK")["court_org"] == COURT  # type: ignore[index]
    return {"filer": filer, "admin": admin}


def confirm(clerk: Device) -> dict[str, Any]:
    clerk.op("case", "caseK", "intent", "transition", {"to": "confirmed", "ruling": "(2026)浙0522民特1号"})
    return clerk.sync()


# A clerk whose organisation reads the case (the village committee it is with) is told it is not
# the case's court; one that cannot read it gets the stranger's ``forbidden``, which tells nothing.
@pytest.mark.parametrize(
    ("org", "code"), [(TOWN_ORG, "forbidden"), ("org-330522001008-pmc", "not_case_court")]
)
def test_a_clerk_of_another_organisation_cannot_confirm(
    client: TestClient[Any], db: Database, requested: dict[str, Any], org: str, code: str
) -> None:
    body = confirm(clerk_of(client, db, org))
    assert [r["code"] for r in body["rejected"]] == [code]
    admin = requested["admin"]
    admin.sync()
    assert admin.view("case", "caseK")["status"] == "confirmation_requested"  # type: ignore[index]


def test_the_cases_court_confirms(client: TestClient[Any], requested: dict[str, Any]) -> None:
    clerk = Device(client, login(client, "court"))
    clerk.sync()
    assert "caseK" in clerk.keys("case")
    assert confirm(clerk)["rejected"] == []
    admin = requested["admin"]
    admin.sync()
    assert admin.view("case", "caseK")["status"] == "confirmed"  # type: ignore[index]


def test_filing_also_needs_the_cases_court(client: TestClient[Any], db: Database) -> None:
    filer = Device(client, new_device(client))
    filer.file_case("caseL", "工资拖欠三个月")
    filer.sync()
    server_put(db, "caseL", status="failed")
    filer.op("case", "caseL", "intent", "transition", {"to": "filing_requested"})
    assert filer.sync()["rejected"] == []
    other = clerk_of(client, db, TOWN_ORG)
    other.op("case", "caseL", "intent", "transition", {"to": "filed", "docket_no": "(2026)浙0522民初9号"})
    assert [r["code"] for r in other.sync()["rejected"]] == ["forbidden"]  # it cannot even read it
    clerk = Device(client, login(client, "court"))
    clerk.op("case", "caseL", "intent", "transition", {"to": "filed", "docket_no": "(2026)浙0522民初9号"})
    assert clerk.sync()["rejected"] == []
