"""The op store: one interface (``base``), an in-memory (``memory``) and an SQL implementation
(``sql``: SQLite and PostgreSQL). ``tests/test_sync_store.py`` runs one contract suite over all of them,
as Litestar's ``channels/backends`` do.
"""

from server.sync.store.base import CaseIndex, OpStore, RecordId, StoredRecord
from server.sync.store.memory import MemoryCaseIndex, MemoryStore
from server.sync.store.sql import SqlCaseIndex, SqlStore, log_generation

__all__ = [
    "CaseIndex",
    "MemoryCaseIndex",
    "MemoryStore",
    "OpStore",
    "RecordId",
    "SqlCaseIndex",
    "SqlStore",
    "StoredRecord",
    "log_generation",
]
