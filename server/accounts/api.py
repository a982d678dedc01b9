"""HTTP: login, logout, anonymous devices, who-am-I, token revocation."""

from __future__ import annotations

import math
from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from server.accounts import service
from server.accounts.guards import authenticated, roles
from server.accounts.principal import Principal
from server.db import utcnow
from server.http import ApiError, app_state, client_address
from server.ratelimit import wait_words


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
    def login(self, request: Request[Any, Any, Any], data: JSONBody[LoginIn]) -> LoginOut:
        st = app_state(request)
        key = f"{client_address(request)}|{data.username}"
        wait = st.login_backoff.wait_s(key)
        if wait > 0:
            seconds = math.ceil(wait)
            err = ApiError(429, f"登录失败次数过多，请 {seconds} 秒后再试")
            err.headers = {"Retry-After": str(seconds)}
            raise err
        try:
            with st.db.session() as s:
                token, user = service.login(s, data.username, data.password, utcnow(), st.settings)
                out = UserOut(user.id, user.name, user.role, user.org_id, user.region)
        except service.AccountError as e:
            st.login_backoff.failure(key)
            raise ApiError(e.status, e.message) from None
        st.login_backoff.success(key)
        return LoginOut(token=token, role=out.role, user=out)

    @post(
        "/auth/logout",
        operation_id="logout",
        guards=[authenticated],
        status_code=HTTP_200_OK,
        sync_to_thread=True,
    )
    def logout(self, request: Request[Principal, Any, Any]) -> RevokedOut:
        st = app_state(request)
        with st.db.session() as s:
            service.revoke_token(s, request.user.token_hash, utcnow())
        st.principals.drop(token_hash=request.user.token_hash)
        return RevokedOut(revoked=1)

    @post("/devices", operation_id="registerDevice", status_code=HTTP_201_CREATED, sync_to_thread=True)
    def register_device(self, request: Request[Any, Any, Any]) -> TokenOut:
        st = app_state(request)
        address = client_address(request)
        if not st.device_limiter.allow(address):
            wait = st.device_limiter.retry_after(address)
            raise ApiError(
                429, f"此网络注册人数过多，请约 {wait_words(wait)}后再试", headers={"Retry-After": str(wait)}
            )
        with st.db.session() as s:
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
    def revoke(self, request: Request[Principal, Any, Any], user_id: FromPath[str]) -> RevokedOut:
        st = app_state(request)
        with st.db.session() as s:
            if (prefix := request.user.area_prefix()) is not None and not service.user_in_area(
                s, user_id, prefix
            ):
                raise ApiError(403, "只能管理本辖区的账号")
            n = service.revoke_user_tokens(s, user_id, utcnow())
        st.principals.drop(user_id=user_id)
        return RevokedOut(revoked=n)
