"""Make throw-away databases for tests: SQLite files and PostgreSQL databases on 127.0.0.1:5432.

Each test gets its own database, so tests (and parallel test runs) never see each other's rows.
A seeded template is built once per session and copied (file copy / ``CREATE DATABASE … TEMPLATE``).
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

PG_ADMIN_URL = os.environ.get("JIEFEN_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def pg_available() -> bool:
    try:
        with psycopg.connect(_dsn(PG_ADMIN_URL), connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


def _dsn(url: str) -> str:
    u = make_url(url)
    return f"host={u.host} port={u.port or 5432} user={u.username or 'postgres'} dbname={u.database}"


def pg_create(template: str | None = None) -> str:
    name = f"jf_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_dsn(PG_ADMIN_URL), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def pg_drop(url: str) -> None:
    name = make_url(url).database
    with psycopg.connect(_dsn(PG_ADMIN_URL), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sqlite_create(directory: Path, template: Path | None = None) -> str:
    path = directory / f"jf_{uuid.uuid4().hex[:12]}.sqlite3"
    if template is not None:
        shutil.copyfile(template, path)
    return f"sqlite:///{path}"


def sqlite_path(url: str) -> Path:
    return Path(make_url(url).database or "")
