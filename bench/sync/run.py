"""The sync benchmark: Jiefen's ``POST /api/v1/sync`` against its own trivial endpoint and pouchdb-server.

See bench/README.md ("Sync") for what is measured and the figures of the last full run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import msgspec
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bench.sync.measure import Phase, run_loops
from bench.sync.servers import (
    ROOT,
    JiefenServer,
    PouchServer,
    Profiler,
    git_rev,
    machine,
    versions,
    wait_quiet,
)
from bench.sync.workload import OPS_PER_CASE, Device, decode_changes, decode_sync, pouch_bulks

RESULTS = ROOT / "bench" / "results"
POUCH_PAGE = 500
PUSH_TARGET = 5.0  # Jiefen cases/s at least 5x pouchdb-server's docs/s
EMPTY_TARGET = 0.5  # an empty sync at least half as fast as the trivial endpoint


@dataclass
class Config:
    backends: list[str]
    workers: list[int]
    devices: int
    batch: int
    rounds: int
    catchup: int
    catchup_devices: int
    duration: float
    phase_timeout: float
    pouch: bool
    quick: bool
    out: Path
    command: str
    profile: Path | None = None
    wait_quiet: float = 0.0


class Clients:
    """One HTTP/1.1 keep-alive connection per simulated device, gzip accepted like a phone's browser.

    One ``httpx.AsyncClient`` per device, each limited to one connection: ``n`` connections in all.
    (One shared client with a pool of 200 connections costs httpx about 8 ms of CPU per request on
    this machine, against 0.4 ms for this layout, and would measure the load generator.)
    """

    def __init__(self, base_url: str, n: int) -> None:
        self.all = [
            httpx.AsyncClient(
                base_url=base_url,
                limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
                timeout=httpx.Timeout(60.0),
                headers={"Accept-Encoding": "gzip"},
            )
            for _ in range(n)
        ]

    def __getitem__(self, i: int) -> httpx.AsyncClient:
        return self.all[i % len(self.all)]

    async def __aenter__(self) -> Clients:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.gather(*(c.aclose() for c in self.all))


def progress_bar(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        refresh_per_second=4,
    )


# -- Jiefen --------------------------------------------------------------------------------------
async def register(clients: Clients, n: int, progress: Progress, label: str) -> list[Device]:
    task = progress.add_task(f"{label}: register devices", total=n)
    sem = asyncio.Semaphore(50)

    async def one(i: int) -> Device:
        async with sem:
            r = await untimed(clients[i], "POST", "/api/v1/devices", ok=201)
            progress.advance(task)
            return Device(token=r.json()["token"])

    return list(await asyncio.gather(*(one(i) for i in range(n))))


async def untimed(
    client: httpx.AsyncClient, method: str, url: str, ok: int = 200, **kw: Any
) -> httpx.Response:
    """A set-up request (not measured), retried like a measured one; raises when it fails."""
    ph = Phase("setup", "")
    r = await ph.request(client, method, url, ok=ok, **kw)
    if r is None:
        raise RuntimeError(f"{method} {url} failed: {ph.last_error}")
    return r


async def sync_until_done(
    client: httpx.AsyncClient, d: Device, max_pages: int, ph: Phase | None = None
) -> int:
    """Pull until ``more`` is false; returns the changes received."""
    got = 0
    for _ in range(max_pages):
        body = d.body()
        if ph is not None:
            r = await ph.request(client, "POST", "/api/v1/sync", content=body, headers=d.headers)
            if r is None:
                return got
        else:
            r = await untimed(client, "POST", "/api/v1/sync", content=body, headers=d.headers)
        rep = decode_sync(r.content)
        d.cursor = rep.cursor
        got += len(rep.changes)
        if not rep.more:
            break
    return got


async def ping_phase(cfg: Config, server: JiefenServer, clients: Clients, progress: Progress) -> Phase:
    async def warm(i: int) -> None:
        with contextlib.suppress(httpx.HTTPError):
            await clients[i].get("/api/v1/ping")

    await run_loops(cfg.devices, time.perf_counter() + 1.0, 10**9, warm, None)
    ph = Phase("trivial GET /api/v1/ping", server.name)

    async def step(i: int) -> None:
        await ph.request(clients[i], "GET", "/api/v1/ping")

    async with ph.measure(server, progress, cfg.duration, by_time=True):
        await run_loops(cfg.devices, time.perf_counter() + cfg.duration, 10**7, step, ph)
    ph.items = ph.requests
    return ph


async def push_phase(
    cfg: Config, server: JiefenServer, clients: Clients, devices: list[Device], progress: Progress
) -> Phase:
    plans = [d.batches(cfg.rounds * cfg.batch, cfg.batch) for d in devices]
    ph = Phase(f"push {cfg.devices}×{cfg.rounds} batches of {cfg.batch} ops", server.name, unit="ops")
    counts = {"rejected": 0, "changes_returned": 0, "head": 0}

    async def device(i: int, deadline: float) -> None:
        d = devices[i]
        for ops_json, _n in plans[i]:
            if time.perf_counter() > deadline:
                ph.notes["stopped_by_time_limit"] = True
                return
            body = d.body(ops_json)
            r = await ph.request(clients[i], "POST", "/api/v1/sync", content=body, headers=d.headers)
            if r is None:
                continue
            rep = decode_sync(r.content)
            d.cursor = rep.cursor
            ph.items += len(rep.acked)
            counts["rejected"] += len(rep.rejected)
            counts["changes_returned"] += len(rep.changes)
            counts["head"] = max(counts["head"], rep.cursor)
            if rep.rejected and "first_rejection" not in ph.notes:
                ph.notes["first_rejection"] = rep.rejected[0]

    total = sum(len(p) for p in plans)
    async with ph.measure(server, progress, total):
        deadline = time.perf_counter() + cfg.phase_timeout
        await asyncio.gather(*(device(i, deadline) for i in range(len(devices))))
    ph.cases = ph.items / OPS_PER_CASE
    ph.notes.update(
        rejected=counts["rejected"],
        changes_returned=counts["changes_returned"],
        server_log_ops=counts["head"],
        ops_per_case=OPS_PER_CASE,
        upload_bytes_per_op=round(ph.sent_bytes / ph.items, 1) if ph.items else None,
    )
    return ph


async def empty_phase(
    cfg: Config, server: JiefenServer, clients: Clients, devices: list[Device], progress: Progress
) -> Phase:
    # Settle first: every device pulls to the head, so "nothing to pull" is true for all of them.
    task = progress.add_task(f"{server.name}: settle cursors", total=len(devices))

    async def settle(i: int) -> None:
        await sync_until_done(clients[i], devices[i], 1000)
        progress.advance(task)

    await asyncio.gather(*(settle(i) for i in range(len(devices))))
    ph = Phase("empty sync (nothing to push or pull)", server.name)
    nonempty = 0

    async def step(i: int) -> None:
        nonlocal nonempty
        d = devices[i]
        r = await ph.request(clients[i], "POST", "/api/v1/sync", content=d.body(), headers=d.headers)
        if r is not None:
            rep = decode_sync(r.content)
            nonempty += bool(rep.changes or rep.acked)
            d.cursor = rep.cursor

    async def warm(i: int) -> None:
        d = devices[i]
        with contextlib.suppress(httpx.HTTPError):
            await clients[i].post("/api/v1/sync", content=d.body(), headers=d.headers)

    await run_loops(len(devices), time.perf_counter() + 1.0, 10**9, warm, None)
    async with ph.measure(server, progress, cfg.duration, by_time=True):
        await run_loops(len(devices), time.perf_counter() + cfg.duration, 10**7, step, ph)
    ph.items = ph.requests
    ph.notes["responses_not_empty"] = nonempty
    return ph


async def catchup_phase(
    cfg: Config, server: JiefenServer, clients: Clients, progress: Progress, label: str
) -> Phase:
    # One citizen files cases until its scope holds >= cfg.catchup changes (not measured) ...
    client = clients[0]
    token = (await register(clients, 1, progress, label))[0].token
    filer = Device(token=token)
    first_ops = filer.batches(OPS_PER_CASE, OPS_PER_CASE)[0][0]
    r = await untimed(client, "POST", "/api/v1/sync", content=filer.body(first_ops), headers=filer.headers)
    first = decode_sync(r.content)
    filer.cursor = first.cursor
    per_case = len(first.changes)  # the case's ops plus what the server adds (filer, status, ...)
    more_cases = max(0, math.ceil(cfg.catchup / per_case) - 1)
    big = 250  # ops per setup request (server limit 500)
    batches = filer.batches(more_cases * OPS_PER_CASE, big) if more_cases else []
    task = progress.add_task(f"{label}: file {more_cases + 1} cases for catch-up", total=len(batches))
    for ops_json, _n in batches:
        r = await untimed(client, "POST", "/api/v1/sync", content=filer.body(ops_json), headers=filer.headers)
        rep = decode_sync(r.content)
        if rep.rejected:
            raise RuntimeError(f"catch-up setup rejected ops: {rep.rejected[:2]}")
        filer.cursor = rep.cursor
        progress.advance(task)
    # ... then fresh installs holding the same token pull everything from since=0.
    readers = [Device(token=token) for _ in range(cfg.catchup_devices)]
    ph = Phase(f"catch-up {cfg.catchup_devices} devices from since=0", server.name, unit="changes")
    got: list[int] = []
    max_pages = cfg.catchup // 100 + 100
    expected_pages = cfg.catchup_devices * math.ceil((more_cases + 1) * per_case / 500)

    async def reader(i: int, deadline: float) -> None:
        d = readers[i]
        n = 0
        for _ in range(max_pages):
            if time.perf_counter() > deadline:
                ph.notes["stopped_by_time_limit"] = True
                break
            r = await ph.request(clients[i], "POST", "/api/v1/sync", content=d.body(), headers=d.headers)
            if r is None:
                break
            rep = decode_sync(r.content)
            d.cursor = rep.cursor
            n += len(rep.changes)
            if not rep.more:
                break
        got.append(n)

    async with ph.measure(server, progress, expected_pages):
        deadline = time.perf_counter() + cfg.phase_timeout
        await asyncio.gather(*(reader(i, deadline) for i in range(len(readers))))
    ph.items = sum(got)
    ph.cases = ph.items / per_case
    ph.notes.update(
        changes_per_device=round(ph.items / len(readers), 1),
        changes_in_scope=(more_cases + 1) * per_case,
        changes_per_case=per_case,
    )
    return ph


async def quiet(cfg: Config, progress: Progress) -> None:
    if cfg.wait_quiet <= 0:
        return
    task = progress.add_task("waiting for other processes on this machine to go quiet", total=None)
    ok, busy = await asyncio.to_thread(wait_quiet, cfg.wait_quiet)
    progress.remove_task(task)
    if not ok:
        progress.console.print(
            f"[yellow]machine still busy ({busy:.1f} cores used by others) after {cfg.wait_quiet:.0f} s: "
            "measuring anyway; see the 'other CPU' column[/]"
        )


@contextlib.contextmanager
def profiled(cfg: Config, server: JiefenServer, what: str, progress: Progress) -> Iterator[None]:
    if cfg.profile is None:
        yield
        return
    out = cfg.profile / f"{what}-{server.backend}-w{server.workers}.txt"
    with Profiler(server, out):
        yield
    if out.exists():
        progress.console.print(f"py-spy profile of {what}: {out}")
        progress.console.print(top_frames(out))


def top_frames(path: Path, n: int = 25) -> str:
    """Inclusive share of samples per frame of the project's code (py-spy raw = collapsed stacks)."""
    total = 0
    incl: dict[str, int] = {}
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        c = int(count)
        total += c
        for frame in set(stack.split(";")):
            if "/server/" in frame or "sqlalchemy" in frame or "litestar" in frame or "uvicorn" in frame:
                incl[frame] = incl.get(frame, 0) + c
    rows = sorted(incl.items(), key=lambda kv: -kv[1])[:n]
    return "\n".join(f"{100 * c / max(total, 1):5.1f}%  {f}" for f, c in rows)


