"""Security headers on every response (defence in depth; issue #9, finding 8).

HTML gets a Content-Security-Policy the built PWA passes: scripts only from this origin (Vite emits
no inline script), no framing by anyone (``frame-ancestors 'none'``, and ``X-Frame-Options`` for
old browsers), no plugins, forms and ``<base>`` only to this origin. Styles allow inline
``style`` attributes: the splash text in ``index.html`` and ECharts' tooltips use them, and a
style cannot run code. Every response gets ``nosniff`` and ``Referrer-Policy: no-referrer`` (a
trace URL names a case; its token sits in the fragment, which browsers never send anyway).
``e2e/test_security_headers.py`` uses the real build in Chromium and fails on any CSP report.
"""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
ALWAYS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]
HTML = [(b"content-security-policy", CSP.encode()), (b"x-frame-options", b"DENY")]


class SecurityHeaders:
    """ASGI middleware adding the headers above to each HTTP response start."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {bytes(k).lower() for k, _ in headers}
                content_type = next(
                    (bytes(v) for k, v in headers if bytes(k).lower() == b"content-type"), b""
                )
                extra = ALWAYS + (HTML if content_type.startswith(b"text/html") else [])
                headers += [(k, v) for k, v in extra if k not in names]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
