"""The server's VAPID key pair: made on first use and kept in the database (``vapid_keys`` id=1).

Keeping it in the database (not a file under ``var/``) means every server process and host behind
one database signs with the same key, so subscriptions made through any of them stay valid.
"""

from __future__ import annotations

import threading
from weakref import WeakKeyDictionary

from sqlalchemy.exc import IntegrityError

from server.db import Database, utcnow
from server.notify.models import VapidKeyRow
from server.notify.vapid import VapidKeys, generate_vapid_keys, vapid_keys_from_private

__all__ = ["load_or_create"]

_ROW_ID = 1
# The key never changes once made, so each process reads it once per database.
_cache: WeakKeyDictionary[Database, VapidKeys] = WeakKeyDictionary()
_lock = threading.Lock()


def _read(db: Database) -> VapidKeys | None:
    with db.read_session() as s:
        row = s.get(VapidKeyRow, _ROW_ID)
        return vapid_keys_from_private(row.private_pem) if row is not None else None


def load_or_create(db: Database) -> VapidKeys:
    """The stored key pair, made and stored first if there is none."""
    with _lock:
        if (cached := _cache.get(db)) is not None:
            return cached
        keys = _read(db)
        if keys is None:
            fresh = generate_vapid_keys()
            try:
                with db.session() as s:
                    if s.get(VapidKeyRow, _ROW_ID) is None:
                        s.add(
                            VapidKeyRow(
                                id=_ROW_ID,
                                private_pem=fresh.private_pem,
                                public_key=fresh.public_key,
                                created_at=utcnow(),
                            )
                        )
            except IntegrityError:
                pass  # another process inserted first: its key wins, read it below
            keys = _read(db)
            if keys is None:  # pragma: no cover - the row was just written or seen
                raise RuntimeError("VAPID key row vanished right after it was written")
        _cache[db] = keys
        return keys
