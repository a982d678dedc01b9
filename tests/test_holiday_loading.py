"""Holiday arrangements loaded as data: provisional deadlines stored, shown and recomputed (never earlier)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from litestar.testing import TestClient
from sqlalchemy import func, select

from server.core import components_of
from server.db import Database
from server.routing.models import HolidayYear
from server.routing.workdays import TZ
from server.settings import Settings
from tests.conftest import login, new_device
from tests.synctools import Device

SAMPLE = Path(__file__).resolve().parent.parent / "docs" / "holidays" / "2027.example.json"
VILLAGE = "330522001008"


def sample() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    return data


def eod(y: int, m: int, d: int) -> str:
    return datetime(y, m, d, 23, 59, 59, tzinfo=TZ).isoformat()


@pytest.fixture
def at(client: TestClient[Any]) -> Iterator[Any]:
    """Pin the routing clock: ``at(datetime)``."""
    routing = components_of(client.app).routing

    def pin(moment: datetime) -> None:
        routing.clock = lambda: moment

    yield pin
    routing.clock = None


def file_case(client: TestClient[Any], key: str = "k1") -> tuple[Device, str, str]:
    d = Device(client, new_device(client))
    code, token = d.file_case(key, "隔壁装修天天敲到半夜", region=VILLAGE)
    assert d.sync()["rejected"] == []
    return d, code, token


def timeline(d: Device) -> list[dict[str, Any]]:
    items = [d.view("timeline", k) for k in d.keys("timeline")]
    return sorted((t for t in items if t), key=lambda t: t["at"])


def put_year(client: TestClient[Any], data: Any, year: int = 2027, who: str = "admin") -> Any:
    return client.put(f"/api/v1/holidays/{year}", json=data, headers=login(client, who))


def test_a_case_filed_before_new_year_is_provisional_then_recomputed(
    client: TestClient[Any], at: Any
) -> None:
    at(datetime(2026, 12, 29, 10, 0, tzinfo=TZ))
    d, code, token = file_case(client)
    view = d.view("case", "k1")
    assert view is not None
    assert view["respond_by"] == eod(2027, 1, 4)  # after 元旦 and its weekend, not on 2027-01-01
    note = view["deadline_provisional"]
    assert note.startswith("2027年放假安排尚未载入") and "不会提前" in note
    assigned = [t for t in timeline(d) if t["event"] == "assigned"]
    assert assigned[-1]["provisional"] == note
    trace = client.get(f"/api/v1/trace/{code}", headers={"X-Case-Token": token}).json()
    assert trace["deadline_provisional"] == note

    at(datetime(2026, 12, 30, 9, 0, tzinfo=TZ))
    r = put_year(client, sample())
    assert r.status_code == 200, r.text
    assert r.json() == {"year": 2027, "version": 1, "source": sample()["source"], "recomputed": 1}
    d.sync()
    view = d.view("case", "k1")
    assert view is not None
    assert view["deadline_provisional"] is None
    assert view["respond_by"] == eod(2027, 1, 4)
    assert timeline(d)[-1]["event"] == "deadline_recomputed"
    trace = client.get(f"/api/v1/trace/{code}", headers={"X-Case-Token": token}).json()
    assert trace["deadline_provisional"] is None
    assert trace["timeline"][-1]["label"] == "办理期限已按放假安排重新计算"


def test_loading_moves_a_provisional_deadline_later(client: TestClient[Any], at: Any) -> None:
    at(datetime(2027, 2, 3, 9, 0, tzinfo=TZ))
    d, _, _ = file_case(client)
    assert d.view("case", "k1")["respond_by"] == eod(2027, 2, 12)  # type: ignore[index]
    at(datetime(2027, 2, 3, 10, 0, tzinfo=TZ))
    assert put_year(client, sample()).json()["recomputed"] == 1
    d.sync()
    view = d.view("case", "k1")
    assert view is not None
    assert view["respond_by"] == eod(2027, 2, 16)  # the notice's 春节 runs to 02-12
    assert timeline(d)[-1]["respond_by"] == eod(2027, 2, 16)


def test_a_file_that_would_shorten_a_deadline_leaves_it_as_promised(client: TestClient[Any], at: Any) -> None:
    at(datetime(2026, 12, 29, 10, 0, tzinfo=TZ))
    d, _, _ = file_case(client)
    data = sample()
    data["holidays"][0] = {"name": "元旦", "from": "2027-01-01", "to": "2027-01-01"}
    data["workdays"].append({"name": "元旦", "date": "2027-01-02"})  # would end on 01-02
    assert put_year(client, data).status_code == 200
    d.sync()
    view = d.view("case", "k1")
    assert view is not None
    assert view["respond_by"] == eod(2027, 1, 4)
    assert view["deadline_provisional"] is None


def test_other_processes_use_a_loaded_year_without_restart(
    client: TestClient[Any], settings: Settings, at: Any
) -> None:
    from server.app import create_app

    with TestClient(create_app(settings)) as other:
        routing = components_of(other.app).routing
        routing.clock = lambda: datetime(2027, 2, 3, 9, 0, tzinfo=TZ)
        d1, _, _ = file_case(other, "k1")
        assert d1.view("case", "k1")["respond_by"] == eod(2027, 2, 12)  # type: ignore[index]
        assert put_year(client, sample()).status_code == 200  # loaded through the first process
        d2, _, _ = file_case(other, "k2")
        view = d2.view("case", "k2")
        assert view is not None
        assert view["respond_by"] == eod(2027, 2, 16)
        assert view.get("deadline_provisional") is None


def test_the_cli_loads_a_file_and_a_new_version_each_time(settings: Settings, db: Database) -> None:
    from server.cli import main

    env = {"JIEFEN_DATABASE_URL": settings.database_url, "JIEFEN_VAR_DIR": str(settings.var_dir)}
    runner = CliRunner()
    for version in (1, 2):
        r = runner.invoke(main, ["holidays", "load", str(SAMPLE)], env=env)
        assert r.exit_code == 0, r.output
        assert f"已载入2027年放假安排（第 {version} 版" in r.output
    listed = runner.invoke(main, ["holidays", "list"], env=env)
    assert "2027  第2版" in listed.output


def test_the_cli_refuses_a_bad_file_and_stores_nothing(
    settings: Settings, db: Database, tmp_path: Path
) -> None:
    from server.cli import main

    bad = sample()
    bad["holidays"] = bad["holidays"][1:]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    env = {"JIEFEN_DATABASE_URL": settings.database_url, "JIEFEN_VAR_DIR": str(settings.var_dir)}
    r = CliRunner().invoke(main, ["holidays", "load", str(path)], env=env)
    assert r.exit_code == 1
    assert "缺少《全国年节及纪念日放假办法》第二条规定的法定节日" in r.output
    path.write_bytes(b"\xff\xfe not json")
    r = CliRunner().invoke(main, ["holidays", "load", str(path)], env=env)
    assert r.exit_code == 1 and "JSON" in r.output
    with db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(HolidayYear)) == 0


@pytest.mark.parametrize(
    ("who", "year", "body", "status"),
    [
        ("mediator", 2027, "sample", 403),
        ("analyst", 2027, "sample", 403),
        ("admin", 2028, "sample", 400),  # path and file disagree
        ("admin", 2027, {"year": 2027}, 400),
        ("admin", 2027, [1, 2], 400),
        ("admin", 2027, {"year": 2027, "source": "x\u0000", "holidays": [{"name": "\u0000"}]}, 400),
        ("admin", 99999999999999999999, "sample", 400),
    ],
)
def test_only_admins_load_and_bad_input_changes_nothing(
    client: TestClient[Any], db: Database, who: str, year: int, body: Any, status: int
) -> None:
    r = put_year(client, sample() if body == "sample" else body, year, who)
    assert r.status_code == status, r.text
    with db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(HolidayYear)) == 0


def test_reading_loaded_years(client: TestClient[Any]) -> None:
    admin = login(client, "admin")
    assert client.get("/api/v1/holidays/2027", headers=admin).status_code == 404
    assert client.get("/api/v1/holidays/-5", headers=admin).status_code in (400, 404)
    assert put_year(client, sample()).status_code == 200
    got = client.get("/api/v1/holidays/2027", headers=admin).json()
    assert got["version"] == 1 and got["holidays"][0]["from"] == "2027-01-01"
    rows = client.get("/api/v1/holidays", headers=login(client, "analyst")).json()
    assert [(r["year"], r["version"], r["loaded_by"] is not None) for r in rows] == [(2027, 1, True)]
    assert client.get("/api/v1/holidays", headers=new_device(client)).status_code == 403
