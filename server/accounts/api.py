"""HTTP: login, logout, anonymous devices, who-am-I, token revocation."""

from __future__ import annotations

import math
from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from server.accounts import service
from server.accounts.cache import PrincipalCache
from server.accounts.guards import authenticated, roles
from server.accounts.principal import Principal
from server.db import Database, utcnow
from server.http import ApiError, client_address
from server.ratelimit import Backoff, Limiter, wait_words
from server.settings import Settings


class LoginIn(msgspec.Struct):
    username: str
    password: str


class UserOut(msgspec.Struct):
    id: str
    name: str
    role: str
    org: str | None
    region: str | None


class LoginOut(msgspec.Struct):
    token: str
    role: str
    user: UserOut


class TokenOut(msgspec.Struct):
    token: str


class RevokedOut(msgspec.Struct):
    revoked: int


class AccountsController(Controller):
    path = "/api/v1"
    tags = ("accounts",)

    @post("/auth/login", operation_id="login", status_code=HTTP_200_OK, sync_to_thread=True)
    def login(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[LoginIn],
        settings: NamedDependency[Settings],
        db: NamedDependency[Database],
        login_backoff: NamedDependency[Backoff],
    ) -> LoginOut:
        """A token for a right username and password; ``AccountError`` (401) otherwise, and 429 with
        ``Retry-After`` while this address and username are backing off."""
        key = f"{client_address(request)}|{data.username}"
        wait = login_backoff.wait_s(key)
        if wait > 0:
            seconds = math.ceil(wait)
            err = ApiError(429, f"登录失败次数过多，请 {seconds} 秒后再试")
            err.headers = {"Retry-After": str(seconds)}
            raise err
        try:
            with db.session() as s:
                token, user = service.login(s, data.username, data.password, utcnow(), settings)
                out = UserOut(user.id, user.name, user.role, user.org_id, user.region)
        except service.AccountError:
            login_backoff.failure(key)
            raise
        login_backoff.success(key)
        return LoginOut(token=token, role=out.role, user=out)

    @post(
        "/auth/logout",
        operation_id="logout",
        guards=[authenticated],
        status_code=HTTP_200_OK,
        sync_to_thread=True,
    )
    def logout(
        self,
        request: Request[Principal, Any, Any],
        db: NamedDependency[Database],
        principals: NamedDependency[PrincipalCache],
    ) -> RevokedOut:
        with db.session() as s:
            service.revoke_token(s, request.user.token_hash, utcnow())
        principals.drop(token_hash=request.user.token_hash)
        return RevokedOut(revoked=1)

    @post("/devices", operation_id="registerDevice", status_code=HTTP_201_CREATED, sync_to_thread=True)
    def register_device(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[Database],
        device_limiter: NamedDependency[Limiter],
    ) -> TokenOut:
        address = client_address(request)
        if not device_limiter.allow(address):
            wait = device_limiter.retry_after(address)
            raise ApiError(
                429, f"此网络注册人数过多，请约 {wait_words(wait)}后再试", headers={"Retry-After": str(wait)}
            )
        with db.session() as s:
            token, _ = service.register_device(s)
        return TokenOut(token=token)

    @get("/me", operation_id="me", guards=[authenticated], sync_to_thread=False)
    def me(self, request: Request[Principal, Any, Any]) -> UserOut:
        p = request.user
        return UserOut(p.user_id, p.name, p.role, p.org_id, p.region)

    @post(
        "/users/{user_id:str}/revoke-tokens",
        operation_id="revokeUserTokens",
        guards=[roles("admin")],
        status_code=HTTP_200_OK,
        sync_to_thread=True,
    )
    def revoke(
        self,
        request: Request[Principal, Any, Any],
        user_id: FromPath[str],
        db: NamedDependency[Database],
        principals: NamedDependency[PrincipalCache],
    ) -> RevokedOut:
        with db.session() as s:
            if (prefix := request.user.area_prefix()) is not None and not service.user_in_area(
                s, user_id, prefix
            ):
                raise ApiError(403, "只能管理本辖区的账号")
            n = service.revoke_user_tokens(s, user_id, utcnow())
        principals.drop(user_id=user_id)
        return RevokedOut(revoked=n)
