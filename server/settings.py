"""Settings read from ``JIEFEN_*`` environment variables (DESIGN.md §10).

Every field has a default that works on a laptop: a SQLite file under ``./var/``, the demo base URL.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _default_db_url() -> str:
    return f"sqlite:///{ROOT / 'var' / 'jiefen.sqlite3'}"


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=_default_db_url)
    """SQLAlchemy URL. ``postgresql://`` URLs use psycopg 3; SQLite is the embedded default."""

    database_read_url: str = ""
    """Optional read replica (a PostgreSQL streaming standby) the cockpit's aggregates read from;
    empty: everything reads the primary. Sync never reads it (a lagging cursor would miss ops)."""

    base_url: str = "http://127.0.0.1:8000"
    """Public origin printed in QR codes and push links."""

    var_dir: Path = ROOT / "var"
    """Writable directory for the SQLite file, blobs and the VAPID key file."""

    pwa_dist: Path = ROOT / "pwa" / "dist"
    """Built PWA served at ``/`` when present."""

    area: str = "330522"
    """The served area (DESIGN.md §11): an administrative prefix — ``330522`` one county (长兴县, the
    default), ``3305`` a city (湖州市), ``33`` the province (浙江省). Regions and case codes outside it
    are refused (``bad_value``); ``jiefen seed-demo`` loads every county of it."""

    token_ttl_days: int = 180
    """Bearer tokens older than this are refused (staff log in again)."""

    login_max_failures: int = 5
    """Failed logins from one address for one account before each further failure delays that
    pair's next try (1 s, doubling); the account itself is never locked (docs/security.md)."""

    login_backoff_max_s: int = 60
    """The longest login back-off delay, in seconds."""

    device_burst: int = 500
    """Anonymous device registrations one client address may make at once: a poster day brings
    hundreds of installs within minutes through one village Wi-Fi or carrier NAT (token bucket)."""

    device_rate_per_hour: int = 300
    """How fast that per-address budget refills (registrations per hour) once spent."""

    trace_rate_per_minute: int = 20
    """Failed trace and follow look-ups (wrong token or unknown code) allowed per client address
    and per case code per minute; a correct token is never refused."""

    max_skew_ms: int = 5 * 60 * 1000
    """How far ahead of the server clock an op's HLC may be before it is rejected (clock_ahead)."""

    sync_max_ops: int = 500
    """Largest number of ops one sync request may push."""

    sync_max_bytes: int = 2 * 1024 * 1024
    """Largest sync request body in bytes (413 beyond)."""

    sync_page_ops: int = 500
    """Most changes in one sync response (protocol v1: one whole op each)."""

    sync_record_page_ops: int = 2000
    """Most changes read for one v2 sync response (per-record pages: a change costs about half the
    bytes of a v1 one and superseded puts are not sent; ``sync_page_bytes`` still bounds it)."""

    sync_page_bytes: int = 512 * 1024
    """Soft byte limit of one sync response page."""

    blob_max_bytes: int = 10 * 1024 * 1024
    """Largest evidence file accepted."""

    scheduler_interval_s: float = 5.0
    """How often the in-process timer and push workers look for due work (0 disables them)."""

    sqlite_fair_writes: bool = True
    """On SQLite, queue this process's writers first come, first served before the write lock
    (server/db.py ``FifoLock``); off only to measure the difference."""

    housekeeping_interval_s: float = 3600.0
    """How often housekeeping runs (server/housekeeping.py); 0 disables it."""

    part_max_age_hours: float = 24.0
    """Unfinished uploads (``.part`` files) untouched this long are removed."""

    orphan_blob_days: float = 30.0
    """Evidence files no case references are removed this long after upload."""

    sms_keep_days: float = 180.0
    """Sent texts keep only the masked number and are deleted after this many days."""

    routing_config: str = ""
    """Path of a JSON file with the county's routing thresholds and SLA periods (see
    server/routing/config_file.py); empty: the defaults grounded in the rules mediators work under."""

    vapid_subject: str = "mailto:admin@jiefen.example"
    """Contact put into VAPID claims."""

    sms_gateway: str = "log"
    """Where text messages go (to staff without push, to villagers a grid worker filed for): ``log``
    only logs them with the number masked; ``off`` queues none; ``package.module:Class`` is a
    deployment's own gateway (a class with ``send_sms(phone, text)``, built with no arguments at
    startup; see server/notify/sms.py)."""

    sms_signature: str = "浙里解纷"
    """The 【签名】 the SMS provider registered for this deployment; it opens every text."""

    log_json: bool = False
    """Emit JSON log lines (for production log shipping) instead of console lines."""

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: Any) -> Settings:
        env = dict(os.environ if env is None else env)
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = env.get(f"JIEFEN_{f.name.upper()}")
            if raw is None:
                continue
            default = getattr(cls(), f.name) if f.default is dataclasses.MISSING else f.default
            try:
                values[f.name] = _coerce(raw, default)
            except ValueError:
                kind = "整数" if isinstance(default, int) else "数字"
                raise SettingsError(f"JIEFEN_{f.name.upper()} 应为{kind}，现为 “{raw}”") from None
        values.update(overrides)
        return cls(**values)


class SettingsError(ValueError):
    """A ``JIEFEN_*`` value that cannot be read; the message is Chinese and names the variable."""


def _coerce(raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    if isinstance(default, Path):
        return Path(raw)
    return raw
