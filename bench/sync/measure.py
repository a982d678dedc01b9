"""Recording one phase of load: requests, latencies, bytes, and CPU of server and load generator."""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from rich.progress import Progress

from bench.sync.servers import Process, client_cpu_seconds, machine_busy_seconds

_RETRY = (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError, httpx.ConnectError)


@dataclass
class Phase:
    """One measured phase against one server."""

    name: str
    server: str
    unit: str = "requests"  # what ``items`` counts: ops, changes, docs
    requests: int = 0
    errors: int = 0
    retries: int = 0
    last_error: str = ""
    items: int = 0
    cases: float = 0.0
    wall_s: float = 0.0
    server_cpu_s: float = 0.0
    client_cpu_s: float = 0.0
    other_cpu_s: float = 0.0  # everything else on the machine (PostgreSQL, other people's work)
    sent_bytes: int = 0
    wire_bytes: int = 0  # response bytes as they came over the wire (gzip when the server sent it)
    body_bytes: int = 0  # response bytes after decoding
    latencies: list[float] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)

    async def request(
        self, client: httpx.AsyncClient, method: str, url: str, ok: int = 200, **kw: Any
    ) -> httpx.Response | None:
        """One timed request; None (and an error counted) on a transport error or a wrong status."""
        t0 = time.perf_counter()
        for attempt in range(3):
            try:
                r = await client.request(method, url, **kw)
                break
            except _RETRY as e:
                # a keep-alive connection the server closed as it was reused: a phone retries too
                # (sync is idempotent by op id); the latency below includes the failed attempt
                self.retries += 1
                self.last_error = repr(e)
                if attempt == 2:
                    self.errors += 1
                    return None
            except httpx.HTTPError as e:
                self.errors += 1
                self.last_error = repr(e)
                return None
        self.latencies.append(time.perf_counter() - t0)
        self.requests += 1
        self.sent_bytes += len(kw.get("content") or b"")
        self.wire_bytes += r.num_bytes_downloaded
        self.body_bytes += len(r.content)
        if r.status_code != ok:
            self.errors += 1
            self.last_error = f"HTTP {r.status_code}: {r.text[:300]}"
            return None
        return r

    @contextlib.asynccontextmanager
    async def measure(
        self, server: Process, progress: Progress, total: float | None, by_time: bool = False
    ) -> AsyncIterator[None]:
        """Time the body; a progress bar follows requests done (or seconds, ``by_time``)."""
        task = progress.add_task(f"{self.server}: {self.name}", total=total)

        async def ticker() -> None:
            while True:
                done = time.perf_counter() - t0 if by_time else self.requests + self.errors
                progress.update(task, completed=min(done, total) if total else done)
                await asyncio.sleep(0.25)

        busy0, cpu0, client0 = machine_busy_seconds(), server.cpu(), client_cpu_seconds()
        t0 = time.perf_counter()
        tick = asyncio.create_task(ticker())
        try:
            yield
        finally:
            self.wall_s = time.perf_counter() - t0
            self.server_cpu_s = server.cpu() - cpu0
            self.client_cpu_s = client_cpu_seconds() - client0
            busy = machine_busy_seconds() - busy0
            self.other_cpu_s = max(0.0, busy - self.server_cpu_s - self.client_cpu_s)
            tick.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await tick
            progress.update(task, completed=total if total else self.requests)

    # -- derived figures ----------------------------------------------------------------------
    def pct(self, q: int) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] * 1000 if self.latencies else 0.0
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[q - 1] * 1000

    def summary(self) -> dict[str, Any]:
        wall = self.wall_s or 1e-9
        out = {
            "phase": self.name,
            "server": self.server,
            "unit": self.unit,
            "requests": self.requests,
            "errors": self.errors,
            "retries": self.retries,
            "wall_s": round(self.wall_s, 3),
            "round_trips_per_s": round(self.requests / wall, 1),
            "items": self.items,
            "items_per_s": round(self.items / wall, 1),
            "cases": round(self.cases, 1),
            "cases_per_s": round(self.cases / wall, 1),
            "p50_ms": round(self.pct(50), 2),
            "p99_ms": round(self.pct(99), 2),
            "sent_bytes": self.sent_bytes,
            "wire_bytes": self.wire_bytes,
            "body_bytes": self.body_bytes,
            "wire_bytes_per_item": round(self.wire_bytes / self.items, 1) if self.items else None,
            "body_bytes_per_item": round(self.body_bytes / self.items, 1) if self.items else None,
            "server_cpu_pct": round(100 * self.server_cpu_s / wall, 1),
            "server_cpu_ms_per_request": round(1000 * self.server_cpu_s / self.requests, 3)
            if self.requests
            else None,
            "client_cpu_pct": round(100 * self.client_cpu_s / wall, 1),
            "other_cpu_pct": round(100 * self.other_cpu_s / wall, 1),
        }
        if self.last_error:
            out["last_error"] = self.last_error
        out.update(self.notes)
        return out


async def run_loops(
    workers: int, deadline: float, cap: int, step: Callable[[int], Awaitable[Any]], phase: Phase | None
) -> None:
    """``workers`` concurrent loops calling ``step(i)`` until ``deadline`` or ``cap`` steps in all."""
    issued = 0

    async def loop(i: int) -> None:
        nonlocal issued
        while time.perf_counter() < deadline and issued < cap:
            issued += 1
            await step(i)

    await asyncio.gather(*(loop(i) for i in range(workers)))
    if phase is not None:
        phase.notes["workers"] = workers
