"""Bearer-token authentication: the middleware only says *who* is calling (``request.user`` is a
Principal or None); the guards of ``server/accounts/guards.py`` decide what they may do.
"""

from __future__ import annotations

from typing import Any

from anyio import to_thread
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.types import ASGIApp

from server.accounts import service as accounts
from server.accounts.cache import PrincipalCache
from server.accounts.principal import Principal
from server.db import Database, utcnow
from server.settings import Settings


class BearerAuthMiddleware(AbstractAuthenticationMiddleware):
    """Resolves ``Authorization: Bearer <token>`` with ``db`` (cached in ``principals``); a malformed
    or unknown token is a 401 (Chinese message), no header is an anonymous caller."""

    def __init__(self, app: ASGIApp, *, db: Database, principals: PrincipalCache, settings: Settings) -> None:
        super().__init__(app)
        self.db, self.principals, self.settings = db, principals, settings

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        if not header:
            return AuthenticationResult(user=None, auth=None)
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthorizedException("登录凭证格式错误（应为 Authorization: Bearer <token>）")
        token = token.strip()
        cached = self.principals.get(accounts.token_hash(token))
        if cached is not None:
            return AuthenticationResult(user=cached, auth=token)
        principal = await to_thread.run_sync(self._resolve, token)
        if principal is None:
            raise NotAuthorizedException("登录已失效或凭证无效，请重新登录")
        self.principals.put(principal)
        return AuthenticationResult(user=principal, auth=token)

    def _resolve(self, token: str) -> Principal | None:
        with self.db.read_session() as s:  # a read: on SQLite it must not queue behind writers
            return accounts.resolve(s, token, utcnow(), self.settings)
