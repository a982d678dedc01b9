"""Rate limiters keyed by client (an address, a device token): one interface, ``allow(key)``, and
``retry_after(key)`` for the ``Retry-After`` header of the 429 that follows a refusal.

- ``RateLimiter``: a sliding window (at most ``limit`` hits in any ``window_s`` seconds).
- ``TokenBucket``: ``burst`` hits at once, refilled at ``per_hour``; what device sign-up uses, so a
  poster day (hundreds of villagers installing on one village Wi-Fi or behind one carrier NAT
  within minutes) passes while a script that keeps registering is slowed to the refill rate.

- ``SharedTokenBucket``: the token bucket kept in the database (``rate_buckets``), so N ``jiefen
  serve`` processes on one PostgreSQL enforce one limit together (docs/deploy.md).

- ``LoginBackoff``: per (address, account) failures make the next try wait 1 s, 2 s, 4 s … at most
  a minute; never a lock on the account. ``SharedLoginBackoff``: the same counts in the database,
  so N processes behind a load balancer allow the free tries once, not N times.

Trace and follow count *failures* only (``exceeded`` peeks, ``hit`` counts; a correct token is never
refused): none of these can be turned against the owner of what they protect (docs/security.md).

``limiter_for``/``bucket_for``/``backoff_for`` pick: the in-memory kinds on SQLite (one process),
the shared one on PostgreSQL. There a sliding window of ``limit`` per ``window_s`` becomes a bucket
of ``limit`` tokens refilled at ``limit / window_s`` per second — the same long-run rate and burst,
refilled smoothly.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from sqlalchemy import Float, String, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, Database

_MAX_KEYS = 100_000


class RateLimiter:
    """A sliding window: at most ``limit`` hits per ``window_s`` seconds per key."""

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
            if len(self._hits) > _MAX_KEYS:  # forget idle keys so memory stays bounded
                self._hits = {k: v for k, v in self._hits.items() if v}
            return True

    def _window(self, key: str, now: float) -> deque[float]:
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window_s:
            hits.popleft()
        return hits

    def exceeded(self, key: str) -> bool:
        """True when ``key`` has ``limit`` hits in the window already (counts nothing)."""
        now = self._clock()
        with self._lock:
            return len(self._window(key, now)) >= self.limit

    def hit(self, key: str) -> None:
        """Count one hit (e.g. one failure) for ``key`` whatever its count."""
        now = self._clock()
        with self._lock:
            self._window(key, now).append(now)
            if len(self._hits) > _MAX_KEYS:
                self._hits = {k: v for k, v in self._hits.items() if v}

    def retry_after(self, key: str) -> int:
        """Whole seconds until ``key`` may hit again (at least 1)."""
        now = self._clock()
        with self._lock:
            hits = self._hits.get(key)
            if not hits or len(hits) < self.limit:
                return 1
            return max(1, math.ceil(hits[0] + self.window_s - now))


class TokenBucket:
    """``burst`` tokens per key, refilled continuously at ``per_hour``; a hit takes one token."""

    def __init__(self, burst: int, per_hour: float, clock: Callable[[], float] = time.monotonic) -> None:
        if burst < 1 or per_hour <= 0:
            raise ValueError("burst must be >= 1 and per_hour > 0")
        self.burst = burst
        self.rate = per_hour / 3600.0  # tokens per second
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)
        self._lock = threading.Lock()

    def _level(self, key: str, now: float) -> float:
        tokens, at = self._buckets.get(key, (float(self.burst), now))
        return min(float(self.burst), tokens + (now - at) * self.rate)

    def allow(self, key: str) -> bool:
        """Take one token for ``key``; False (nothing taken) when the bucket is empty."""
        now = self._clock()
        with self._lock:
            tokens = self._level(key, now)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                return False
            self._buckets[key] = (tokens - 1, now)
            if len(self._buckets) > _MAX_KEYS:  # full buckets carry no information: forget them
                self._buckets = {k: v for k, v in self._buckets.items() if self._level(k, now) < self.burst}
            return True

    def exceeded(self, key: str) -> bool:
        """True when ``key``'s bucket is empty (takes nothing)."""
        now = self._clock()
        with self._lock:
            return self._level(key, now) < 1

    def hit(self, key: str) -> None:
        """Take one token for ``key`` if there is one (an empty bucket stays empty)."""
        self.allow(key)

    def retry_after(self, key: str) -> int:
        """Whole seconds until ``key`` has a token again (at least 1)."""
        now = self._clock()
        with self._lock:
            missing = 1 - self._level(key, now)
        return max(1, math.ceil(missing / self.rate)) if missing > 0 else 1


@runtime_checkable  # handlers receive one as a dependency, which Litestar checks by isinstance
class Limiter(Protocol):
    def allow(self, key: str) -> bool:
        """Count one hit for ``key``; False when the key is over its limit."""
        ...

    def retry_after(self, key: str) -> int:
        """Whole seconds until ``key`` may hit again (at least 1)."""
        ...

    def exceeded(self, key: str) -> bool:
        """True when ``key`` is over its limit now (counts nothing)."""
        ...

    def hit(self, key: str) -> None:
        """Count one hit for ``key`` (e.g. one failure), refused or not."""
        ...


