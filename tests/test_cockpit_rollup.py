"""The cockpit's roll-up equals counting the cases directly, case for case, on both databases.

Cases are filed and moved through the real sync path (the demo seeder, which back-dates filings,
and devices: accept, resolve, fail, withdraw after acceptance, escalate after acceptance and be
reassigned — a case that reopens while staying "mediated" only through its timeline). After each
stage the roll-up-backed tallies (``queries.tallies_by_*``) must equal the reference
(``direct.py``) for every scope (province, city, county, town, a county with no cases) and for
windows of whole months, partial months and single days; and the incrementally kept table must
equal a rebuild from scratch. Through the API, a province's summary (counties only) and a city's
(counties and towns) count every case of the area exactly once.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

from click.testing import CliRunner
from litestar.testing import TestClient
from sqlalchemy import delete, func, select

from server.app import create_app
from server.cockpit import direct, queries, rollup
from server.cockpit.metrics import Tally
from server.cockpit.models import CaseCount
from server.cockpit.queries import Scope
from server.cockpit.risks import CST
from server.db import Database
from server.demo.cases import seed_demo_cases
from server.settings import Settings
from server.sync.models import CaseRow
from tests.conftest import login, new_device
from tests.synctools import Device

VILLAGE = "330522001008"  # 雉城街道; the demo user village_mediator works in its committee
OTHER_TOWN_VILLAGE = "330522103001"
SCOPES = (None, "33", "3305", "330522", "330522001", "330522103", "330521")


def _flat(raw: dict[Any, list[Tally]]) -> Counter[tuple[Any, str, bool]]:
    c: Counter[tuple[Any, str, bool]] = Counter()
    for g, ts in raw.items():
        for t in ts:
            c[(g, t.status, t.mediated)] += t.n
    return +c  # drop zeros


def _windows(today: date) -> list[tuple[datetime, datetime]]:
    """The summary's default window, windows cut inside months, one day, an empty future."""
    y, m = divmod(today.year * 12 + today.month - 1 - 11, 12)
    default = (queries.day_start(date(y, m + 1, 1)), queries.day_start(today + timedelta(days=1)))
    return [
        default,
        (queries.day_start(today - timedelta(days=75)), queries.day_start(today - timedelta(days=9))),
        (queries.day_start(today - timedelta(days=400)), queries.day_start(today + timedelta(days=1))),
        (queries.day_start(today - timedelta(days=3)), queries.day_start(today + timedelta(days=1))),
        (queries.day_start(today), queries.day_start(today + timedelta(days=1))),
        (queries.day_start(today + timedelta(days=5)), queries.day_start(today + timedelta(days=40))),
    ]


def assert_rollup_equals_cases(db: Database) -> int:
    """Every scope and window: roll-up tallies == direct tallies; returns the cases counted."""
    today = datetime.now(UTC).astimezone(CST).date()
    counted = 0
    with db.read_session() as s:
        for prefix in SCOPES:
            scope = Scope(prefix)
            for start, end in _windows(today):
                assert rollup.windows(start, end) is not None  # the roll-up answers, not the fallback
                town = _flat(queries.tallies_by_town(s, start, end, scope))
                ref_town = _flat(
                    {
                        (f"{g}000" if isinstance(g, str) and len(g) == 9 and g[6:] != "000" else None): ts
                        for g, ts in direct.by_town(s, start, end, prefix).items()
                    }
                )
                assert town == ref_town, (prefix, start, end)
                county = _flat(queries.tallies_by_county(s, start, end, scope))
                ref_county = _flat(
                    {g or None: ts for g, ts in direct.by_county(s, start, end, prefix).items()}
                )
                assert county == ref_county, (prefix, start, end)
                city = _flat(queries.tallies_by_city(s, start, end, scope))
                ref_city = _flat({g or None: ts for g, ts in direct.by_city(s, start, end, prefix).items()})
                assert city == ref_city, (prefix, start, end)
                # A province's summary takes its total from the county tallies alone.
                assert sum(county.values()) == sum(town.values()) == sum(city.values()), (prefix, start, end)
                if prefix == "33":
                    counted = max(counted, sum(town.values()))
            for months in (1, 2, 12, 24):
                bounds = queries.month_starts(today, months)
                got = queries.tallies_by_month(s, bounds, scope)
                ref = direct.by_month(s, bounds, prefix)
                assert [_flat({0: ts}) for ts in got] == [_flat({0: ts}) for ts in ref], (prefix, months)
    return counted


def counts_table(db: Database) -> set[tuple[str, str, str, str, bool, int]]:
    with db.read_session() as s:
        rows = s.execute(select(CaseCount).where(CaseCount.n != 0)).scalars()
        return {(r.grain, r.period, r.town, r.status, bool(r.mediated), r.n) for r in rows}


def assert_incremental_equals_rebuild(db: Database) -> None:
    kept = counts_table(db)
    with db.session() as s:
        rollup.rebuild(s)
    assert counts_table(db) == kept


def intent(d: Device, key: str, to: str, **extra: str) -> None:
    d.op("case", key, "intent", "transition", {"to": to, **extra})


def status(d: Device, key: str) -> Any:
    return (d.view("case", key) or {}).get("status")


