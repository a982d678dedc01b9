"""PWA budgets: app-shell size, lazy chunks, first load on emulated slow 3G, offline start.

    .venv/bin/python -m bench.pwa [--runs 5] [--budget 900]

Builds nothing: it measures ``pwa/dist`` as it is (``make pwa`` builds it).

- **Sizes** (``bench.pwa.sizes``): shell = index.html + its scripts, stylesheets, modulepreloads and
  their static imports, each gzipped at level 9; every other chunk is lazy.
- **Live server** (``bench.pwa.live``): the real Litestar app on 127.0.0.1:0, fresh SQLite with the
  demo registry, serving the built PWA, with a log of every request it answers.
- **Interactive** (one definition for every scenario): milliseconds from the navigation's time
  origin (``performance.timeOrigin``, i.e. navigation start) until a *trusted* click on the filing
  button ``[data-testid=nav-file]`` is dispatched, where the click is Playwright's ``click()`` issued
  right after ``goto(wait_until="commit")`` (it waits until the element is attached, visible, stable
  for two frames, enabled and hit-testable), and the run counts only if that click then navigated
  *within the same document* to the filing screen (``[data-testid=page-file]``). The click time is
  taken in the page (capture listener); a MutationObserver also notes when ``page-home`` and
  ``page-file`` first appear.
- **Slow 3G first load**: fresh browser context per run (no HTTP cache, no service worker), CDP
  ``Network.emulateNetworkConditions`` on the page target, with and without
  ``Emulation.setCPUThrottlingRate`` 4.
- **Offline start**: fresh context per run; load ``/`` online, wait for ``navigator.serviceWorker.ready``
  and a controller, close the page, ``context.set_offline(True)``, open a new page and time ``/``.

Writes bench/results/pwa.json and bench/results/pwa.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from bench.pwa.live import Live, live_server
from bench.pwa.sizes import SCANNER_COCKPIT, measure

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "pwa" / "dist"
RESULTS = ROOT / "bench" / "results"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/lib/chromium/chromium")
CHROMIUM_ARGS = ["--disable-gpu", "--disable-sync", "--disable-quic", "--no-pings"]
CONTEXT_ARGS: dict[str, Any] = {"locale": "zh-CN", "viewport": {"width": 412, "height": 860}}

SHELL_BUDGET_KB = 150
FIRST_LOAD_BUDGET_MS = 5000
OFFLINE_BUDGET_MS = 1000

# exactly what is sent to CDP
SLOW_3G = {
    "offline": False,
    "latency": 400,  # ms added to every request (CDP: per-request latency, not per packet)
    "downloadThroughput": 400 * 1000 / 8,  # bytes/s = 400 kbit/s
    "uploadThroughput": 400 * 1000 / 8,
}
CPU_SLOWDOWN = 4
STEP_TIMEOUT_MS = 60_000

MARKS_JS = """
(() => {
  const marks = {};
  window.__jfMarks = marks;
  const tasks = [];
  window.__jfLongTasks = tasks;
  try {
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) tasks.push([Math.round(e.startTime), Math.round(e.duration)]);
    }).observe({ type: "longtask", buffered: true });
  } catch (e) { /* no long-task timing */ }
  const ids = ["page-home", "nav-file", "page-file"];
  const check = () => {
    for (const id of ids)
      if (!(id in marks) && document.querySelector(`[data-testid="${id}"]`)) marks[id] = performance.now();
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true });
  document.addEventListener("click", (e) => {
    const t = e.target;
    if (e.isTrusted && !("click" in marks) && t && t.closest && t.closest('[data-testid="nav-file"]'))
      marks.click = performance.now();
  }, true);
})();
"""

COLLECT_JS = """
() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const paint = {};
  for (const p of performance.getEntriesByType("paint")) paint[p.name] = p.startTime;
  return {
    marks: window.__jfMarks || {},
    longTasks: window.__jfLongTasks || [],
    path: location.pathname,
    paint,
    readyState: document.readyState,
    nav: nav ? { type: nav.type, workerStart: nav.workerStart, responseEnd: nav.responseEnd,
                 domContentLoaded: nav.domContentLoadedEventEnd, load: nav.loadEventEnd,
                 transferSize: nav.transferSize } : null,
    controlled: !!(navigator.serviceWorker && navigator.serviceWorker.controller),
  };
}
"""


class BenchError(RuntimeError):
    pass


def _median(xs: list[float]) -> float:
    return round(statistics.median(xs), 1) if xs else float("nan")


def _summary(runs: list[dict[str, Any]], key: str) -> dict[str, float]:
    xs = [r[key] for r in runs if r.get(key) is not None]
    if not xs:
        return {}
    return {"median": _median(xs), "min": round(min(xs), 1), "max": round(max(xs), 1), "n": len(xs)}


READY_JS = """
() => {
  const el = document.querySelector('[data-testid="nav-file"]');
  if (!el || el.disabled || el.getAttribute("aria-disabled") === "true") return false;
  const r = el.getBoundingClientRect();
  if (r.width === 0 || r.height === 0 || getComputedStyle(el).visibility === "hidden") return false;
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  const hit = document.elementFromPoint(x, y);
  if (!hit || !el.contains(hit)) return false;
  const m = window.__jfMarks;
  if (m && !("ready" in m)) m.ready = performance.now();
  return [x, y];
}
"""


def _interact(page: Page, url: str) -> dict[str, Any]:
    """goto(commit) → as soon as nav-file is clickable (checked every frame), a trusted click at its
    centre → the filing screen; read the in-page marks."""
    t_goto = time.monotonic()
    resp = page.goto(url + "/", wait_until="commit", timeout=STEP_TIMEOUT_MS)
    handle = page.wait_for_function(READY_JS, polling="raf", timeout=STEP_TIMEOUT_MS)
    x, y = handle.json_value()
    page.mouse.click(x, y)  # CDP Input.dispatchMouseEvent: a trusted click, no extra waiting
    page.get_by_test_id("page-file").wait_for(state="visible", timeout=STEP_TIMEOUT_MS)
    wall = (time.monotonic() - t_goto) * 1000
    data: dict[str, Any] = page.evaluate(COLLECT_JS)
    marks = data["marks"]
    if "click" not in marks or "page-file" not in marks or data["path"] != "/file":
        # the click's document is gone (a full navigation) or the filing screen never came
        raise BenchError(f"the click on nav-file did not navigate in the same document: {data}")
    return {
        "interactive_ms": round(marks["click"], 1),
        "ready_ms": round(marks["ready"], 1) if "ready" in marks else None,
        "file_screen_ms": round(marks["page-file"], 1),
        "home_rendered_ms": round(marks["page-home"], 1) if "page-home" in marks else None,
        "fcp_ms": round(data["paint"]["first-contentful-paint"], 1)
        if "first-contentful-paint" in data["paint"]
        else None,
        "load_event_ms": round(data["nav"]["load"], 1) if data["nav"] else None,
        # main-thread tasks over 50 ms that started before the click: [start ms, duration ms]
        "long_tasks_before_click": [t for t in data["longTasks"] if t[0] < marks["click"]],
        "wall_goto_to_file_screen_ms": round(wall, 1),
        "from_service_worker": bool(resp and resp.from_service_worker),
        "controlled": data["controlled"],
    }


class _NetLog:
    """The page target's own requests over CDP (the service worker's fetches are another target)."""

    def __init__(self, cdp: Any) -> None:
        self.urls: dict[str, str] = {}
        self.bytes: dict[str, int] = {}
        self.failed: set[str] = set()
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.loadingFinished", self._done)
        cdp.on("Network.loadingFailed", lambda e: self.failed.add(e["requestId"]))

    def _sent(self, e: dict[str, Any]) -> None:
        self.urls[e["requestId"]] = e["request"]["url"]

    def _done(self, e: dict[str, Any]) -> None:
        self.bytes[e["requestId"]] = int(e.get("encodedDataLength", 0))

    def total(self) -> int:
        return sum(self.bytes.values())

    def paths(self) -> list[str]:
        return [u.split("://", 1)[-1].split("/", 1)[-1] for u in self.urls.values()]


def _new_context(browser: Browser) -> BrowserContext:
    ctx = browser.new_context(**CONTEXT_ARGS)
    ctx.set_default_timeout(STEP_TIMEOUT_MS)
    return ctx


def _wait_sw(page: Page) -> None:
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("!!navigator.serviceWorker.controller", timeout=STEP_TIMEOUT_MS)


def first_load_run(browser: Browser, live: Live, cpu: int) -> dict[str, Any]:
    ctx = _new_context(browser)
    try:
        page = ctx.new_page()
        page.add_init_script(MARKS_JS)
        cdp = ctx.new_cdp_session(page)
        net = _NetLog(cdp)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", SLOW_3G)
        if cpu > 1:
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": cpu})
        t0 = time.monotonic()
        out = _interact(page, live.url)
        page_bytes_at_interactive = net.total()
        page_paths_at_interactive = net.paths()
        # then let the service worker install (it precaches the build) and the network go quiet
        t_sw = time.monotonic()
        _wait_sw(page)
        out["sw_ready_after_file_screen_ms"] = round((time.monotonic() - t_sw) * 1000, 1)
        page.wait_for_timeout(1500)
        hits = live.recorder.since(t0)
        page_paths = net.paths()
        out |= {
            "page_transferred_bytes_at_interactive": page_bytes_at_interactive,
            "page_requests_at_interactive": page_paths_at_interactive,
            "page_transferred_bytes_total": net.total(),
            "page_requests_total": page_paths,
            "server_hits": [
                {
                    "path": h.path,
                    "status": h.status,
                    "encoding": h.encoding,
                    "body_bytes": h.body_bytes,
                    "t_ms": round((h.t - t0) * 1000, 1),
                }
                for h in hits
            ],
            "server_body_bytes_total": sum(h.body_bytes for h in hits),
        }
        cdp.detach()
        return out
    finally:
        ctx.close()


def offline_run(browser: Browser, live: Live, cpu: int) -> dict[str, Any]:
    ctx = _new_context(browser)
    try:
        page = ctx.new_page()
        page.goto(live.url + "/", wait_until="load")
        page.get_by_test_id("page-home").wait_for(state="visible")
        _wait_sw(page)
        page.wait_for_timeout(500)  # let the first sync/orgs/regions calls settle into IndexedDB
        page.close()
        ctx.set_offline(True)
        page = ctx.new_page()
        page.add_init_script(MARKS_JS)
        cdp = ctx.new_cdp_session(page)
        if cpu > 1:
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": cpu})
        t0 = time.monotonic()
        out = _interact(page, live.url)
        out["server_hits_while_offline"] = len(live.recorder.since(t0))
        if not out["from_service_worker"]:
            raise BenchError(f"offline start was not answered by the service worker: {out}")
        cdp.detach()
        return out
    finally:
        ctx.close()


def lazy_when_used(browser: Browser, live: Live) -> dict[str, Any]:
    """No throttling: open /, then the scanner screen via its tile; which chunks does the page fetch?"""
    ctx = _new_context(browser)
    try:
        page = ctx.new_page()
        cdp = ctx.new_cdp_session(page)
        net = _NetLog(cdp)
        cdp.send("Network.enable")
        page.goto(live.url + "/", wait_until="load")
        page.get_by_test_id("nav-scan").click()
        page.get_by_test_id("page-scan").wait_for(state="visible")
        page.wait_for_timeout(1000)
        fetched = [p for p in net.paths() if any(k in p for k in SCANNER_COCKPIT)]
        cdp.detach()
        return {"after_opening_scan": sorted(set(fetched))}
    finally:
        ctx.close()


def _lazy_names(sizes: dict[str, Any]) -> list[str]:
    return [Path(f["path"]).name for f in sizes["lazy"] if Path(f["path"]).name.startswith(SCANNER_COCKPIT)]


def _markdown(res: dict[str, Any]) -> str:
    s = res["sizes"]["shell_total"]
    fl = res["first_load"]
    off = res["offline_start"]

    def ms(d: dict[str, Any], k: str) -> str:
        v = d.get(k, {}).get("median")
        return "–" if v is None else f"{v:,.0f} ms"

    lines = [
        f"Measured {res['date']} · {res['machine']['cores']} cores · {res['machine']['chromium']} · "
        f"playwright {res['machine']['playwright']}",
        "",
        "| budget | measured | met? |",
        "|---|---|---|",
        f"| app shell ≤ {SHELL_BUDGET_KB} KB gzip | {s['gzip9'] / 1000:.1f} KB gzip-9 "
        f"({s['raw'] / 1000:.1f} KB raw) | {'yes' if res['budgets']['shell'] else 'NO'} |",
        f"| scanner/cockpit code only when used | page requests on first load of `/`: "
        f"{', '.join(res['lazy_check']['page_requested']) or 'none'} | "
        f"{'yes' if res['budgets']['lazy'] else 'NO'} |",
    ]
    for name, part, budget in (
        ("first load, slow 3G, ≤ 5 s", fl, "first_load"),
        ("offline start, ≤ 1 s", off, "offline"),
    ):
        for cpu_key, label in (("cpu1", "CPU as is"), ("cpu4", f"CPU {CPU_SLOWDOWN}× slower")):
            d = part[cpu_key]
            met = "yes" if res["budgets"][f"{budget}_{cpu_key}"] else "NO"
            lines.append(
                f"| {name} ({label}) | {ms(d, 'interactive_ms')} (home shown {ms(d, 'home_rendered_ms')}, "
                f"FCP {ms(d, 'fcp_ms')}) | {met} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.pwa", description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="runs per scenario (median reported)")
    ap.add_argument("--budget", type=float, default=900, help="stop with an error after this many seconds")
    args = ap.parse_args(argv)
    if not (DIST / "index.html").is_file():
        print(
            f"{DIST / 'index.html'} is missing: run `make pwa` (this benchmark builds nothing)",
            file=sys.stderr,
        )
        return 2
    if not Path(CHROMIUM).exists():
        print(f"Chromium not found at {CHROMIUM}: run `make browsers` or set CHROMIUM_PATH", file=sys.stderr)
        return 2
    deadline = time.monotonic() + args.budget

    def check_time() -> None:
        if time.monotonic() > deadline:
            raise BenchError(f"over the --budget of {args.budget:.0f} s")

    sizes = measure(DIST)
    lazy_names = _lazy_names(sizes)
    load_before = os.getloadavg()
    res: dict[str, Any] = {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "sizes": sizes}
    with live_server(DIST) as live, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            res["machine"] = {
                "cores": os.cpu_count(),
                "chromium": f"Chromium {browser.version}",
                "playwright": _pw_version(),
                "python": platform.python_version(),
                "loadavg_1m_before": round(load_before[0], 2),
            }
            first: dict[str, Any] = {}
            offline: dict[str, Any] = {}
            for cpu in (1, CPU_SLOWDOWN):
                runs = []
                for i in range(args.runs):
                    check_time()
                    r = first_load_run(browser, live, cpu)
                    print(
                        f"first load cpu×{cpu} run {i + 1}: interactive {r['interactive_ms']:.0f} ms, "
                        f"FCP {r['fcp_ms']} ms, page bytes {r['page_transferred_bytes_at_interactive']:,}",
                        flush=True,
                    )
                    runs.append(r)
                first[f"cpu{cpu}"] = {
                    k: _summary(runs, k)
                    for k in (
                        "interactive_ms",
                        "ready_ms",
                        "file_screen_ms",
                        "home_rendered_ms",
                        "fcp_ms",
                        "load_event_ms",
                        "page_transferred_bytes_at_interactive",
                        "page_transferred_bytes_total",
                        "server_body_bytes_total",
                        "sw_ready_after_file_screen_ms",
                    )
                } | {"runs": runs}
            for cpu in (1, CPU_SLOWDOWN):
                runs = []
                for i in range(args.runs):
                    check_time()
                    r = offline_run(browser, live, cpu)
                    print(
                        f"offline start cpu×{cpu} run {i + 1}: interactive {r['interactive_ms']:.0f} ms, "
                        f"FCP {r['fcp_ms']} ms",
                        flush=True,
                    )
                    runs.append(r)
                offline[f"cpu{cpu}"] = {
                    k: _summary(runs, k)
                    for k in (
                        "interactive_ms",
                        "ready_ms",
                        "file_screen_ms",
                        "home_rendered_ms",
                        "fcp_ms",
                        "load_event_ms",
                    )
                } | {"runs": runs}
            check_time()
            used = lazy_when_used(browser, live)
        finally:
            browser.close()

    all_first = [r for k in ("cpu1", "cpu4") for r in first[k]["runs"]]
    page_requested = sorted(
        {n for r in all_first for p in r["page_requests_total"] for n in lazy_names if n in p}
    )
    sw_fetched = sorted(
        {n for r in all_first for h in r["server_hits"] for n in lazy_names if n in h["path"]}
        - set(page_requested)
    )
    res["lazy_check"] = {
        "lazy_chunk_names": lazy_names,
        "page_requested": page_requested,
        "fetched_by_service_worker_precache": sw_fetched,
        "when_used": used,
    }
    res["first_load"] = first
    res["offline_start"] = offline
    res["network"] = {
        "Network.emulateNetworkConditions": SLOW_3G,
        "Emulation.setCPUThrottlingRate": CPU_SLOWDOWN,
        "note": "CDP throttling on the page target only: per-request latency plus a throughput cap, an "
        "approximation of a real 3G link; the service worker's own fetches are not throttled",
    }
    res["budgets"] = {
        "shell": sizes["shell_total"]["gzip9"] <= SHELL_BUDGET_KB * 1000,
        "lazy": not page_requested,
        "first_load_cpu1": first["cpu1"]["interactive_ms"]["median"] <= FIRST_LOAD_BUDGET_MS,
        "first_load_cpu4": first["cpu4"]["interactive_ms"]["median"] <= FIRST_LOAD_BUDGET_MS,
        "offline_cpu1": offline["cpu1"]["interactive_ms"]["median"] <= OFFLINE_BUDGET_MS,
        "offline_cpu4": offline["cpu4"]["interactive_ms"]["median"] <= OFFLINE_BUDGET_MS,
    }
    res["machine"]["loadavg_1m_after"] = round(os.getloadavg()[0], 2)
    res["git_head"] = _git_head()
    res["command"] = ".venv/bin/python -m bench.pwa" + (f" --runs {args.runs}" if args.runs != 5 else "")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "pwa.json").write_text(json.dumps(res, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    md = _markdown(res)
    (RESULTS / "pwa.md").write_text(md, encoding="utf-8")
    print(md)
    return 0


def _git_head() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"


def _pw_version() -> str:
    try:
        out = subprocess.run(
            [sys.executable, "-m", "playwright", "--version"], capture_output=True, text=True, timeout=30
        )
        return out.stdout.strip().removeprefix("Version ")
    except (OSError, subprocess.SubprocessError):
        return "?"
