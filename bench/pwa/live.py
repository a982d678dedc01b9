"""The real server on 127.0.0.1:0 (as e2e/conftest.py does it), with a log of what went over the wire.

A fresh SQLite database with the demo registry, ``create_app(Settings(...))`` serving the built PWA,
uvicorn in a daemon thread. The app is wrapped in a small ASGI recorder that logs every HTTP request
(path, status, content-encoding, body bytes sent, time) so the benchmark sees the service worker's
own fetches too, which a page's CDP session does not.
"""

from __future__ import annotations

import logging
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import structlog
import uvicorn

from server.app import create_app
from server.db import Database
from server.migrate import upgrade
from server.registry.seed import seed_demo
from server.settings import Settings
from tests.liveserver import serve_app


@dataclass
class Hit:
    t: float  # time.monotonic() when the response started
    method: str
    path: str
    status: int
    encoding: str
    body_bytes: int = 0
    ua_worker: bool = False  # a "Service-Worker: script" request (the worker script itself)


@dataclass
class Recorder:
    hits: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def since(self, t0: float) -> list[Hit]:
        with self.lock:
            return [h for h in self.hits if h.t >= t0]


def _recording(app: Any, rec: Recorder) -> Any:
    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        hit: Hit | None = None
        headers = {k.decode().lower(): v.decode() for k, v in scope.get("headers", [])}

        async def counting_send(message: dict[str, Any]) -> None:
            nonlocal hit
            if message["type"] == "http.response.start":
                out = {k.decode().lower(): v.decode() for k, v in message.get("headers", [])}
                hit = Hit(
                    time.monotonic(),
                    scope["method"],
                    scope["path"],
                    message["status"],
                    out.get("content-encoding", ""),
                    ua_worker=headers.get("service-worker") == "script",
                )
                with rec.lock:
                    rec.hits.append(hit)
            elif message["type"] == "http.response.body" and hit is not None:
                hit.body_bytes += len(message.get("body", b""))
            await send(message)

        await app(scope, receive, counting_send)

    return wrapped


@dataclass
class Live:
    url: str
    recorder: Recorder


@contextmanager
def live_server(dist: Path) -> Iterator[Live]:
    with tempfile.TemporaryDirectory(prefix="jf-bench-pwa-") as tmp_s:
        tmp = Path(tmp_s)
        url_db = f"sqlite:///{tmp / 'bench.sqlite3'}"
        upgrade(url_db)
        db = Database(url_db)
        seed_demo(db)
        db.dispose()

        rec = Recorder()

        def make_app(base: str) -> Any:
            settings = Settings(
                database_url=url_db,
                pwa_dist=dist,
                var_dir=tmp / "var",
                base_url=base,
                device_rate_per_hour=100_000,  # every fresh browser context registers an anonymous device
                trace_rate_per_minute=100_000,
            )
            app = _recording(create_app(settings), rec)
            # the app's structlog plugin logs every request at info level to stdout: keep warnings only
            structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
            return app

        with serve_app(make_app) as base:
            yield Live(base, rec)
