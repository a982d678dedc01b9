"""Bearer-token authentication and role guards.

The middleware only says *who* is calling (``request.user`` is a Principal or None); guards decide
what they may do, so no handler carries ad-hoc permission ifs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from anyio import to_thread
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from server.accounts import service as accounts
from server.accounts.principal import Principal
from server.db import utcnow
from server.state import AppState

# Resolving a token costs two indexed reads; caching it briefly keeps the hot sync path cheap.
# Revocation clears this process's entry at once; other processes notice within the TTL.
_CACHE_TTL_S = 10.0


class PrincipalCache:
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

    def drop(self, token_hash: str | None = None, user_id: str | None = None) -> None:
        with self._lock:
            for k, (_, p) in list(self._items.items()):
                if k == token_hash or p.user_id == user_id:
                    del self._items[k]


class BearerAuthMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        if not header:
            return AuthenticationResult(user=None, auth=None)
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthorizedException("登录凭证格式错误（应为 Authorization: Bearer <token>）")
        state: AppState = connection.app.state.jiefen
        token = token.strip()
        cached = state.principals.get(accounts.token_hash(token))
        if cached is not None:
            return AuthenticationResult(user=cached, auth=token)
        principal = await to_thread.run_sync(_resolve, state, token)
        if principal is None:
            raise NotAuthorizedException("登录已失效或凭证无效，请重新登录")
        state.principals.put(principal)
        return AuthenticationResult(user=principal, auth=token)


def _resolve(state: AppState, token: str) -> Principal | None:
    with state.db.read_session() as s:  # a read: on SQLite it must not queue behind writers
        return accounts.resolve(s, token, utcnow(), state.settings)


def authenticated(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    if not isinstance(connection.scope.get("user"), Principal):
        raise NotAuthorizedException("请先登录")


def roles(*allowed: str) -> Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], None]:
    """Guard: the caller must hold one of ``allowed`` roles."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
        authenticated(connection, handler)
        if connection.user.role not in allowed:
            raise PermissionDeniedException("您的账号无权进行此操作")

    return guard


def whole_area_admin(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Guard: an admin of the whole served area (deployment-wide settings such as the rule set);
    an admin bound to one county or city is refused."""
    roles("admin")(connection, handler)
    if connection.user.area_prefix() is not None:
        raise PermissionDeniedException("只有全区域管理员可以修改全平台规则")


def own_org(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Guard for ``/orgs/{org_id}/…``: staff of that organisation, or an admin."""
    authenticated(connection, handler)
    p: Principal = connection.user
    if p.role == "admin":
        return
    if p.role not in {"org_admin", "mediator", "court_clerk"} or p.org_id != connection.path_params.get(
        "org_id"
    ):
        raise PermissionDeniedException("只能查看本机构的信息")
