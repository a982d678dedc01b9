"""A daemon thread that repeats one unit of background work (due timers, pushes, texts).

Each round calls ``deliver(now)`` batch after batch until a batch comes back short; a failing round
is logged and retried next round, so a database hiccup never ends the thread. Subclasses say only
what one batch is.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from abc import ABC, abstractmethod
from datetime import datetime

from server.db import utcnow

log = logging.getLogger("jiefen.background")


class PollingWorker(ABC):
    name = "jiefen-worker"

    def __init__(self, *, interval: float, batch: int, owner: str | None = None) -> None:
        self.interval = interval
        self.batch = batch
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @abstractmethod
    def deliver(self, now: datetime) -> int:
        """Do up to ``batch`` due items; return how many were handled."""

    def run_once(self, now: datetime | None = None) -> int:
        """Handle everything due now (batch after batch); returns how many were handled."""
        total = 0
        while not self._stop.is_set():
            n = self.deliver(now or utcnow())
            total += n
            if n < self.batch:
                break
        return total

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # a database hiccup must not end the thread; try again next round
                log.exception("%s round failed", self.name)
            self._stop.wait(self.interval)

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
