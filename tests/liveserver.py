"""A live server for browser tests and benchmarks: the real app under uvicorn on a free port of
127.0.0.1, in a daemon thread (shared by ``e2e/conftest.py`` and ``bench/pwa/live.py``)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn


@contextmanager
def serve_app(make_app: Callable[[str], Any], *, start_timeout_s: float = 30) -> Iterator[str]:
    """Serve ``make_app(base_url)`` until the block ends; yields ``http://127.0.0.1:<port>``.

    The app's lifespan runs (its workers start and stop with it). Raises RuntimeError when the
    server has not started within ``start_timeout_s`` seconds.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    app = make_app(base)
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", lifespan="on", ws="none", access_log=False)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + start_timeout_s
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the live server did not start within {start_timeout_s:g} s")
            time.sleep(0.05)
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
