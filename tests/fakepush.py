"""A fake Web Push service on 127.0.0.1 for tests: records every POST, answers as told.

with FakePushService() as push:
    push.answer(410)              # the next request gets 410 Gone, later ones 201
    push.answer(500, times=2)
    sub = {"endpoint": push.endpoint("dev1"), "keys": {...}}
    ...
    push.requests[0].headers["ttl"], push.requests[0].body
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from server.notify.vapid import b64url_encode


@dataclass(frozen=True)
class RecordedPush:
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes


@dataclass
class _Plan:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class FakePushService:
    def __init__(self) -> None:
        self.requests: list[RecordedPush] = []
        self._plans: deque[_Plan] = deque()
        self._lock = threading.Lock()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with service._lock:
                    service.requests.append(
                        RecordedPush(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    plan = service._plans.popleft() if service._plans else _Plan(201)
                if plan.delay:
                    time.sleep(plan.delay)
                self.send_response(plan.status)
                if plan.status == 201:
                    self.send_header("Location", f"{service.origin}/msg/{len(service.requests)}")
                for k, v in plan.headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        # A short poll interval keeps shutdown (and so each test's teardown) fast.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)

    @property
    def origin(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def endpoint(self, name: str = "sub") -> str:
        return f"{self.origin}/push/{name}"

    def answer(
        self, status: int, times: int = 1, *, headers: dict[str, str] | None = None, delay: float = 0.0
    ) -> None:
        """Answer the next ``times`` requests with ``status`` (after those already planned)."""
        with self._lock:
            self._plans.extend(_Plan(status, dict(headers or {}), delay) for _ in range(times))

    def start(self) -> FakePushService:
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakePushService:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


@dataclass
class PushDevice:
    """A browser's push subscription with its private keys, so tests can decrypt what arrives."""

    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    subscription: dict[str, Any]

    @property
    def endpoint(self) -> str:
        return str(self.subscription["endpoint"])

    def decrypt(self, body: bytes) -> dict[str, Any]:
        plain = http_ece.decrypt(
            body, private_key=self.private_key, auth_secret=self.auth, version="aes128gcm"
        )
        result: dict[str, Any] = json.loads(plain.decode("utf-8"))
        return result


def make_push_device(endpoint: str) -> PushDevice:
    """What ``PushSubscription.toJSON()`` gives a page: a P-256 key pair and a 16-byte auth secret."""
    key = ec.generate_private_key(ec.SECP256R1())
    auth = os.urandom(16)
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    sub = {
        "endpoint": endpoint,
        "expirationTime": None,
        "keys": {"p256dh": b64url_encode(point), "auth": b64url_encode(auth)},
    }
    return PushDevice(key, auth, sub)
