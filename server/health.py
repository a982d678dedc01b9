"""Liveness and readiness: the load balancer asks here."""

from __future__ import annotations

import msgspec
from litestar import get
from litestar.di import NamedDependency
from sqlalchemy import text

from server.db import Database


class Health(msgspec.Struct):
    status: str
    database: str
    version: str


@get("/api/v1/health", operation_id="health", sync_to_thread=True, tags=["ops"])
def health(db: NamedDependency[Database]) -> Health:
    """The database answers a query: ``status`` "ok" and its dialect."""
    with db.session() as s:
        s.execute(text("SELECT 1"))
    return Health(status="ok", database=db.engine.dialect.name, version="0.1.0")


@get("/api/v1/ping", operation_id="ping", sync_to_thread=False, tags=["ops"])
def ping() -> dict[str, str]:
    """The trivial endpoint benchmarks compare against (no database, no auth)."""
    return {"ok": "1"}
