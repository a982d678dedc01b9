"""Shared fixtures: databases on both backends, a seeded demo app, logged-in clients."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from litestar.testing import TestClient

from server.db import Database
from server.migrate import upgrade
from server.settings import Settings
from tests import dbutil

# Properties are about behaviour, not speed: on a shared 2-core machine generation can be slow, and
# Hypothesis' timing checks would fail a test for the machine's load (speed lives in bench/).
hypothesis_settings.register_profile(
    "jiefen", deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
hypothesis_settings.load_profile("jiefen")

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)]
DEMO_PASSWORD = "jiefen-demo"


def _require_pg() -> None:
    if not dbutil.pg_available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL on 127.0.0.1:5432 is required in CI")
        pytest.skip("PostgreSQL on 127.0.0.1:5432 is not running")


@pytest.fixture(scope="session")
def _templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Seeded demo databases built once; tests get copies."""
    from server.registry.seed import seed_demo

    made: dict[str, str] = {}

    def build(backend: str) -> str:
        if backend not in made:
            if backend == "sqlite":
                url = dbutil.sqlite_create(tmp_path_factory.mktemp("tmpl"))
            else:
                _require_pg()
                url = dbutil.pg_create()
            upgrade(url)
            db = Database(url)
            seed_demo(db)
            db.dispose()
            made[backend] = url
        return made[backend]

    yield build  # type: ignore[misc]
    for backend, url in made.items():
        if backend == "postgresql":
            dbutil.pg_drop(url)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def empty_db_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A brand-new, empty database (no tables) on the chosen backend."""
    if backend == "sqlite":
        yield dbutil.sqlite_create(tmp_path)
        return
    _require_pg()
    url = dbutil.pg_create()
    yield url
    dbutil.pg_drop(url)


@pytest.fixture
def db_url(backend: str, tmp_path: Path, _templates: Any) -> Iterator[str]:
    """A migrated database holding the demo county, private to this test."""
    template = _templates(backend)
    if backend == "sqlite":
        yield dbutil.sqlite_create(tmp_path, dbutil.sqlite_path(template))
        return
    from sqlalchemy.engine import make_url

    url = dbutil.pg_create(template=make_url(template).database)
    yield url
    dbutil.pg_drop(url)


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=db_url, var_dir=tmp_path / "var", scheduler_interval_s=0, pwa_dist=tmp_path / "dist"
    )


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = Database(settings.database_url)
    yield database
    database.dispose()


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient[Any]]:
    from server.app import create_app

    with TestClient(create_app(settings)) as c:
        yield c


def login(client: TestClient[Any], username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def new_device(client: TestClient[Any]) -> dict[str, str]:
    r = client.post("/api/v1/devices")
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}
