"""Typed request bodies that do not fit: a 400 whose ``detail`` says in Chinese which field and why.

Handlers declare their bodies as ``msgspec.Struct`` (constraints in ``Meta``, so the OpenAPI
document shows them); Litestar checks a body against it before the handler runs and raises a
``ValidationException`` whose ``extra`` lists msgspec's English findings, e.g.
``{"message": "Expected `str`, got `int`", "key": "code", "source": "body"}``. This module turns
them into the sentence a person reads; ``extra`` stays as it was for a developer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from litestar import Request, Response
from litestar.exceptions import ValidationException

__all__ = ["explain", "validation_refused"]

_TYPES = {
    "str": "文本",
    "int": "整数",
    "float": "数字",
    "bool": "true 或 false",
    "null": "空值（null）",
    "object": "对象",
    "array": "列表",
    "date": "日期（YYYY-MM-DD）",
    "datetime": "时间（ISO 8601）",
}


def _type(name: str) -> str:
    return "或".join(_TYPES.get(part.strip(), part.strip()) for part in name.split("|"))


_UNITS = {"str": "个字符", "array": "项", "object": "项", "bytes": "字节"}


def _length(m: re.Match[str]) -> str:
    unit = _UNITS.get(m["type"], "")
    bound = int(m["n"])
    if m["op"] == "<=":
        return f"最多 {bound} {unit}"
    if m["op"] == ">=":
        return "不能为空" if bound == 1 else f"至少 {bound} {unit}"
    return f"长度应{'小于' if m['op'] == '<' else '大于'} {bound} {unit}"


_BOUNDS = {"<=": "不能大于", ">=": "不能小于", "<": "应小于", ">": "应大于"}

# msgspec's messages (see msgspec's ``ValidationError`` texts), most specific first.
_RULES: Sequence[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = (
    (re.compile(r"Object missing required field `(?P<f>[^`]+)`"), lambda m: f"缺少字段 {m['f']}"),
    (re.compile(r"Object contains unknown field `(?P<f>[^`]+)`"), lambda m: f"含有未知字段 {m['f']}"),
    (re.compile(r"Expected `(?P<type>\w+)` of length (?P<op>[<>]=?) (?P<n>\d+)"), _length),
    (
        re.compile(r"Expected `(?:int|float)` (?P<op>[<>]=?) (?P<n>-?[\d.]+)"),
        lambda m: f"{_BOUNDS[m['op']]} {m['n']}",
    ),
    (re.compile(r"Expected `str` matching regex"), lambda m: "格式不正确"),
    (re.compile(r"Invalid enum value"), lambda m: "取值不在允许范围内"),
    (re.compile(r"Invalid RFC3339 encoded date\b(?!time)"), lambda m: "应为日期（YYYY-MM-DD）"),
    (re.compile(r"Invalid RFC3339 encoded datetime"), lambda m: "应为时间（ISO 8601）"),
    (re.compile(r"Integer value out of range|Number out of range"), lambda m: "数值超出范围"),
    (
        re.compile(r"Expected `(?P<want>[^`]+)`, got `(?P<got>[^`]+)`"),
        lambda m: f"应为{_type(m['want'])}，实际为{_type(m['got'])}",
    ),
)


def _field(key: object) -> str:
    key = str(key or "")
    return "" if key in ("", "data") else key.removeprefix("data.")


def explain(errors: Sequence[Mapping[str, Any]]) -> str:
    """One Chinese sentence for Litestar's validation ``extra`` (``[{"message", "key"?, …}]``).

    ``"Expected `str`, got `int`"`` at key ``code`` → ``请求内容有误：code 应为文本，实际为整数``.
    A message this module does not know reads ``格式不正确``; at most three findings are named."""
    parts = []
    for err in errors[:3]:
        message, field = str(err.get("message", "")), _field(err.get("key"))
        if message == "'data'":  # Litestar's word for "there was no body at all"
            parts.append("缺少请求内容（应为 JSON 对象）")
            continue
        said = next((say(m) for rx, say in _RULES if (m := rx.search(message))), "格式不正确")
        parts.append(f"{field} {said}" if field else said)
    return "请求内容有误：" + "；".join(parts) if parts else "请求内容有误"


def validation_refused(request: Request[Any, Any, Any], exc: ValidationException) -> Response[dict[str, Any]]:
    """Litestar's exception handler for ``ValidationException``: the same 400 body, Chinese ``detail``.

    A ``ValidationException`` raised with a message of our own keeps it."""
    errors = exc.extra if isinstance(exc.extra, list) else []
    detail = exc.detail
    if detail.startswith("Validation failed"):
        detail = explain([e for e in errors if isinstance(e, Mapping)])
    body: dict[str, Any] = {"status_code": exc.status_code, "detail": detail}
    if exc.extra:
        body["extra"] = exc.extra
    return Response(body, status_code=exc.status_code)
