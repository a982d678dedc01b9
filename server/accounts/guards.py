"""Role guards: no handler carries ad-hoc permission ifs.

Each guard raises 401 (not logged in) or 403 (logged in, not allowed) with a Chinese message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from server.accounts.principal import Principal


def authenticated(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard: the caller must be logged in (401 otherwise)."""
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
        raise PermissionDeniedException(
            "这是全平台的设置（规则、模型、节假日、咨询内容），只有全区域管理员可以修改"
        )


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
