"""Several ``jiefen serve`` processes on one PostgreSQL: in-process caches told of other processes'
changes through PostgreSQL LISTEN/NOTIFY (docs/deploy.md).

A writer calls :func:`announce` inside its transaction; PostgreSQL delivers the notification to
every listening process when (and only if) the transaction commits. Each process runs one
:class:`Listener` thread on its own autocommit connection and applies what it hears to its caches:

| message        | sent when                                   | a listener                                |
|----------------|---------------------------------------------|-------------------------------------------|
| ``head``       | a transaction appended ops to the log       | ends its empty-sync fast path (HeadCache) |
| ``token:HASH`` | a bearer token was revoked (logout)         | forgets that token's principal            |
| ``user:ID``    | all of a user's tokens were revoked         | forgets the user's principals             |
| ``registry``   | organisations, mediators or regions changed | reloads routing's registry cache          |
| ``rules``      | a rule set or category model was published  | re-reads the rule set in force            |

While its listener is connected a process trusts its routing caches (registry_cache.py,
rulebook.py); while it is not, they read the database on every decision, as on SQLite.
After the listening connection drops, the listener reconnects and forgets everything (it may have
missed messages). On SQLite (one process) nothing is sent and no thread runs.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

CHANNEL = "jiefen_invalidate"
log = logging.getLogger(__name__)

Handler = Callable[[str], None]


def announce(s: Session, message: str) -> None:
    """Queue ``message`` (≤ 7,999 bytes) for every process, delivered at ``s``'s commit; a no-op on
    SQLite."""
    if s.get_bind().dialect.name != "postgresql":
        return
    s.execute(text("SELECT pg_notify(:channel, :message)"), {"channel": CHANNEL, "message": message})


def libpq_url(url: str) -> str:
    """``postgresql+psycopg://…`` → ``postgresql://…`` (what ``psycopg.connect`` takes)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class Listener:
    """LISTEN on :data:`CHANNEL` in a daemon thread; ``handlers`` maps a message's topic (the part
    before ``:``) to a callback given the rest; ``on_reset`` runs after every (re)connection."""

    def __init__(self, url: str, handlers: dict[str, Handler], on_reset: Callable[[], None]) -> None:
        self.url = libpq_url(url)
        self.handlers = handlers
        self.on_reset = on_reset
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.connected = threading.Event()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="jiefen-listen", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=3)

    def dispatch(self, payload: str) -> None:
        topic, _, arg = payload.partition(":")
        handler = self.handlers.get(topic)
        if handler is not None:
            handler(arg)

    def _run(self) -> None:
        import psycopg

        delay = 0.5
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.on_reset()  # messages sent while we were not listening are lost
                    self.connected.set()
                    delay = 0.5
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=0.5):
                            self.dispatch(note.payload)
            except Exception:  # a dropped connection or a restarting server: listen again
                self.connected.clear()
                log.warning("LISTEN connection lost; reconnecting", exc_info=True)
                self._stop.wait(delay)
                delay = min(delay * 2, 10.0)


_remote_writes = [0]


def note_remote_write() -> None:
    """Another process appended ops: part of ``sync.store.log_generation``, so this process's
    cached head (the empty-sync fast path) ends now."""
    _remote_writes[0] += 1


def remote_writes() -> int:
    return _remote_writes[0]
