"""JIEFEN_DATABASE_READ_URL: the cockpit's aggregates read the replica; sync reads and writes the primary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from server.settings import Settings
from tests import dbutil
from tests.conftest import login, new_device
from tests.synctools import Device


@pytest.mark.parametrize("backend", ["sqlite"])
def test_cockpit_reads_the_replica_and_sync_the_primary(db_url: str, tmp_path: Path) -> None:
    from server.app import create_app

    # A stand-in replica: a copy of the primary taken before the case below was filed (a lag).
    replica = dbutil.sqlite_create(tmp_path, dbutil.sqlite_path(db_url))
    settings = Settings(
        database_url=db_url,
        database_read_url=replica,
        var_dir=tmp_path / "var",
        scheduler_interval_s=0,
        pwa_dist=tmp_path / "dist",
    )
    with TestClient(create_app(settings)) as client:
        d = Device(client, new_device(client))
        d.file_case("r1", "邻居家空调外机滴水")
        assert d.sync()["rejected"] == []
        admin = Device(client, login(client, "admin"))
        admin.sync()
        assert "r1" in admin.keys("case")  # sync: the primary
        r: Any = client.get("/api/v1/cockpit/summary", headers=login(client, "analyst"))
        assert r.status_code == 200
        assert r.json()["scope"]["total"] == 0  # aggregates: the replica, which has not got it yet
