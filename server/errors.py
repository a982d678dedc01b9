"""One table: each domain error → HTTP status, machine code and the message a person reads.

Handlers raise the domain's own error (``AccountError``, ``RulesError``, …) and let it go; the
exception handler registered for every class in ``REFUSALS`` answers with the body every
``ApiError`` has (``{status_code, detail, extra?}``, ``detail`` Chinese), so the wire is the same
as when each handler converted by hand. The machine code names the refusal in this table, in the
docs and in the tests; it is not sent, so the response shape stays what the PWA reads.

``OperationalError`` (SQLite's writer lock timed out, PostgreSQL out of connections) answers 503
with ``Retry-After`` — the request may simply be sent again.

Errors that only settings, the CLI or a worker raise (``SettingsError``, ``ConfigError``,
``SmsError``) are listed too, as a 500 with a generic message, so that one reaching a handler by
mistake never shows its internals and the table stays complete (``tests/test_composition.py``
walks ``server/`` for every error class).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    MethodNotAllowedException,
    NotFoundException,
    ValidationException,
)
from litestar.exceptions.responses import create_exception_response
from litestar.types import ExceptionHandlersMap
from sqlalchemy.exc import OperationalError

from server.accounts.service import AccountError
from server.agreement.pdf import FontMissing
from server.casecode import InvalidCaseCode
from server.consult.content import GuidanceError
from server.http import ApiError
from server.notify.channels import SmsError
from server.notify.service import PushError
from server.qr.service import PosterError
from server.refusals import ProblemsError, StatusError
from server.registry.area import AreaError
from server.routing.classify import RulesError
from server.routing.config_file import ConfigError
from server.routing.holidays import ArrangementError
from server.routing.linear_model import ModelError
from server.settings import SettingsError
from server.validation import validation_refused

__all__ = ["REFUSALS", "Refusal", "database_busy", "exception_handlers", "refusals_to_log_quietly", "refuse"]

_INTERNAL = "服务器内部错误"


@dataclass(frozen=True)
class Refusal:
    """How one domain error is answered.

    ``status``: the HTTP status, or ``None`` when the error carries its own (``exc.status``);
    ``code``: a stable snake_case name; ``message``: the error → the Chinese ``detail``;
    ``listed``: the error's ``errors`` list (every problem found) goes to ``extra.errors``.
    """

    status: int | None
    code: str
    message: Callable[[Any], str]
    listed: bool = False


def _own(e: Any) -> str:
    message: str = e.message
    return message


def _problems(prefix: str) -> Callable[[Any], str]:
    return lambda e: prefix + "；".join(e.errors[:20])


REFUSALS: Mapping[type[Exception], Refusal] = {
    # The two shapes (server/refusals.py), for a domain's subclass that has no line of its own.
    StatusError: Refusal(None, "refused", _own),
    ProblemsError: Refusal(400, "invalid_document", _problems("内容有误，未生效："), listed=True),
    # Accounts: the service chose the status (400 bad field, 401 wrong password, 409 taken).
    AccountError: Refusal(None, "account_refused", _own),
    PosterError: Refusal(None, "poster_refused", _own),
    PushError: Refusal(400, "bad_push_subscription", _own),
    RulesError: Refusal(400, "bad_rules", _problems("规则有误，未生效："), listed=True),
    ArrangementError: Refusal(
        400, "bad_holiday_arrangement", _problems("放假安排有误，未载入："), listed=True
    ),
    GuidanceError: Refusal(400, "bad_guidance", _problems("咨询内容有误，未生效："), listed=True),
    ModelError: Refusal(400, "bad_model", lambda e: f"模型有误，未发布：{e}"),
    InvalidCaseCode: Refusal(400, "bad_case_code", str),
    # Over HTTP only ``Area.narrow`` raises it (the deployment's own area is checked at start-up):
    # a caller whose account lies outside the served area.
    AreaError: Refusal(403, "outside_served_area", lambda e: "您的账号所属区域不在本平台服务范围内"),
    FontMissing: Refusal(503, "font_missing", lambda e: f"服务器缺少中文字体，暂时无法生成协议书：{e}"),
    # Raised by settings, the CLI or a worker, never meant for a handler.
    SettingsError: Refusal(500, "bad_settings", lambda e: _INTERNAL),
    ConfigError: Refusal(500, "bad_routing_config", lambda e: _INTERNAL),
    SmsError: Refusal(500, "sms_failed", lambda e: _INTERNAL),
}


def refuse(exc: Exception) -> ApiError:
    """The ``ApiError`` that answers ``exc`` (a class in ``REFUSALS`` or a subclass of one).

    Raises ``KeyError`` for an error the table does not know."""
    refusal = next(REFUSALS[cls] for cls in type(exc).__mro__ if cls in REFUSALS)
    status = refusal.status if refusal.status is not None else int(getattr(exc, "status"))  # noqa: B009
    if refusal.listed:
        return ApiError(status, refusal.message(exc), errors=list(getattr(exc, "errors")))  # noqa: B009
    return ApiError(status, refusal.message(exc))


def _refused(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    err = refuse(exc)
    if err.status_code == 500:  # Litestar would say "Internal Server Error"; ours says it in Chinese
        return Response({"status_code": 500, "detail": err.detail}, status_code=500)
    return create_exception_response(request, err)


def database_busy(request: Request[Any, Any, Any], exc: OperationalError) -> Response[dict[str, Any]]:
    """SQLite's single writer lock timed out (or PostgreSQL refused a connection): ask to retry."""
    busy = "database is locked" in str(exc) or "too many clients" in str(exc)
    if not busy:
        request.logger.exception("database error")
        return Response({"status_code": 500, "detail": _INTERNAL}, status_code=500)
    return Response(
        {"status_code": 503, "detail": "服务器繁忙，请稍后重试（数据不会丢失）"},
        status_code=503,
        headers={"Retry-After": "5"},
    )


def refusals_to_log_quietly() -> set[type[Exception]]:
    """The errors that are a person's mistake (4xx): logged without a traceback, like ``ApiError``."""
    return {cls for cls, r in REFUSALS.items() if r.status is None or r.status < 500}


# Litestar's own words for a path or method it has no route for; our handlers raise in Chinese.
_ROUTER_WORDS = {"Not Found": "未找到该地址", "Method Not Allowed": "该地址不支持此请求方法"}


def router_refused(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """404/405 answered with Chinese ``detail`` when Litestar's router said it in English."""
    if exc.detail in _ROUTER_WORDS:
        exc = type(exc)(detail=_ROUTER_WORDS[exc.detail], headers=exc.headers, extra=exc.extra)
    return create_exception_response(request, exc)


def exception_handlers() -> ExceptionHandlersMap:
    """Litestar's ``exception_handlers``: every class in ``REFUSALS``, ``OperationalError``, a
    typed body that does not fit (``ValidationException``, answered in Chinese by ``validation``),
    and the router's own 404/405."""
    handlers: ExceptionHandlersMap = dict.fromkeys(REFUSALS, _refused)
    handlers[OperationalError] = database_busy
    handlers[ValidationException] = validation_refused
    handlers[NotFoundException] = router_refused
    handlers[MethodNotAllowedException] = router_refused
    return handlers