async def bench_jiefen(cfg: Config, backend: str, workers: int, progress: Progress) -> list[Phase]:
    server = JiefenServer(backend, workers)
    await quiet(cfg, progress)
    progress.console.print(f"[bold]{server.name}[/]: starting (migrate, seed demo) on {server.base_url}")
    try:
        await asyncio.to_thread(server.start)
        async with Clients(server.base_url, cfg.devices) as clients:
            devices = await register(clients, cfg.devices, progress, server.name)
            phases = [await ping_phase(cfg, server, clients, progress)]
            with profiled(cfg, server, "push", progress):
                phases.append(await push_phase(cfg, server, clients, devices, progress))
            with profiled(cfg, server, "empty", progress):
                phases.append(await empty_phase(cfg, server, clients, devices, progress))
            phases.append(await catchup_phase(cfg, server, clients, progress, server.name))
        if any(p.errors for p in phases):  # keep what the server said about its failures
            errors = [
                line for line in server.log_tail(4000).splitlines() if "rror" in line or "locked" in line
            ]
            for p in phases:
                if p.errors:
                    p.notes["server_log_errors"] = sorted(set(errors))[-5:]
        return phases
    finally:
        await asyncio.to_thread(server.stop)


# -- pouchdb-server ------------------------------------------------------------------------------
async def bench_pouch(cfg: Config, progress: Progress) -> list[Phase]:
    server = PouchServer()
    await quiet(cfg, progress)
    progress.console.print(f"[bold]{server.name}[/]: starting --in-memory on {server.base_url}")
    try:
        await asyncio.to_thread(server.start)
        async with Clients(server.base_url, cfg.devices) as clients:
            client = clients[0]
            for db in ("cases", "catchup"):
                await untimed(client, "PUT", f"/{db}", ok=201)
            phases = []

            # the framework's trivial endpoint, for reference
            async def warm(i: int) -> None:
                with contextlib.suppress(httpx.HTTPError):
                    await clients[i].get("/")

            await run_loops(cfg.devices, time.perf_counter() + 1.0, 10**9, warm, None)
            ph = Phase("trivial GET /", server.name)

            async def hello(i: int) -> None:
                await ph.request(clients[i], "GET", "/")

            async with ph.measure(server, progress, cfg.duration, by_time=True):
                await run_loops(cfg.devices, time.perf_counter() + cfg.duration, 10**7, hello, ph)
            ph.items = ph.requests
            phases.append(ph)

            # push: the same cases as documents, _bulk_docs of cfg.batch docs per request
            bulks = pouch_bulks(cfg.devices, cfg.rounds, cfg.batch)
            ph = Phase(
                f"push {cfg.devices}×{cfg.rounds} _bulk_docs of {cfg.batch} docs", server.name, unit="docs"
            )
            failed = 0

            async def pusher(i: int, deadline: float) -> None:
                nonlocal failed
                for body in bulks[i]:
                    if time.perf_counter() > deadline:
                        ph.notes["stopped_by_time_limit"] = True
                        return
                    r = await ph.request(
                        clients[i],
                        "POST",
                        "/cases/_bulk_docs",
                        ok=201,
                        content=body,
                        headers={"Content-Type": "application/json"},
                    )
                    if r is not None:
                        res = msgspec.json.decode(r.content)
                        ok = sum(1 for x in res if x.get("ok"))
                        ph.items += ok
                        failed += len(res) - ok

            async with ph.measure(server, progress, cfg.devices * cfg.rounds):
                deadline = time.perf_counter() + cfg.phase_timeout
                await asyncio.gather(*(pusher(i, deadline) for i in range(cfg.devices)))
            ph.cases = ph.items
            ph.notes.update(
                failed_docs=failed,
                upload_bytes_per_doc=round(ph.sent_bytes / ph.items, 1) if ph.items else None,
            )
            phases.append(ph)

            # catch-up: fill a second database with cfg.catchup docs (not measured), then read it
            fill = pouch_bulks(math.ceil(cfg.catchup / 500), 1, 500)
            left = cfg.catchup
            task = progress.add_task(f"{server.name}: fill {cfg.catchup} docs for catch-up", total=len(fill))
            for (body,) in fill:
                if left < 500:
                    docs = msgspec.json.decode(body)["docs"][:left]
                    body = msgspec.json.encode({"docs": docs})
                left -= 500
                json_ct = {"Content-Type": "application/json"}
                await untimed(client, "POST", "/catchup/_bulk_docs", ok=201, content=body, headers=json_ct)
                progress.advance(task)
            info = (await untimed(client, "GET", "/catchup")).json()
            total_docs = int(info["doc_count"])
            ph = Phase(f"catch-up {cfg.catchup_devices} clients from since=0", server.name, unit="docs")
            got: list[int] = []

            async def reader(i: int, deadline: float) -> None:
                since: Any = 0
                n = 0
                for _ in range(cfg.catchup // 100 + 100):
                    if time.perf_counter() > deadline:
                        ph.notes["stopped_by_time_limit"] = True
                        break
                    url = f"/catchup/_changes?since={since}&include_docs=true&limit={POUCH_PAGE}"
                    r = await ph.request(clients[i], "GET", url)
                    if r is None:
                        break
                    rep = decode_changes(r.content)
                    n += len(rep.results)
                    since = rep.last_seq
                    # stop on a short page, or (in the baseline's favour) once every doc has come
                    if len(rep.results) < POUCH_PAGE or n >= total_docs:
                        break
                got.append(n)

            async with ph.measure(server, progress, cfg.catchup_devices * math.ceil(total_docs / POUCH_PAGE)):
                deadline = time.perf_counter() + cfg.phase_timeout
                await asyncio.gather(*(reader(i, deadline) for i in range(cfg.catchup_devices)))
            ph.items = sum(got)
            ph.cases = ph.items
            ph.notes["docs_per_client"] = round(ph.items / cfg.catchup_devices, 1)
            phases.append(ph)
        return phases
    finally:
        await asyncio.to_thread(server.stop)


# -- report --------------------------------------------------------------------------------------
def _find(phases: list[dict[str, Any]], prefix: str) -> dict[str, Any] | None:
    return next((p for p in phases if p["phase"].startswith(prefix)), None)


def ratios(jf: list[dict[str, Any]], pouch: list[dict[str, Any]] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    ping, empty = _find(jf, "trivial"), _find(jf, "empty")
    if ping and empty and ping["round_trips_per_s"]:
        r = empty["round_trips_per_s"] / ping["round_trips_per_s"]
        out["empty_sync_vs_ping"] = {"ratio": round(r, 3), "target": EMPTY_TARGET, "met": r >= EMPTY_TARGET}
    if pouch:
        for name in ("push", "catch-up"):
            ours, theirs = _find(jf, name), _find(pouch, name)
            if ours and theirs and theirs["cases_per_s"]:
                r = ours["cases_per_s"] / theirs["cases_per_s"]
                entry: dict[str, Any] = {
                    "cases_ratio": round(r, 3),
                    "jiefen_cases_per_s": ours["cases_per_s"],
                    "jiefen_items_per_s": ours["items_per_s"],
                    "jiefen_unit": ours["unit"],
                    "pouch_docs_per_s": theirs["cases_per_s"],
                }
                if name == "push":
                    entry.update(target=PUSH_TARGET, met=r >= PUSH_TARGET)
                else:
                    entry["changes_vs_docs_ratio"] = round(ours["items_per_s"] / theirs["items_per_s"], 3)
                out[f"{name}_vs_pouchdb"] = entry
    return out


def table(title: str, phases: list[dict[str, Any]]) -> Table:
    t = Table(title=title, show_lines=False)
    for col in (
        "server",
        "phase",
        "req",
        "err",
        "round trips/s",
        "items/s",
        "cases/s",
        "p50 ms",
        "p99 ms",
        "wire B/item",
        "srv CPU",
        "gen CPU",
        "other CPU",
    ):
        t.add_column(col, justify="left" if col in ("server", "phase") else "right")
    for p in phases:
        t.add_row(
            p["server"],
            p["phase"],
            str(p["requests"]),
            str(p["errors"]),
            f"{p['round_trips_per_s']:,.0f}",
            f"{p['items_per_s']:,.0f} {p['unit']}",
            f"{p['cases_per_s']:,.0f}" if p["cases"] else "",
            f"{p['p50_ms']:.1f}",
            f"{p['p99_ms']:.1f}",
            f"{p['wire_bytes_per_item']:.0f}"
            if p["unit"] in ("changes", "docs") and p["wire_bytes_per_item"]
            else "",
            f"{p['server_cpu_pct']:.0f}%",
            f"{p['client_cpu_pct']:.0f}%",
            f"{p['other_cpu_pct']:.0f}%",
        )
    return t


def _yes(met: bool) -> str:
    return "yes" if met else "**no**"


def markdown(cfg: Config, meta: dict[str, Any], runs: dict[str, Any]) -> str:
    m = meta["machine"]
    load = ", ".join(f"{x:.2f}" for x in m["loadavg_at_start"])
    lines = [
        f"Run {meta['date']} on {m['cores']} cores ({m['cpu']}, {m['memory']}), git {meta['git']}; "
        f"load average at start {load}.",
        "",
        f"Command: `{cfg.command}`",
        "",
        "| server | phase | round trips/s | throughput | cases/s | p50 ms | p99 ms "
        "| wire bytes / change | server CPU | server CPU ms / request | load-gen CPU | other CPU |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    seen: set[str] = set()
    for run in runs.values():
        for p in run["phases"]:
            if (key := p["server"] + p["phase"]) in seen:
                continue
            seen.add(key)
            bpc = ""
            if p["unit"] in ("changes", "docs") and p["wire_bytes_per_item"]:
                bpc = f"{p['wire_bytes_per_item']:.0f} (raw {p['body_bytes_per_item']:.0f})"
            cases = f"{p['cases_per_s']:,.0f}" if p["cases"] else ""
            lines.append(
                f"| {p['server']} | {p['phase']} | {p['round_trips_per_s']:,.0f} | "
                f"{p['items_per_s']:,.0f} {p['unit']}/s | {cases} | "
                f"{p['p50_ms']:.1f} | {p['p99_ms']:.1f} | {bpc} | {p['server_cpu_pct']:.0f}% | "
                f"{p['server_cpu_ms_per_request']:.2f} | "
                f"{p['client_cpu_pct']:.0f}% | {p['other_cpu_pct']:.0f}% |"
            )
    lines += ["", "| run | target | ratio | met |", "|---|---|--:|---|"]
    for name, run in runs.items():
        r = run["ratios"]
        if x := r.get("empty_sync_vs_ping"):
            target = f"empty sync ≥ {EMPTY_TARGET}× ping round trips/s"
            lines.append(f"| {name} | {target} | {x['ratio']:.2f}× | {_yes(x['met'])} |")
        if x := r.get("push_vs_pouchdb"):
            target = f"push cases/s ≥ {PUSH_TARGET:.0f}× pouchdb-server docs/s"
            lines.append(f"| {name} | {target} | {x['cases_ratio']:.2f}× | {_yes(x['met'])} |")
        if x := r.get("catch-up_vs_pouchdb"):
            lines.append(
                f"| {name} | catch-up cases/s vs pouchdb-server docs/s (no target) | {x['cases_ratio']:.2f}× "
                f"(changes/s vs docs/s: {x['changes_vs_docs_ratio']:.2f}×) | |"
            )
    return "\n".join(lines) + "\n"


def write_json(cfg: Config, meta: dict[str, Any], runs: dict[str, Any], backend: str) -> None:
    cfg.out.mkdir(parents=True, exist_ok=True)
    mine = {k: v for k, v in runs.items() if v["backend"] == backend}
    path = cfg.out / f"sync-{backend}.json"
    path.write_text(json.dumps({"meta": meta, "runs": mine}, ensure_ascii=False, indent=2) + "\n")


async def main_async(cfg: Config, console: Console) -> dict[str, Any]:
    meta = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "versions": versions(),
        "git": git_rev(),
        "command": cfg.command,
        "config": {k: v for k, v in cfg.__dict__.items() if k not in ("out",)},
    }
    runs: dict[str, Any] = {}
    with progress_bar(console) as progress:
        pouch = [p.summary() for p in await bench_pouch(cfg, progress)] if cfg.pouch else None
        for backend in cfg.backends:
            for w in cfg.workers:
                phases = [p.summary() for p in await bench_jiefen(cfg, backend, w, progress)]
                name = f"{backend}, workers={w}"
                runs[name] = {"backend": backend, "workers": w, "phases": phases + (pouch or [])}
                runs[name]["ratios"] = ratios(phases, pouch)
                if not cfg.quick:  # written as each run ends, so a later failure keeps it
                    write_json(cfg, meta, runs, backend)
    for name, run in runs.items():
        console.print(table(f"sync benchmark — {name}", run["phases"]))
        console.print_json(data=run["ratios"])
    md = markdown(cfg, meta, runs)
    if cfg.quick:
        console.print(md)  # a smoke run writes no results
    else:
        md_path = cfg.out / "sync.md"
        md_path.write_text(md)
        console.print(f"wrote {md_path}")
    return runs


def parse(argv: list[str]) -> Config:
    ap = argparse.ArgumentParser(prog="python -m bench.sync", description=__doc__)
    ap.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument("--workers", default="1", help="server processes, e.g. 1 or 1,2 (default 1: as pouchdb)")
    ap.add_argument("--devices", type=int, default=200, help="concurrent devices (and connections)")
    ap.add_argument("--batch", type=int, default=50, help="ops per push (docs per _bulk_docs)")
    ap.add_argument("--rounds", type=int, default=1, help="pushes per device")
    ap.add_argument("--catchup", type=int, default=10_000, help="changes to catch up on")
    ap.add_argument("--catchup-devices", type=int, default=20, help="devices catching up at once")
    ap.add_argument("--duration", type=float, default=10.0, help="seconds of the ping and empty-sync phases")
    ap.add_argument(
        "--phase-timeout", type=float, default=180.0, help="time limit of one push/catch-up phase"
    )
    ap.add_argument(
        "--wait-quiet",
        type=float,
        default=None,
        help="before each server, wait up to this many seconds for other processes to go quiet "
        "(default 300; 0 with --quick)",
    )
    ap.add_argument("--no-pouch", action="store_true", help="skip the pouchdb-server baseline")
    ap.add_argument("--quick", action="store_true", help="a short smoke run (results not written)")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument(
        "--profile", type=Path, default=None, help="py-spy the server's push and empty sync into DIR"
    )
    a = ap.parse_args(argv)
    if a.quick:
        a.devices, a.rounds, a.catchup, a.catchup_devices, a.duration = 20, 2, 1000, 4, 2.0
    for name in ("devices", "batch", "rounds", "catchup", "catchup_devices"):
        if getattr(a, name) < 1:
            ap.error(f"--{name.replace('_', '-')} must be at least 1")
    if a.batch > 500:
        ap.error("--batch at most 500 (the server's sync_max_ops)")
    return Config(
        backends=["sqlite", "postgresql"] if a.backend == "both" else [a.backend],
        workers=[int(w) for w in a.workers.split(",")],
        devices=a.devices,
        batch=a.batch,
        rounds=a.rounds,
        catchup=a.catchup,
        catchup_devices=a.catchup_devices,
        duration=a.duration,
        phase_timeout=a.phase_timeout,
        pouch=not a.no_pouch,
        quick=a.quick,
        out=a.out,
        profile=a.profile,
        wait_quiet=(0.0 if a.quick else 300.0) if a.wait_quiet is None else a.wait_quiet,
        command=".venv/bin/python -m bench.sync" + ("" if not argv else " " + " ".join(argv)),
    )


def main(argv: list[str] | None = None) -> int:
    cfg = parse(sys.argv[1:] if argv is None else argv)
    console = Console() if sys.stdout.isatty() else Console(width=200)

    def on_term(_sig: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    try:
        asyncio.run(main_async(cfg, console))
    except KeyboardInterrupt:
        console.print("[red]interrupted: servers stopped[/]")
        return 130
    return 0
