"""The composition root in Litestar's terms: one plugin that assembles the app.

``Components`` is everything the app holds for its lifetime, built once by ``Components.build``
(settings, database, caches, limiters, the sync and routing services wired together).
``JiefenPlugin.on_app_init`` then registers, explicitly and in one place:

- the controllers and handlers of every domain (plain imports; a missing module is an ImportError);
- each component as a dependency (``Provide``): a handler names what it needs as a parameter
  (``db: Database``, ``routing: RoutingService``, …), Litestar refuses to start if one is unknown;
- the error table (``server/errors.py``);
- one lifespan per background worker (routing scheduler, push and SMS delivery, housekeeping, the
  cross-process listener), entered in that order at start-up and left in reverse at shutdown.

Routing is installed as the sync service's hooks here, and told about notifications here.
``server/app.py`` adds the HTTP configuration (middleware, logging, compression) around it.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, fields
from typing import Any, Protocol, TypeVar

from litestar import Litestar
from litestar.config.app import AppConfig
from litestar.di import Provide
from litestar.plugins import InitPluginProtocol

from server import crossproc, errors
from server.accounts.api import AccountsController
from server.accounts.cache import PrincipalCache
from server.agreement import api as agreement_api
from server.assessment import api as assessment_api
from server.audit import api as audit_api
from server.cockpit import api as cockpit_api
from server.consult import api as consult_api
from server.consult.service import ConsultService
from server.db import Database
from server.health import health, ping
from server.housekeeping import Housekeeper, periods_of
from server.notify import api as notify_api
from server.notify import events, sms
from server.notify.channels import SmsChannel
from server.notify.push import PushWorker
from server.notify.sms import SmsWorker
from server.pwa import serve_pwa, serve_pwa_head
from server.qr import api as qr_api
from server.ratelimit import Backoff, Limiter, backoff_for, bucket_for, limiter_for
from server.registry.api import RegistryController
from server.registry.area import Area
from server.routing import api as routing_api
from server.routing.config_file import load_config
from server.routing.scheduler import Scheduler
from server.routing.service import RoutingService
from server.settings import Settings
from server.sync import api as sync_api
from server.sync import blobs as blobs_api
from server.sync.api import HeadCache
from server.sync.blobstore import BlobStore
from server.sync.service import Limits, ServerReplica, SyncService
from server.sync.store import SqlStore

__all__ = ["ROUTE_HANDLERS", "Components", "JiefenPlugin", "Running", "components_of", "running_of"]

# Every domain's HTTP surface. The PWA's catch-all comes last so that it never shadows an API path.
ROUTE_HANDLERS: list[Any] = [
    AccountsController,
    RegistryController,
    health,
    ping,
    *sync_api.route_handlers,
    *blobs_api.route_handlers,
    *routing_api.route_handlers,
    *notify_api.route_handlers,
    *qr_api.route_handlers,
    *cockpit_api.route_handlers,
    *consult_api.route_handlers,
    *agreement_api.route_handlers,
    *assessment_api.route_handlers,
    *audit_api.route_handlers,
    serve_pwa,
    serve_pwa_head,
]


@dataclass(frozen=True)
class Components:
    """What the app holds for its lifetime; each field is a dependency of that name.

    Built before start-up (nothing here starts a thread or writes to the database)."""

    settings: Settings
    db: Database
    principals: PrincipalCache
    """Resolved bearer tokens, 10 s (the auth middleware fills it, revocations drop from it)."""
    device_limiter: Limiter
    trace_limiter: Limiter
    consult_limiter: Limiter
    login_backoff: Backoff
    replica: ServerReplica
    """The server's own replica id and clock, for ops the server writes."""
    sync_service: SyncService
    heads: HeadCache
    blobs: BlobStore
    routing: RoutingService
    consult_service: ConsultService

    @classmethod
    def build(cls, settings: Settings, db: Database | None = None) -> Components:
        """The components for ``settings``; ``db`` defaults to the settings' database.

        Raises ``ConfigError`` for an unreadable routing configuration file."""
        db = db or Database(
            settings.database_url, settings.database_read_url, fair_writes=settings.sqlite_fair_writes
        )
        replica = ServerReplica()
        # Routing tells people through notify's events; texts unless the gateway is off.
        notifier = events.Events(texts=not sms.is_off(settings.sms_gateway))
        routing = RoutingService(
            db, load_config(settings.routing_config), notifier=notifier, area=Area.parse(settings.area)
        )
        limits = Limits(
            page_ops=settings.sync_page_ops,
            record_page_ops=settings.sync_record_page_ops,
            page_bytes=settings.sync_page_bytes,
            max_skew_ms=settings.max_skew_ms,
        )
        return cls(
            settings=settings,
            db=db,
            principals=PrincipalCache(),
            device_limiter=bucket_for(db, "device", settings.device_burst, settings.device_rate_per_hour),
            trace_limiter=limiter_for(db, "trace", settings.trace_rate_per_minute, 60),
            # Consultations are public (no account needed): damp scripted floods per address.
            consult_limiter=limiter_for(db, "consult", 120, 60),
            login_backoff=backoff_for(db, settings.login_max_failures, settings.login_backoff_max_s),
            replica=replica,
            # Routing sees every batch, intent and timer in the sync unit of work.
            sync_service=SyncService(replica, hooks=routing, limits=limits),
            heads=HeadCache(),
            blobs=BlobStore(settings.var_dir / "blobs"),
            routing=routing,
            consult_service=ConsultService(routing),
        )


