"""The composition root: ``create_app()`` wires settings, database, controllers and workers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

from litestar import Litestar, Request, Response
from litestar.config.compression import CompressionConfig
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.exceptions import (
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.logging.config import StructLoggingConfig
from litestar.middleware import DefineMiddleware
from litestar.middleware.logging import LoggingMiddlewareConfig
from litestar.plugins.structlog import StructlogConfig, StructlogPlugin
from sqlalchemy.exc import OperationalError

from server import openapi
from server.accounts.api import AccountsController
from server.accounts.cache import PrincipalCache
from server.accounts.middleware import BearerAuthMiddleware
from server.db import Database
from server.decoding import RequestGuard
from server.headers import SecurityHeaders
from server.health import health, ping
from server.http import ApiError
from server.pwa import serve_pwa
from server.ratelimit import LoginBackoff, bucket_for, limiter_for
from server.registry.api import RegistryController
from server.retry_after import retry_after_middleware
from server.settings import Settings
from server.state import AppState
from server.validation import validation_refused

# Domains register here: each module exposes ``route_handlers`` and optionally ``on_startup`` /
# ``on_shutdown`` callables taking the AppState. Optional ones are imported when present so the
# foundation runs while other domains are being built.
_DOMAINS = (
    "server.sync.api",
    "server.sync.blobs",
    "server.routing.api",
    "server.notify.api",
    "server.qr.api",
    "server.cockpit.api",
    "server.consult.api",
    "server.agreement.api",
    "server.assessment.api",
    "server.housekeeping",
    "server.audit.api",
    "server.crossproc",  # last: its listener wires into the caches the others made
)


_REQUEST_FIELDS: tuple[Literal["method"], Literal["path"]] = ("method", "path")
_RESPONSE_FIELDS: tuple[Literal["status_code"]] = ("status_code",)
# Request logs carry method, path and status only: bodies and queries hold personal data.
_LOG_CONFIG = StructlogConfig(
    # Server errors are logged with their traceback; refusals we raise on purpose (a wrong token,
    # a bad request) are not errors and would let anyone flood the error log.
    structlog_logging_config=StructLoggingConfig(
        log_exceptions="always",
        disable_stack_trace={
            ApiError,
            NotAuthorizedException,
            PermissionDeniedException,
            NotFoundException,
            ValidationException,
            400,
            401,
            403,
            404,
            405,
            409,
            413,
            415,
            422,
            429,
        },
    ),
    middleware_logging_config=LoggingMiddlewareConfig(
        request_log_fields=_REQUEST_FIELDS,
        response_log_fields=_RESPONSE_FIELDS,
        exclude=["/api/v1/ping"],
    ),
)


def _domain_modules() -> list[Any]:
    import importlib

    mods = []
    for name in _DOMAINS:
        try:
            mods.append(importlib.import_module(name))
        except ModuleNotFoundError as e:
            if e.name != name:
                raise
    return mods


def _database_busy(request: Request[Any, Any, Any], exc: OperationalError) -> Response[dict[str, Any]]:
    """SQLite's single writer lock timed out (or PostgreSQL refused a connection): ask to retry."""
    busy = "database is locked" in str(exc) or "too many clients" in str(exc)
    if not busy:
        request.logger.exception("database error")
        return Response({"status_code": 500, "detail": "服务器内部错误"}, status_code=500)
    return Response(
        {"status_code": 503, "detail": "服务器繁忙，请稍后重试（数据不会丢失）"},
        status_code=503,
        headers={"Retry-After": "5"},
    )


def build_state(settings: Settings, db: Database | None = None) -> AppState:
    db = db or Database(
        settings.database_url, settings.database_read_url, fair_writes=settings.sqlite_fair_writes
    )
    return AppState(
        settings=settings,
        db=db,
        principals=PrincipalCache(),
        device_limiter=bucket_for(db, "device", settings.device_burst, settings.device_rate_per_hour),
        trace_limiter=limiter_for(db, "trace", settings.trace_rate_per_minute, 60),
        login_backoff=LoginBackoff(free=settings.login_max_failures, max_s=settings.login_backoff_max_s),
    )


def create_app(
    settings: Settings | None = None, db: Database | None = None, *, migrate: bool = True
) -> Litestar:
    settings = settings or Settings.from_env()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    state = build_state(settings, db)
    if migrate:
        from server.migrate import upgrade

        upgrade(settings.database_url)
    mods = _domain_modules()
    handlers: list[Any] = [AccountsController, RegistryController, health, ping]
    startup: list[Callable[[], Any]] = []
    shutdown: list[Callable[[], Any]] = []
    for m in mods:
        handlers.extend(getattr(m, "route_handlers", []))
        if hasattr(m, "on_startup"):
            startup.append(_bind(m.on_startup, state))
        if hasattr(m, "on_shutdown"):
            shutdown.append(_bind(m.on_shutdown, state))
    handlers.append(serve_pwa)  # last: the catch-all for the app's own routes
    shutdown.append(state.db.dispose)
    app = Litestar(
        route_handlers=handlers,
        state=State({"jiefen": state}),
        middleware=[retry_after_middleware, DefineMiddleware(BearerAuthMiddleware)],
        openapi_config=openapi.config(title="解纷 Jiefen API", version="0.1.0"),
        compression_config=CompressionConfig(
            backend="gzip",
            minimum_size=800,
            gzip_compress_level=6,
            # PNG icons and evidence photos are compressed already: gzip would only cost CPU.
            exclude=["^/icons/", "^/api/v1/blobs/"],
        ),
        cors_config=CORSConfig(allow_origins=[], allow_headers=["authorization", "content-type"]),
        plugins=[StructlogPlugin(_LOG_CONFIG)],
        exception_handlers={OperationalError: _database_busy, ValidationException: validation_refused},
        on_startup=startup,
        on_shutdown=shutdown,
        debug=False,
    )
    # Outermost: hostile paths and bodies are refused before routing, auth or a handler see them.
    guarded = RequestGuard(app.asgi_handler, limits={"/api/v1/sync": settings.sync_max_bytes})
    app.asgi_handler = SecurityHeaders(guarded)  # headers on refusals too
    return app


def _bind(fn: Callable[[AppState], Any], state: AppState) -> Callable[[], Any]:
    return lambda: fn(state)


__all__: Sequence[str] = ["build_state", "create_app"]
