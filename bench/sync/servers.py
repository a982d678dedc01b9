"""Server processes for the sync benchmark: Jiefen (SQLite or PostgreSQL) and pouchdb-server.

Every server is started in its own process group on a free 127.0.0.1 port and stopped by that
group's id (SIGTERM, then SIGKILL after a grace period), also when the benchmark fails or is
interrupted. CPU time is read from /proc for every process of the group, so a phase can report how
busy the server was next to how busy the load generator was.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
POUCH_DIR = Path(__file__).resolve().parent / "pouch"
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=test"
_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU seconds of every live process in process group ``pgid``."""
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                raw = f.read()
        except OSError:
            continue
        fields = raw[raw.rfind(b")") + 2 :].split()
        # fields[0] is state (field 3); pgrp is field 5, utime 14, stime 15
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / _TICKS


def machine_busy_seconds() -> float:
    """CPU seconds every process on the machine has used (all cores), from /proc/stat."""
    with open("/proc/stat") as f:
        vals = [int(x) for x in f.readline().split()[1:]]
    idle = vals[3] + (vals[4] if len(vals) > 4 else 0)
    return (sum(vals[:8]) - idle) / _TICKS


def wait_quiet(max_wait_s: float, busy_below: float = 0.3, window_s: float = 3.0) -> tuple[bool, float]:
    """Wait (at most ``max_wait_s``) until the machine uses under ``busy_below`` cores for a window.

    Other people's builds and tests share this machine; a phase measured while they run says more
    about them than about the server. Returns (quiet, cores busy in the last window).
    """
    deadline = time.monotonic() + max_wait_s
    while True:
        b0, t0 = machine_busy_seconds(), time.monotonic()
        time.sleep(window_s)
        busy = (machine_busy_seconds() - b0) / (time.monotonic() - t0)
        if busy < busy_below:
            return True, busy
        if time.monotonic() >= deadline:
            return False, busy


def client_cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


class Process:
    """A child process in its own group, stopped by group id."""

    name = "server"

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = free_port()
        self.tmp = Path(tempfile.mkdtemp(prefix="jf_bench_"))
        self.log_path = self.tmp / "server.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pgid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def cpu(self) -> float:
        return group_cpu_seconds(self.pgid) if self.proc is not None else 0.0

    def _spawn(self, argv: list[str], env: dict[str, str], cwd: Path) -> None:
        log = open(self.log_path, "wb")  # noqa: SIM115 — kept open for the child's lifetime
        self.proc = subprocess.Popen(
            argv, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()

    def wait_ready(self, path: str, timeout_s: float = 120.0) -> None:
        deadline = time.monotonic() + timeout_s
        with httpx.Client(timeout=2.0) as c:
            while time.monotonic() < deadline:
                assert self.proc is not None
                if self.proc.poll() is not None:
                    raise RuntimeError(f"{self.name} exited early:\n{self.log_tail()}")
                with contextlib.suppress(httpx.HTTPError):
                    if c.get(self.base_url + path).status_code == 200:
                        return
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready after {timeout_s:.0f} s:\n{self.log_tail()}")

    def log_tail(self, n: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=15)
        # uvicorn's worker processes share the group: make sure none is left behind
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc = None
        shutil.rmtree(self.tmp, ignore_errors=True)


class JiefenServer(Process):
    """``jiefen serve --demo`` on a fresh SQLite file or a fresh PostgreSQL database."""

    def __init__(self, backend: str, workers: int = 1) -> None:
        super().__init__()
        self.backend = backend
        self.workers = workers
        self.name = f"jiefen ({backend}, workers={workers})"
        self.pg_db: str | None = None

    def cpu(self) -> float:
        """The server's processes plus, on PostgreSQL, the backends serving its database."""
        own = super().cpu()
        if self.pg_db is None:
            return own
        import psycopg

        with psycopg.connect(PG_ADMIN) as conn:
            pids = [
                r[0]
                for r in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (self.pg_db,))
            ]
        for pid in pids:
            try:
                with open(f"/proc/{pid}/stat", "rb") as f:
                    raw = f.read()
            except OSError:
                continue
            fields = raw[raw.rfind(b")") + 2 :].split()
            own += (int(fields[11]) + int(fields[12])) / _TICKS
        return own

    def start(self) -> None:
        if self.backend == "sqlite":
            url = f"sqlite:///{self.tmp / 'jiefen.sqlite3'}"
        elif self.backend == "postgresql":
            self.pg_db = f"jf_bench_{secrets.token_hex(4)}"
            _pg_admin(f'CREATE DATABASE "{self.pg_db}"')
            url = f"postgresql://postgres@127.0.0.1:5432/{self.pg_db}"
        else:
            raise ValueError(self.backend)
        env = dict(os.environ)
        env.update(
            JIEFEN_DATABASE_URL=url,
            JIEFEN_VAR_DIR=str(self.tmp / "var"),
            JIEFEN_DEVICE_RATE_PER_HOUR="1000000",
            JIEFEN_SCHEDULER_INTERVAL_S="0",
        )
        argv = [sys.executable, "-m", "server.cli", "serve", "--demo", "--host", "127.0.0.1"]
        argv += ["--port", str(self.port), "--workers", str(self.workers)]
        self._spawn(argv, env, ROOT)
        self.wait_ready("/api/v1/health")

    def stop(self) -> None:
        try:
            super().stop()
        finally:
            if self.pg_db is not None:
                _pg_admin(f'DROP DATABASE IF EXISTS "{self.pg_db}" WITH (FORCE)')
                self.pg_db = None


