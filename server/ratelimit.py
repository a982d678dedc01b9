"""Rate limiters keyed by (bucket, client): one in process memory, one shared through the database.

``RateLimiter`` (a sliding window in memory) serves the single-process SQLite deployment.
``SharedRateLimiter`` keeps its counts in the ``rate_hits`` table, so N ``jiefen serve`` processes on
one PostgreSQL enforce one limit together (docs/deploy.md); ``limiter_for`` picks by backend.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

from sqlalchemy import BigInteger, Integer, String, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, Database


class Limiter(Protocol):
    def allow(self, key: str) -> bool:
        """Count one hit for ``key``; False when the key is over its limit."""
        ...


class RateHit(Base):
    """Hits of one key in one fixed window (``window`` = start time in seconds // window length)."""

    __tablename__ = "rate_hits"
    bucket: Mapped[str] = mapped_column(String(200), primary_key=True)
    window: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hits: Mapped[int] = mapped_column(Integer, default=0)


class SharedRateLimiter:
    """At most ``limit`` hits per ``window_s`` seconds per key, across every process on one
    PostgreSQL database.

    Sliding window approximated from two fixed windows: the current window's count plus the
    previous one's weighted by how much of it still lies inside the sliding window (the estimate
    used by Cloudflare and others). One upsert and one indexed read per hit.
    """

    def __init__(
        self, db: Database, name: str, limit: int, window_s: float, clock: Callable[[], float] = time.time
    ) -> None:
        self.db = db
        self.name = name
        self.limit = limit
        self.window_s = window_s
        self._clock = clock

    def allow(self, key: str) -> bool:
        now = self._clock()
        window = int(now // self.window_s)
        inside = 1.0 - (now - window * self.window_s) / self.window_s  # share of the previous window
        bucket = f"{self.name}:{key}"[:200]
        with self.db.session() as s:
            upsert = (
                pg_insert(RateHit)
                .values(bucket=bucket, window=window, hits=1)
                .on_conflict_do_update(
                    index_elements=[RateHit.bucket, RateHit.window], set_={"hits": RateHit.hits + 1}
                )
                .returning(RateHit.hits)
            )
            current = int(s.scalar(upsert) or 0)
            previous = s.scalar(
                select(RateHit.hits).where(RateHit.bucket == bucket, RateHit.window == window - 1)
            )
            if random.random() < 0.01:  # forget old windows now and then
                s.execute(delete(RateHit).where(RateHit.window < window - 1))
        return current + int(previous or 0) * inside <= self.limit


def limiter_for(db: Database, name: str, limit: int, window_s: float) -> Limiter:
    """The shared limiter on PostgreSQL (several processes), the in-memory one on SQLite."""
    if db.url.startswith("postgresql"):
        return SharedRateLimiter(db, name, limit, window_s)
    return RateLimiter(limit, window_s)


class RateLimiter:
    def __init__(self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        """Count one hit for ``key``; False when the key is over its limit in the window."""
        now = self._clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window_s:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            if len(self._hits) > 100_000:  # forget idle keys so memory stays bounded
                self._hits = {k: v for k, v in self._hits.items() if v}
            return True
