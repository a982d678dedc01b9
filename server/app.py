"""The HTTP application: ``create_app()`` puts middleware, logging and OpenAPI around the composition
root (``server/core.py``), which registers handlers, dependencies, errors and workers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.config.cors import CORSConfig
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

from server import errors, openapi
from server.accounts.middleware import BearerAuthMiddleware
from server.core import Components, JiefenPlugin
from server.db import Database
from server.decoding import RequestGuard
from server.headers import SecurityHeaders
from server.http import ApiError
from server.retry_after import retry_after_middleware
from server.settings import Settings

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
            *errors.refusals_to_log_quietly(),
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


def create_app(
    settings: Settings | None = None, db: Database | None = None, *, migrate: bool = True
) -> Litestar:
    """The app for ``settings`` (default: from ``JIEFEN_*``) on ``db`` (default: the settings').

    ``migrate``: bring the schema to the newest revision first (tests; ``jiefen serve`` migrates
    once itself and builds the app with ``migrate=False``, see ``server/asgi.py``). The handlers,
    dependencies, error table and workers come from ``JiefenPlugin`` (``server/core.py``)."""
    settings = settings or Settings.from_env()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    parts = Components.build(settings, db)
    if migrate:
        from server.migrate import upgrade

        upgrade(settings.database_url)
    auth = DefineMiddleware(
        BearerAuthMiddleware, db=parts.db, principals=parts.principals, settings=parts.settings
    )
    app = Litestar(
        plugins=[JiefenPlugin(parts), StructlogPlugin(_LOG_CONFIG)],
        middleware=[retry_after_middleware, auth],
        openapi_config=openapi.config(title="解纷 Jiefen API", version="0.1.0"),
        compression_config=CompressionConfig(
            backend="gzip",
            minimum_size=800,
            gzip_compress_level=6,
            # PNG icons and evidence photos are compressed already: gzip would only cost CPU.
            exclude=["^/icons/", "^/api/v1/blobs/"],
        ),
        cors_config=CORSConfig(allow_origins=[], allow_headers=["authorization", "content-type"]),
        debug=False,
    )
    # Outermost: hostile paths and bodies are refused before routing, auth or a handler see them.
    guarded = RequestGuard(app.asgi_handler, limits={"/api/v1/sync": settings.sync_max_bytes})
    app.asgi_handler = SecurityHeaders(guarded)  # headers on refusals too
    return app


__all__: Sequence[str] = ["create_app"]
