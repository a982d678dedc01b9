"""Database engine, sessions and the declarative base.

Synchronous SQLAlchemy on purpose: the same code serves the CLI, the background workers (threads)
and Litestar's sync handlers (run in its thread pool), on SQLite and on PostgreSQL (psycopg 3).
"""

from __future__ import annotations

import sqlite3
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Integer, MetaData, create_engine, event
from sqlalchemy.engine import Dialect, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL wants 64-bit sequences.
BigId = BigInteger().with_variant(Integer(), "sqlite")
Json = JSON()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# Drivers people copy from other projects' examples (async ones included), mapped to the sync
# driver this server runs on: the same URL works whatever example it came from.
SYNC_DRIVERS = {
    "sqlite": "sqlite",
    "sqlite+pysqlite": "sqlite",
    "sqlite+aiosqlite": "sqlite",
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
    "postgresql+psycopg2": "postgresql+psycopg",
    "postgresql+asyncpg": "postgresql+psycopg",
    "postgresql+psycopg_async": "postgresql+psycopg",
}


def normalize_url(url: str) -> str:
    """``url`` on the sync driver this server uses (pysqlite or psycopg 3).

    Raises ValueError with a Chinese message for a malformed URL or another database.
    """
    try:
        u = make_url(url)
    except ArgumentError:
        raise ValueError("不是有效的数据库地址，应形如 sqlite:///路径 或 postgresql://主机/库名") from None
    driver = SYNC_DRIVERS.get(u.drivername)
    if driver is None:
        raise ValueError(f"不支持的数据库驱动 “{u.drivername}”，请使用 sqlite:/// 或 postgresql://")
    return u.set(drivername=driver).render_as_string(hide_password=False)


def make_engine(url: str, **kw: Any) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        # As many connections as Litestar's worker threads (40), so requests never churn connections.
        kw.setdefault("pool_size", 20)
        kw.setdefault("max_overflow", 20)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kw)
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN; we emit BEGIN IMMEDIATE ourselves so a
        # writer takes the lock up front instead of failing on upgrade (SQLAlchemy docs recipe).
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kw.setdefault("pool_size", 10)
    kw.setdefault("max_overflow", 20)
    kw.setdefault("pool_pre_ping", True)
    return create_engine(url, **kw)


def _sqlite_begin(conn: Any) -> None:
    # Readers begin deferred so they never wait for the writer lock (WAL lets them read alongside).
    readonly = conn.get_execution_options().get("jiefen_readonly", False)
    conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # let the "begin" hook above control transactions
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


class FifoLock:
    """A re-entrant lock granted in arrival order (first come, first served).

    SQLite's own wait for its write lock is a busy handler that sleeps and retries with growing
    naps, so under contention a late writer often wins and an early one starves (p99 ≫ p50). Queueing
    this process's writers here first means they reach ``BEGIN IMMEDIATE`` one at a time, in order.
    ``timeout_s`` mirrors SQLite's busy timeout: past it the writer gets the same "database is
    locked" error (a 503 with Retry-After), never an endless wait.
    """

    def __init__(self, timeout_s: float = 30.0) -> None:
        self.timeout_s = timeout_s
        self._cond = threading.Condition()
        self._queue: deque[object] = deque()
        self._owner: int | None = None
        self._depth = 0

    def acquire(self) -> None:
        me = threading.get_ident()
        with self._cond:
            if self._owner == me:
                self._depth += 1
                return
            ticket = object()
            self._queue.append(ticket)
            ok = self._cond.wait_for(
                lambda: self._owner is None and self._queue[0] is ticket, timeout=self.timeout_s
            )
            if not ok:
                self._queue.remove(ticket)
                self._cond.notify_all()
                raise OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))
            self._queue.popleft()
            self._owner, self._depth = me, 1

    def release(self) -> None:
        with self._cond:
            self._depth -= 1
            if self._depth == 0:
                self._owner = None
                self._cond.notify_all()


class Database:
    """The engine plus a session factory; one per process.

    On SQLite, write sessions queue in a ``FifoLock`` before they take the database's write lock
    (``fair_writes``, default on; see bench/README.md "Fair writes"). Only writers of this process
    queue there; several processes on one SQLite file still meet at SQLite's busy handler.
    """

    def __init__(self, url: str, replica_url: str = "", *, fair_writes: bool = True) -> None:
        self.url = normalize_url(url)
        self.engine = make_engine(self.url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.read_sessions = sessionmaker(
            self.engine.execution_options(jiefen_readonly=True), expire_on_commit=False
        )
        self.write_queue = FifoLock() if fair_writes and is_sqlite(self.engine) else None
        # JIEFEN_DATABASE_READ_URL: a streaming replica for reads that may lag (the cockpit).
        self.replica_engine = make_engine(normalize_url(replica_url)) if replica_url else None
        self.replica_sessions = (
            sessionmaker(self.replica_engine, expire_on_commit=False)
            if self.replica_engine is not None
            else self.read_sessions
        )

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on any error."""
        if self.write_queue is None:
            with self.sessions() as s, s.begin():
                yield s
            return
        self.write_queue.acquire()
        try:
            with self.sessions() as s, s.begin():
                yield s
        finally:
            self.write_queue.release()

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A unit of work that only reads (on SQLite it does not take the writer lock)."""
        with self.read_sessions() as s, s.begin():
            yield s

    @contextmanager
    def replica_session(self) -> Iterator[Session]:
        """A read-only unit of work on the read replica when one is configured (it may lag the
        primary by a moment: aggregates only, never a sync pull), else as ``read_session``."""
        with self.replica_sessions() as s, s.begin():
            yield s

    def dispose(self) -> None:
        self.engine.dispose()
        if self.replica_engine is not None:
            self.replica_engine.dispose()


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite keeps no zone, so we store naive UTC)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)
