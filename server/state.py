"""What the app holds for its lifetime: settings, the database, caches, background workers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from server.accounts.cache import PrincipalCache
from server.db import Database
from server.ratelimit import Limiter, LoginBackoff
from server.settings import Settings


@dataclass
class AppState:
    settings: Settings
    db: Database
    principals: PrincipalCache
    device_limiter: Limiter
    trace_limiter: Limiter
    services: dict[str, Any] = field(default_factory=dict)
    login_backoff: LoginBackoff = field(default_factory=LoginBackoff)