class RateBucket(Base):
    """One key's token bucket, shared by every server process (``SharedTokenBucket``)."""

    __tablename__ = "rate_buckets"
    bucket: Mapped[str] = mapped_column(String(200), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    at: Mapped[float] = mapped_column(Float)  # Unix seconds of the last change


class SharedTokenBucket:
    """``TokenBucket`` with its state in the ``rate_buckets`` table (PostgreSQL): the row is locked
    (``FOR UPDATE``) while a hit is counted, so processes never both take the last token."""

    def __init__(
        self, db: Database, name: str, burst: int, per_hour: float, clock: Callable[[], float] = time.time
    ) -> None:
        if burst < 1 or per_hour <= 0:
            raise ValueError("burst must be >= 1 and per_hour > 0")
        self.db = db
        self.name = name
        self.burst = burst
        self.rate = per_hour / 3600.0
        self._clock = clock

    def _key(self, key: str) -> str:
        return f"{self.name}:{key}"[:200]

    def _level(self, tokens: float, at: float, now: float) -> float:
        return min(float(self.burst), tokens + max(0.0, now - at) * self.rate)

    def allow(self, key: str) -> bool:
        now, bucket = self._clock(), self._key(key)
        with self.db.session() as s:
            s.execute(
                pg_insert(RateBucket)
                .values(bucket=bucket, tokens=float(self.burst), at=now)
                .on_conflict_do_nothing(index_elements=[RateBucket.bucket])
            )
            tokens, at = s.execute(
                select(RateBucket.tokens, RateBucket.at).where(RateBucket.bucket == bucket).with_for_update()
            ).one()
            level = self._level(tokens, at, now)
            ok = level >= 1
            s.execute(
                update(RateBucket)
                .where(RateBucket.bucket == bucket)
                .values(tokens=level - 1 if ok else level, at=now)
            )
            if random.random() < 0.001:  # full buckets carry no information: forget them now and then
                # Only this limiter's own: another limiter's bucket idle that long may still be empty.
                s.execute(
                    delete(RateBucket).where(
                        RateBucket.bucket.startswith(f"{self.name}:", autoescape=True),
                        RateBucket.at < now - self.burst / self.rate,
                    )
                )
        return ok

    def _level_now(self, key: str) -> float:
        """Tokens in ``key``'s bucket now, read without counting (a key never seen is full)."""
        now = self._clock()
        with self.db.read_session() as s:
            row = s.execute(
                select(RateBucket.tokens, RateBucket.at).where(RateBucket.bucket == self._key(key))
            ).first()
        return self._level(row[0], row[1], now) if row else float(self.burst)

    def exceeded(self, key: str) -> bool:
        return self._level_now(key) < 1

    def hit(self, key: str) -> None:
        self.allow(key)  # takes a token when there is one; an empty bucket stays empty

    def retry_after(self, key: str) -> int:
        missing = 1 - self._level_now(key)
        return max(1, math.ceil(missing / self.rate)) if missing > 0 else 1


def limiter_for(db: Database, name: str, limit: int, window_s: float) -> Limiter:
    """``limit`` hits per ``window_s`` seconds per key: in memory on SQLite, shared on PostgreSQL."""
    if db.url.startswith("postgresql"):
        return SharedTokenBucket(db, name, limit, limit * 3600.0 / window_s)
    return RateLimiter(limit, window_s)


def bucket_for(db: Database, name: str, burst: int, per_hour: float) -> Limiter:
    """A token bucket: in memory on SQLite, shared on PostgreSQL."""
    if db.url.startswith("postgresql"):
        return SharedTokenBucket(db, name, burst, per_hour)
    return TokenBucket(burst, per_hour)


def wait_words(seconds: int) -> str:
    """A wait in plain Chinese, rounded up: 45 → "45 秒", 150 → "3 分钟", 7200 → "2 小时"."""
    if seconds < 60:
        return f"{max(1, seconds)} 秒"
    if seconds < 3600:
        return f"{math.ceil(seconds / 60)} 分钟"
    return f"{math.ceil(seconds / 3600)} 小时"


def backoff_wait_s(failures: float, last: float, now: float, free: int, base_s: float, max_s: float) -> float:
    """Seconds still to wait after ``failures`` failures, the last at ``last`` (same clock as
    ``now``, seconds): none while ``failures < free``, then ``base_s`` × 2^(failures − free), at most
    ``max_s``, counted from the last failure."""
    if failures < free:
        return 0.0
    delay = min(max_s, base_s * math.pow(2.0, failures - free))
    return max(0.0, last + delay - now)


class LoginBackoff:
    """Failed logins per key (an address and an account): after ``free`` failures each further one
    makes the next try wait ``base_s`` × 2^k seconds (k = failures beyond ``free`` − 1), at most
    ``max_s``. A success forgets the key; failures older than ``forget_s`` are forgotten too.

    Never a lock: the same account from another address is not slowed at all, and the wait stays
    short, so a guesser cannot keep its owner out.
    """

    def __init__(
        self,
        free: int = 5,
        base_s: float = 1.0,
        max_s: float = 60.0,
        forget_s: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free, self.base_s, self.max_s, self.forget_s = free, base_s, max_s, forget_s
        self._clock = clock
        self._state: dict[str, tuple[int, float]] = {}  # key -> (failures, time of the last)
        self._lock = threading.Lock()

    def wait_s(self, key: str) -> float:
        """Seconds before ``key`` may try again (0: now)."""
        now = self._clock()
        with self._lock:
            n, last = self._state.get(key, (0, now))
            if now - last > self.forget_s:
                self._state.pop(key, None)
                return 0.0
        return backoff_wait_s(n, last, now, self.free, self.base_s, self.max_s)

    def failure(self, key: str) -> None:
        now = self._clock()
        with self._lock:
            n, _ = self._state.get(key, (0, now))
            self._state[key] = (n + 1, now)
            if len(self._state) > 100_000:
                self._state = {k: v for k, v in self._state.items() if now - v[1] <= self.forget_s}

    def success(self, key: str) -> None:
        with self._lock:
            self._state.pop(key, None)


@runtime_checkable  # a handler dependency, checked by isinstance like ``Limiter``
class Backoff(Protocol):
    def wait_s(self, key: str) -> float:
        """Seconds before ``key`` may try again (0: now)."""
        ...

    def failure(self, key: str) -> None:
        """One more failure of ``key``."""
        ...

    def success(self, key: str) -> None:
        """``key`` succeeded: forget its failures."""
        ...


class SharedLoginBackoff:
    """``LoginBackoff`` with its counts in the ``rate_buckets`` table (PostgreSQL): ``tokens`` holds
    the failures of a key and ``at`` the Unix time of the last, counted under a row lock, so every
    process sees the same count and a load balancer cannot multiply the free tries."""

    def __init__(
        self,
        db: Database,
        free: int = 5,
        base_s: float = 1.0,
        max_s: float = 60.0,
        forget_s: float = 3600.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.free, self.base_s, self.max_s, self.forget_s = free, base_s, max_s, forget_s
        self._clock = clock

    @staticmethod
    def _key(key: str) -> str:
        return f"login:{key}"[:200]

    def wait_s(self, key: str) -> float:
        now = self._clock()
        with self.db.read_session() as s:
            row = s.execute(
                select(RateBucket.tokens, RateBucket.at).where(RateBucket.bucket == self._key(key))
            ).first()
        if row is None:
            return 0.0
        failures, last = float(row[0]), float(row[1])
        if now - last > self.forget_s:
            return 0.0
        return backoff_wait_s(failures, last, now, self.free, self.base_s, self.max_s)

    def failure(self, key: str) -> None:
        now, bucket = self._clock(), self._key(key)
        with self.db.session() as s:
            s.execute(
                pg_insert(RateBucket)
                .values(bucket=bucket, tokens=0.0, at=now)
                .on_conflict_do_nothing(index_elements=[RateBucket.bucket])
            )
            n, last = s.execute(
                select(RateBucket.tokens, RateBucket.at).where(RateBucket.bucket == bucket).with_for_update()
            ).one()
            n = 0.0 if now - last > self.forget_s else n
            s.execute(update(RateBucket).where(RateBucket.bucket == bucket).values(tokens=n + 1, at=now))
            if random.random() < 0.001:  # keys idle past forget_s count nothing: forget them now and then
                s.execute(
                    delete(RateBucket).where(
                        RateBucket.bucket.startswith("login:"), RateBucket.at < now - self.forget_s
                    )
                )

    def success(self, key: str) -> None:
        with self.db.session() as s:
            s.execute(delete(RateBucket).where(RateBucket.bucket == self._key(key)))


def backoff_for(db: Database, free: int, max_s: float) -> Backoff:
    """Login back-off: in memory on SQLite (one process), shared on PostgreSQL."""
    if db.url.startswith("postgresql"):
        return SharedLoginBackoff(db, free=free, max_s=max_s)
    return LoginBackoff(free=free, max_s=max_s)


def token_failures_over(limiter: Limiter, address: str, code: str) -> bool:
    """Whether wrong case tokens from ``address``, or for case ``code`` (from anywhere, through
    the trace page or follow alike), reached the limit. Counts nothing."""
    return limiter.exceeded(f"token-fail-ip:{address}") or limiter.exceeded(f"token-fail-code:{code}")


def count_token_failure(limiter: Limiter, address: str, code: str) -> None:
    """One wrong token (or unknown code) from ``address`` for ``code``."""
    limiter.hit(f"token-fail-ip:{address}")
    limiter.hit(f"token-fail-code:{code}")
