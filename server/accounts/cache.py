"""A short-lived, process-wide cache of resolved bearer tokens (token hash → Principal)."""

from __future__ import annotations

import threading
import time

from server.accounts.principal import Principal

# Resolving a token costs two indexed reads; caching it briefly keeps the hot sync path cheap.
# Revocation clears this process's entry at once, and other processes' through PostgreSQL
# LISTEN/NOTIFY (server/crossproc.py) within milliseconds; the TTL bounds staleness if that fails.
_CACHE_TTL_S = 10.0


class PrincipalCache:
    """Principals by token hash for ``_CACHE_TTL_S`` seconds; ``drop`` forgets a token or a user at once."""

    def __init__(self) -> None:
        self._items: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    def get(self, token_hash: str) -> Principal | None:
        item = self._items.get(token_hash)
        if item is None or item[0] < time.monotonic():
            return None
        return item[1]

    def put(self, p: Principal) -> None:
        with self._lock:
            if len(self._items) > 50_000:
                self._items.clear()
            self._items[p.token_hash] = (time.monotonic() + _CACHE_TTL_S, p)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def drop(self, token_hash: str | None = None, user_id: str | None = None) -> None:
        with self._lock:
            for k, (_, p) in list(self._items.items()):
                if k == token_hash or p.user_id == user_id:
                    del self._items[k]