@dataclass
class Running:
    """The background workers started by the lifespans (``None`` when off or stopped)."""

    scheduler: Scheduler | None = None
    push: PushWorker | None = None
    sms: SmsWorker | None = None
    housekeeper: Housekeeper | None = None
    listener: crossproc.Listener | None = None


class _Worker(Protocol):
    def start(self) -> None: ...
    def stop(self) -> None: ...


W = TypeVar("W", bound=_Worker)
T = TypeVar("T")


@contextmanager
def _started(worker: W) -> Iterator[W]:
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()


def _constant(value: T) -> Callable[[], T]:
    def provide() -> T:
        return value

    return provide


class JiefenPlugin(InitPluginProtocol):
    """Registers handlers, dependencies, the error table and the workers' lifespans."""

    def __init__(self, parts: Components) -> None:
        self.parts = parts
        self.running = Running()

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.route_handlers.extend(ROUTE_HANDLERS)
        app_config.dependencies.update(
            {
                f.name: Provide(_constant(getattr(self.parts, f.name)), sync_to_thread=False)
                for f in fields(self.parts)
            }
        )
        app_config.exception_handlers.update(errors.exception_handlers())
        app_config.lifespan.extend(
            [self._followers, self._texts, self._push, self._scheduler, self._housekeeping, self._listener]
        )
        app_config.on_shutdown.append(self.parts.db.dispose)  # after every lifespan has ended
        return app_config

    @contextmanager
    def _running(self, name: str, worker: W) -> Iterator[W]:
        """Start ``worker`` and show it as ``running.<name>`` until the block ends, then stop it."""
        with _started(worker):
            setattr(self.running, name, worker)
            try:
                yield worker
            finally:
                setattr(self.running, name, None)

    @asynccontextmanager
    async def _followers(self, _: Litestar) -> AsyncIterator[None]:
        """Followers of before the trace rule lose what they held (once per start)."""
        with self.parts.db.session() as s:
            self.parts.sync_service.rescope_followed(SqlStore(s), int(time.time() * 1000))
        with self.parts.db.session() as s:  # cases of before the area tags: readable by their area
            self.parts.sync_service.backfill_area_tags(SqlStore(s), int(time.time() * 1000))
        yield

    @asynccontextmanager
    async def _texts(self, _: Litestar) -> AsyncIterator[None]:
        """The SMS gateway (a misconfigured one stops the server here) and its worker."""
        st = self.parts.settings
        gateway = sms.load_gateway(st.sms_gateway)
        if gateway is None or st.scheduler_interval_s <= 0:
            yield
            return
        channel = SmsChannel(gateway, signature=st.sms_signature)
        with self._running("sms", SmsWorker(self.parts.db, channel, interval=st.scheduler_interval_s)):
            yield

    @asynccontextmanager
    async def _push(self, _: Litestar) -> AsyncIterator[None]:
        st = self.parts.settings
        if st.scheduler_interval_s <= 0:
            yield
            return
        worker = PushWorker(self.parts.db, interval=st.scheduler_interval_s, subject=st.vapid_subject)
        with self._running("push", worker):
            yield

    @asynccontextmanager
    async def _scheduler(self, _: Litestar) -> AsyncIterator[None]:
        """Fires due timers: ``Scheduler`` → ``RoutingService.on_timer``."""
        p = self.parts
        if p.settings.scheduler_interval_s <= 0:
            yield
            return
        scheduler = Scheduler(p.db, p.routing, p.replica, p.settings.scheduler_interval_s)
        with self._running("scheduler", scheduler):
            yield

    @asynccontextmanager
    async def _housekeeping(self, _: Litestar) -> AsyncIterator[None]:
        p, st = self.parts, self.parts.settings
        if st.scheduler_interval_s <= 0 or st.housekeeping_interval_s <= 0:
            yield
            return
        # The upload handlers' store: its per-hash locks keep a sweep off a file being written.
        worker = Housekeeper(p.db, p.blobs, periods_of(st), st.housekeeping_interval_s)
        with self._running("housekeeper", worker):
            yield

    @asynccontextmanager
    async def _listener(self, _: Litestar) -> AsyncIterator[None]:
        """PostgreSQL only: other processes' changes reach this process's caches."""
        p = self.parts
        if not p.db.url.startswith("postgresql"):
            yield
            return

        def reset() -> None:  # after every (re)connection: whatever was missed meanwhile
            p.principals.clear()
            crossproc.note_remote_write()
            p.routing.refresh_registry()
            p.routing.rules.invalidate()

        listener = crossproc.Listener(
            p.db.url,
            {
                "head": lambda _: crossproc.note_remote_write(),
                "token": lambda h: p.principals.drop(token_hash=h),
                "user": lambda u: p.principals.drop(user_id=u),
                "registry": lambda _: p.routing.refresh_registry(),
                "rules": lambda _: p.routing.rules.invalidate(),
            },
            reset,
        )
        # Routing trusts its in-memory registry and rules only while it hears of changes.
        p.routing.ctx.watch(listener.connected.is_set)
        with self._running("listener", listener):
            listener.connected.wait(timeout=5)
            yield


def _plugin(app: Litestar) -> JiefenPlugin:
    plugin = app.plugins.get(JiefenPlugin)
    assert isinstance(plugin, JiefenPlugin)
    return plugin


def components_of(app: Litestar) -> Components:
    """The components an app made by ``create_app`` holds (for tests and the CLI)."""
    return _plugin(app).parts


def running_of(app: Litestar) -> Running:
    """The app's running background workers (for tests)."""
    return _plugin(app).running
