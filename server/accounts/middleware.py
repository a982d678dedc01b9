"""Bearer-token authentication: the middleware only says *who* is calling (``request.user`` is a
Principal or None); the guards of ``server/accounts/guards.py`` decide what they may do.
"""

from __future__ import annotations

from typing import Any

from anyio import to_thread
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from server.accounts import service as accounts
from server.accounts.principal import Principal
from server.db import utcnow
from server.state import AppState


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
