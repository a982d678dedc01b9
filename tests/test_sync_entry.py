"""Regions and case codes are checked where they enter (issue #10, finding 2).

A case for a village this deployment does not serve, or whose code names another county or an
impossible year, is refused ``bad_value`` through sync, and nothing of it is stored: no op in the
log, no case row, nothing a later pull returns.  The registry of regions is the source of truth.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select

from server import casecode
from server.db import Database
from server.sync.models import CaseRow, OpRow
from tests.conftest import new_device
from tests.synctools import Device

SERVED_VILLAGE = "330522001008"
THIS_YEAR = datetime.now(UTC).year


def stored_ops(db: Database, root: str) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(OpRow).where(OpRow.root == root)) or 0)


def case_rows(db: Database, key: str) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(CaseRow).where(CaseRow.key == key)) or 0)


def file_with(d: Device, key: str, *, region: str = SERVED_VILLAGE, code: str | None = None) -> list[str]:
    """Queue a whole filing (case fields and an applicant) as the PWA sends it; returns the op ids."""
    before = len(d.outbox)
    d.put("case", key, "code", code or casecode.make_code("330522", THIS_YEAR))
    d.put("case", key, "summary", "邻居家的树挡住了我家的光")
    d.put("case", key, "region", region)
    d.put("case", key, "channel", "online")
    d.put("case", key, "trace_hash", casecode.trace_hash(casecode.new_trace_token()))
    d.put("party", f"{key}p", "case", key)
    d.put("party", f"{key}p", "name", "王小明")
    return [o["id"] for o in d.outbox[before:]]


def assert_refused_whole(d: Device, db: Database, key: str, ids: list[str], words: str) -> None:
    body = d.sync()
    rejected = {r["id"]: r for r in body["rejected"]}
    assert set(rejected) == set(ids), "every op of the case and its party is refused"
    case_ops = [rejected[i] for i in ids[:5]]
    assert {r["code"] for r in case_ops} == {"bad_value"}
    assert all(words in r["message"] for r in case_ops), case_ops
    assert stored_ops(db, key) == 0 and stored_ops(db, f"{key}p") == 0
    assert case_rows(db, key) == 0
    assert d.view("case", key) is None


@pytest.mark.parametrize(
    "region",
    [
        "110101001001",  # 北京 东城区: another province
        "330523001001",  # 安吉县, the next county: another deployment's
        "999999999999",  # the poster link ?v=999999999999
        "330522999999",  # our county's prefix, but no such village
    ],
)
def test_a_case_for_a_region_not_served_is_refused_and_nothing_stored(
    client: TestClient[Any], db: Database, region: str
) -> None:
    d = Device(client, new_device(client))
    ids = file_with(d, "faraway", region=region)
    assert_refused_whole(d, db, "faraway", ids, "不受理该地区")


def test_a_case_code_of_another_county_is_refused(client: TestClient[Any], db: Database) -> None:
    d = Device(client, new_device(client))
    ids = file_with(d, "othercounty", code=casecode.make_code("110101", THIS_YEAR))
    assert_refused_whole(d, db, "othercounty", ids, "110101")


@pytest.mark.parametrize("year", [1999, 2019, THIS_YEAR + 2, 9999])
def test_a_case_code_with_an_impossible_year_is_refused(
    client: TestClient[Any], db: Database, year: int
) -> None:
    d = Device(client, new_device(client))
    ids = file_with(d, f"y{year}", code=casecode.make_code("330522", year))
    assert_refused_whole(d, db, f"y{year}", ids, str(year))


def test_a_served_case_in_the_same_batch_still_enters_and_is_routed(
    client: TestClient[Any], db: Database
) -> None:
    d = Device(client, new_device(client))
    bad = file_with(d, "bad1", region="110101001001")
    good = file_with(d, "good1")
    body = d.sync()
    assert {r["id"] for r in body["rejected"]} == set(bad)
    assert set(good) <= set(body["acked"])
    view = d.view("case", "good1")
    assert view is not None and view["status"] == "assigned" and view["org"]


def test_moving_a_stored_case_to_an_unserved_region_is_refused(client: TestClient[Any], db: Database) -> None:
    d = Device(client, new_device(client))
    file_with(d, "moved")
    d.sync()
    before = stored_ops(db, "moved")
    bad = d.put("case", "moved", "region", "110101001001")
    bad_code = d.put("case", "moved", "code", casecode.make_code("330522", 1999))
    body = d.sync()
    assert {r["id"]: r["code"] for r in body["rejected"]} == {
        bad["id"]: "bad_value",
        bad_code["id"]: "bad_value",
    }
    assert d.view("case", "moved")["region"] == SERVED_VILLAGE  # type: ignore[index]
    assert stored_ops(db, "moved") == before


def test_a_town_or_county_code_is_not_a_village_but_a_town_is_served(
    client: TestClient[Any], db: Database
) -> None:
    d = Device(client, new_device(client))
    county = file_with(d, "atcounty", region="330522000000")
    town = file_with(d, "attown", region="330522001000")
    body = d.sync()
    rejected = {r["id"] for r in body["rejected"]}
    assert set(county) == rejected
    assert set(town) <= set(body["acked"])


def test_hostile_region_values_are_refused_not_crashing(client: TestClient[Any], db: Database) -> None:
    d = Device(client, new_device(client))
    for i, region in enumerate(["33052200100\x00", "３３０５２２００１００８", "' OR 1=1 --", 330522001008]):
        d.put("case", f"h{i}", "region", region)
    body = d.sync()
    assert len(body["rejected"]) == 4 and {r["code"] for r in body["rejected"]} == {"bad_value"}
    assert all(stored_ops(db, f"h{i}") == 0 for i in range(4))
