"""One request-decoding layer in front of every handler: size, depth and characters.

Hostile input must be refused with a 400 and a Chinese message, never reach a handler or a
database that would answer it with a 500: JSON nested a thousand deep (the decoder recurses),
NUL characters (PostgreSQL refuses them in text and JSON), other control characters and lone
surrogates (not encodable as UTF-8). The layer is an ASGI middleware, so it is the same for every
JSON body, path and query, on SQLite and PostgreSQL alike:

- path and query string: no control characters (``%00``, ``%0A``…) → 400;
- a request body (blob uploads excepted: they are bytes, checked by their hash) is read up to a
  size limit (413 beyond), must be JSON (400 otherwise), at most ``MAX_DEPTH`` deep (400);
- every string in it, keys included, free of control characters other than tab and line breaks
  and of lone surrogates (400) — except ``/api/v1/sync``, where one bad op must not sink the
  batch (a phone would resend it forever): there ``validate_op`` rejects that op alone.
"""

from __future__ import annotations

import re
from itertools import accumulate
from typing import Any
from urllib.parse import unquote_to_bytes

import msgspec
from litestar.enums import ScopeType
from litestar.types import (
    ASGIApp,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    Receive,
    ReceiveMessage,
    Scope,
    Send,
)

MAX_DEPTH = 32
"""Deepest JSON nesting accepted (a sync request needs 5: request, ops, op, value, list)."""
MAX_BODY = 1024 * 1024
"""Largest JSON body outside ``/api/v1/sync`` (which has ``sync_max_bytes``)."""

# C0 controls except tab, LF, CR; DEL; lone surrogates (decoded from \\ud800-style escapes).
_BAD_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_BAD_URL = re.compile(rb"[\x00-\x1f\x7f]")
_STRINGS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_BRACKETS = bytes(range(256)).translate(None, b"[]{}")
_SKIP_BODY = ("/api/v1/blobs/",)
_PER_OP = ("/api/v1/sync",)

BAD_CHARS = "请求中含有不允许的控制字符（如 NUL），请删除后重试"
TOO_DEEP = "请求的 JSON 嵌套过深"
NOT_JSON = "请求内容不是合法的 JSON"


def bad_text(value: str) -> bool:
    """True when ``value`` holds a character no field may hold (NUL, other controls, surrogates)."""
    return _BAD_TEXT.search(value) is not None


def has_bad_text(value: Any, depth: int = 0) -> bool:
    """True when any string inside ``value`` (keys too) is ``bad_text``; depth-bounded walk."""
    if isinstance(value, str):
        return bad_text(value)
    if depth > MAX_DEPTH:
        return True
    if isinstance(value, dict):
        return any(bad_text(k) or has_bad_text(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return any(has_bad_text(v, depth + 1) for v in value)
    return False


def json_depth(body: bytes) -> int:
    """The deepest bracket nesting of a JSON text, counted without recursion (strings skipped)."""
    brackets = _STRINGS.sub(b'""', body).translate(None, _BRACKETS)
    if not brackets:
        return 0
    return max(accumulate(1 if b in b"[{" else -1 for b in brackets))


def check_body(body: bytes, *, strings: bool = True) -> str | None:
    """The Chinese reason ``body`` (JSON) is refused, or None when it may go on."""
    if json_depth(body) > MAX_DEPTH:
        return TOO_DEEP
    try:
        value = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return NOT_JSON
    if strings and has_bad_text(value):
        return BAD_CHARS
    return None


class RequestGuard:
    """ASGI middleware applying the checks above; ``limits`` maps a path prefix to a body limit."""

    def __init__(self, app: ASGIApp, limits: dict[str, int] | None = None) -> None:
        self.app = app
        self.limits = limits or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        raw_path = scope.get("raw_path") or path.encode("utf-8", "surrogatepass")
        query: bytes = scope.get("query_string", b"")
        if _BAD_URL.search(unquote_to_bytes(raw_path)) or _BAD_URL.search(unquote_to_bytes(query)):
            await _refuse(send, 400, BAD_CHARS)
            return
        if bad_text(path):
            await _refuse(send, 400, BAD_CHARS)
            return
        if scope.get("method") in ("GET", "HEAD", "OPTIONS") or path.startswith(_SKIP_BODY):
            await self.app(scope, receive, send)
            return
        limit = next((n for p, n in self.limits.items() if path.startswith(p)), MAX_BODY)
        declared = dict(scope.get("headers", [])).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(send, 413, f"请求过大（上限 {limit // 1024} KB）")
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            assert isinstance(chunk, bytes)
            size += len(chunk)
            if size > limit:
                await _refuse(send, 413, f"请求过大（上限 {limit // 1024} KB）")
                return
            chunks.append(chunk)
            more = bool(message.get("more_body", False))
        body = b"".join(chunks)
        if body.strip():
            reason = check_body(body, strings=not path.startswith(_PER_OP))
            if reason is not None:
                if reason == NOT_JSON and path.startswith(_PER_OP):
                    reason = "同步请求不是合法的 JSON"
                await _refuse(send, 400, reason)
                return
        sent = False

        async def replay() -> ReceiveMessage:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _refuse(send: Send, status: int, detail: str) -> None:
    payload = msgspec.json.encode({"status_code": status, "detail": detail})
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(payload)).encode()),
            (b"cache-control", b"no-store"),
        ],
    }
    await send(start)
    body: HTTPResponseBodyEvent = {"type": "http.response.body", "body": payload, "more_body": False}
    await send(body)
