"""Every 429 carries ``Retry-After`` (RFC 9110 §10.2.3), whoever raised it.

A limiter that knows the wait sets the header itself; this ASGI middleware adds a default to any
429 without one (a refusal from a library, a handler that forgot), so a client never has to guess
and the PWA can say how long to wait instead of "同步失败".
"""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_RETRY_AFTER_S = 60


def retry_after_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return

        async def send_with_retry_after(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 429:
                headers = list(message.get("headers", []))
                if not any(k.lower() == b"retry-after" for k, _ in headers):
                    headers.append((b"retry-after", str(DEFAULT_RETRY_AFTER_S).encode()))
                    message = {**message, "headers": headers}
            await send(message)

        await app(scope, receive, send_with_retry_after)

    return middleware
