"""Roles read only what they must (issue #9, findings 4 and 5): no free text for analysts anywhere,
and a role that can follow nothing gets 403 on follow (and no follower row)."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select

from server.db import Database
from server.sync.models import Follow
from tests.conftest import login, new_device
from tests.synctools import Device

PHONE, ID_NUMBER = "13912345678", "330522198801012345"
VILLAGE = "330522001008"


@pytest.fixture
def corrected(client: TestClient[Any]) -> str:
    filer = Device(client, new_device(client))
    code, _ = filer.file_case(
        "k1", f"隔壁装修天天敲到半夜，我电话{PHONE}", region=VILLAGE, description=f"身份证{ID_NUMBER}"
    )
    assert filer.sync()["rejected"] == []
    med = Device(client, login(client, "village_mediator"))
    med.sync()
    med.op(
        "case", "k1", "intent", "correct_category", {"category": "construction", "reason": f"打{PHONE}问过"}
    )
    assert med.sync()["rejected"] == []
    return code


def test_analysts_get_correction_counts_only(client: TestClient[Any], corrected: str) -> None:
    r = client.get("/api/v1/rules/corrections", headers=login(client, "analyst"))
    assert r.status_code == 200
    for secret in (PHONE, ID_NUMBER, "装修", corrected, "k1"):
        assert secret not in r.text
    body = r.json()
    assert body["counts"] == [{"from_category": "neighbor", "to_category": "construction", "count": 1}]
    assert "items" not in body


def test_admins_get_category_words_and_code_but_no_free_text(client: TestClient[Any], corrected: str) -> None:
    r = client.get("/api/v1/rules/corrections", headers=login(client, "admin"))
    for secret in (PHONE, ID_NUMBER, "身份证", "我电话", "问过"):
        assert secret not in r.text
    [item] = r.json()["items"]
    assert item["code"] == corrected
    assert (item["from_category"], item["to_category"]) == ("neighbor", "construction")
    assert item["matched"] and all(len(w) <= 10 for w in item["matched"])  # rule keywords, not text
    assert set(item) == {"code", "from_category", "to_category", "matched", "at"}


@pytest.mark.parametrize("role", ["analyst"])
def test_roles_that_can_follow_nothing_get_403(client: TestClient[Any], db: Database, role: str) -> None:
    filer = Device(client, new_device(client))
    code, token = filer.file_case("kF", "邻里纠纷")
    filer.sync()
    r = client.post("/api/v1/follow", headers=login(client, role), json={"code": code, "token": token})
    assert r.status_code == 403
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Follow)) == 0


@pytest.mark.parametrize("role", ["grid", "village_mediator", "court", "admin"])
def test_other_roles_may_follow(client: TestClient[Any], role: str) -> None:
    filer = Device(client, new_device(client))
    code, token = filer.file_case("kG", "邻里纠纷")
    filer.sync()
    r = client.post("/api/v1/follow", headers=login(client, role), json={"code": code, "token": token})
    assert r.status_code == 200