def test_rollup_equals_cases_through_filing_moving_and_reopening(
    client: TestClient[Any], db: Database
) -> None:
    report = seed_demo_cases(db, 60, seed=5)  # back-dated over the last 12 months
    assert report.cases > 0
    seeded = assert_rollup_equals_cases(db)
    assert seeded == report.cases
    assert_incremental_equals_rebuild(db)

    citizen = Device(client, new_device(client))
    for i in range(1, 6):
        citizen.file_case(f"r{i}", "邻居装修噪音扰民，多次协商未果", region=VILLAGE)
    citizen.file_case("r6", "拖欠工资三个月", region=OTHER_TOWN_VILLAGE)
    assert citizen.sync()["rejected"] == []
    assert assert_rollup_equals_cases(db) == seeded + 6

    med = Device(client, login(client, "village_mediator"))
    med.sync()
    for key in ("r1", "r2", "r3", "r4"):
        intent(med, key, "accepted")
    intent(med, "r1", "resolved", agreement="双方和解")
    intent(med, "r2", "failed", reason="分歧较大")
    assert med.sync()["rejected"] == []
    assert_rollup_equals_cases(db)

    # Withdrawn after acceptance: mediated through the timeline only.
    intent(citizen, "r3", "withdrawn")
    # Escalated after acceptance and reassigned above: open again, still mediated.
    intent(med, "r4", "escalated", reason="涉及多村，需乡镇调解")
    intent(med, "r5", "declined", reason="回避")
    assert citizen.sync()["rejected"] == [] and med.sync()["rejected"] == []
    citizen.sync()
    assert status(citizen, "r3") == "withdrawn"
    assert status(citizen, "r4") == "assigned"  # reopened at the town's committee
    assert assert_rollup_equals_cases(db) == seeded + 6
    with db.read_session() as s:
        q = select(CaseRow.key, CaseRow.accepted).where(CaseRow.key.in_(["r3", "r4", "r5", "r6"]))
        accepted = {k: bool(a) for k, a in s.execute(q)}
    assert accepted == {"r3": True, "r4": True, "r5": False, "r6": False}
    assert_incremental_equals_rebuild(db)


def test_rebuild_command_repairs_the_counts(
    client: TestClient[Any], db: Database, settings: Settings
) -> None:
    from server.cli import main

    seed_demo_cases(db, 30, seed=7)
    kept = counts_table(db)
    assert kept
    with db.session() as s:
        s.execute(delete(CaseCount).where(CaseCount.grain == rollup.MONTH))
        s.execute(CaseCount.__table__.update().values(n=CaseCount.n + 1))
    assert counts_table(db) != kept
    env = {"JIEFEN_DATABASE_URL": settings.database_url, "JIEFEN_VAR_DIR": str(settings.var_dir)}
    r = CliRunner().invoke(main, ["cockpit", "rebuild-rollup"], env=env, catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert "已重建数据驾驶舱汇总" in r.output
    assert counts_table(db) == kept
    assert_rollup_equals_cases(db)


def test_bounds_that_are_not_midnights_are_counted_from_the_cases(
    client: TestClient[Any], db: Database
) -> None:
    seed_demo_cases(db, 20, seed=9)
    now = datetime.now(UTC)
    start, end = now - timedelta(days=200, hours=5), now  # not midnights in China time
    assert rollup.windows(start, end) is None
    with db.read_session() as s:
        got = _flat(queries.tallies_by_town(s, start, end, Scope("330522")))
        ref = _flat(
            {
                f"{g}000" if g and g[6:] != "000" else None: ts
                for g, ts in direct.by_town(s, start, end, "330522").items()
            }
        )
    assert got == ref and sum(got.values()) > 0


def test_a_province_summary_lists_counties_a_city_also_towns_both_count_every_case(
    client: TestClient[Any], db: Database, settings: Settings
) -> None:
    report = seed_demo_cases(db, 40, seed=11)
    citizen = Device(client, new_device(client))
    citizen.file_case("p1", "邻居装修噪音扰民，多次协商未果", region=VILLAGE)
    citizen.file_case("p2", "拖欠工资三个月", region=OTHER_TOWN_VILLAGE)
    assert citizen.sync()["rejected"] == []
    with db.read_session() as s:
        everything = int(s.scalar(select(func.count()).select_from(CaseRow)) or 0)
    assert everything == report.cases + 2
    bodies = {}
    for area in ("33", "3305"):
        with TestClient(create_app(dataclasses.replace(settings, area=area))) as c:
            r = c.get("/api/v1/cockpit/summary", params={"from": "2000-01-01"}, headers=login(c, "analyst"))
            assert r.status_code == 400  # more than 3 years
            r = c.get("/api/v1/cockpit/summary", headers=login(c, "analyst"))
            assert r.status_code == 200, r.text
            bodies[area] = r.json()
    province, city = bodies["33"], bodies["3305"]
    in_window = province["scope"]["total"]
    assert 0 < in_window <= everything and city["scope"]["total"] == in_window
    # The province: a row per county of the registry and no township rows; every case in one.
    assert province["towns"] == [] and province["counties"]
    assert sum(c["total"] for c in province["counties"]) + province["unplaced"] == in_window
    changxing = next(c for c in province["counties"] if c["region"] == "330522000000")
    assert changxing["total"] == in_window and province["unplaced"] == 0
    # The city: the same counties' figures, and a row per township.
    assert [(c["region"], c["total"], c["success"]) for c in city["counties"]] == [
        (c["region"], c["total"], c["success"])
        for c in province["counties"]
        if c["region"].startswith("3305")
    ]
    assert city["towns"] and sum(t["total"] for t in city["towns"]) + city["unplaced"] == in_window
    assert {t["region"][:9] for t in city["towns"] if t["total"]} >= {VILLAGE[:9], OTHER_TOWN_VILLAGE[:9]}
    for key in ("mediated", "success", "failure", "closed", "settled", "litigation", "open"):
        assert province["scope"][key] == city["scope"][key], key
