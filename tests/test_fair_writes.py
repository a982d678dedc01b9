"""SQLite writers of one process take the write lock first come, first served (server/db.py FifoLock)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from server.db import Database, FifoLock


def _queued(lock: FifoLock, n: int) -> None:
    deadline = time.monotonic() + 10
    while len(lock._queue) < n:  # white-box: wait until each thread has taken its ticket
        assert time.monotonic() < deadline
        time.sleep(0.001)


def test_waiters_get_the_lock_in_arrival_order() -> None:
    lock = FifoLock()
    order: list[int] = []
    lock.acquire()
    threads = []
    for i in range(8):
        t = threading.Thread(target=lambda i=i: (lock.acquire(), order.append(i), lock.release()))
        t.start()
        _queued(lock, i + 1)
        threads.append(t)
    lock.release()
    for t in threads:
        t.join(10)
    assert order == list(range(8))


def test_reentrant_and_a_timeout_is_database_is_locked() -> None:
    lock = FifoLock(timeout_s=0.05)
    lock.acquire()
    lock.acquire()  # the same thread again: no deadlock
    lock.release()
    failed: list[BaseException] = []

    def other() -> None:
        try:
            lock.acquire()
        except OperationalError as e:
            failed.append(e)

    t = threading.Thread(target=other)
    t.start()
    t.join(10)
    assert failed and "database is locked" in str(failed[0])
    lock.release()
    lock.acquire()  # free again, and the timed-out ticket left the queue
    lock.release()
    assert not lock._queue


def test_sqlite_write_sessions_queue_and_postgresql_ones_do_not(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'f.sqlite3'}")
    try:
        assert db.write_queue is not None
        with db.session() as s:
            s.execute(text("CREATE TABLE t (n INTEGER)"))
        done: list[int] = []
        db.write_queue.acquire()  # as if a writer were inside

        def write(n: int) -> None:
            with db.session() as s:
                s.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
                done.append(n)  # inside: the next writer starts only after this one

        threads = []
        for n in range(5):
            threads.append(threading.Thread(target=write, args=(n,)))
            threads[-1].start()
            _queued(db.write_queue, n + 1)
        db.write_queue.release()
        for t in threads:
            t.join(10)
        assert done == [0, 1, 2, 3, 4]
        with db.read_session() as s:
            assert s.execute(text("SELECT n FROM t")).scalars().all() == [0, 1, 2, 3, 4]
    finally:
        db.dispose()
    assert Database(f"sqlite:///{tmp_path / 'g.sqlite3'}", fair_writes=False).write_queue is None


@pytest.mark.pg
def test_postgresql_has_no_process_queue() -> None:
    from tests import dbutil

    if not dbutil.pg_available():
        pytest.skip("PostgreSQL not running")
    url = dbutil.pg_create()
    try:
        db = Database(url)
        assert db.write_queue is None
        db.dispose()
    finally:
        dbutil.pg_drop(url)