class PouchServer(Process):
    """``pouchdb-server --in-memory`` from bench/sync/pouch/node_modules (npm ci there first)."""

    name = "pouchdb-server"

    def start(self) -> None:
        binary = POUCH_DIR / "node_modules" / ".bin" / "pouchdb-server"
        if not binary.exists():
            raise RuntimeError(f"pouchdb-server missing: run `npm ci` in {POUCH_DIR}")
        argv = [str(binary), "--in-memory", "--no-stdout-logs", "--host", "127.0.0.1"]
        argv += ["--port", str(self.port), "--config", str(self.tmp / "config.json")]
        # its log.txt lands in the working directory: keep it in the temp dir
        self._spawn(argv, dict(os.environ), self.tmp)
        self.wait_ready("/")


class Profiler:
    """``py-spy record`` on a server's process group while a phase runs (``--profile DIR``)."""

    def __init__(self, server: Process, out: Path) -> None:
        self.server, self.out = server, out
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Profiler:
        spy = Path(sys.executable).parent / "py-spy"
        if not spy.exists() or self.server.proc is None:
            return self
        self.out.parent.mkdir(parents=True, exist_ok=True)
        argv = [str(spy), "record", "--pid", str(self.server.proc.pid), "--subprocesses"]
        argv += ["--rate", "200", "--format", "raw", "--nonblocking", "-o", str(self.out)]
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.0)  # let it attach
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def versions() -> dict[str, Any]:
    """Versions of what is measured, for the results file."""
    from importlib import metadata

    out: dict[str, Any] = {"python": sys.version.split()[0]}
    for pkg in ("litestar", "uvicorn", "msgspec", "sqlalchemy", "psycopg", "httpx", "h11"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[pkg] = metadata.version(pkg)
    for pkg in ("uvloop", "httptools"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = None
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        out["node"] = subprocess.run(
            ["node", "--version"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
    with contextlib.suppress(OSError, ValueError):
        import json

        lock = json.loads((POUCH_DIR / "package-lock.json").read_text())
        out["pouchdb-server"] = lock["packages"]["node_modules/pouchdb-server"]["version"]
    with contextlib.suppress(Exception):
        import psycopg

        with psycopg.connect(PG_ADMIN) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            out["postgresql"] = row[0] if row else None
    import sqlite3

    out["sqlite"] = sqlite3.sqlite_version
    return out


def machine() -> dict[str, Any]:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = ""
    with contextlib.suppress(OSError):
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    return {"cores": os.cpu_count(), "cpu": cpu, "memory": mem, "loadavg_at_start": os.getloadavg()}


def git_rev() -> str:
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "server"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return rev + ("+dirty(server/)" if dirty else "")
