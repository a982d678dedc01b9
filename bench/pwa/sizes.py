"""Sizes of the built PWA: the app shell (what first paint needs) and the lazily loaded chunks.

The shell is ``index.html`` plus every ``<script src>``, ``<link rel=stylesheet>`` and
``<link rel=modulepreload>`` in it, plus whatever those scripts import *statically*
(``import … from "./x.js"`` / ``import "./x.js"``), followed recursively. Dynamic ``import()`` targets
are not part of the shell. Each file is gzipped on its own at level 9 (brotli quality 11 too when the
``brotli`` module is importable).
"""

from __future__ import annotations

import gzip
import re
from dataclasses import asdict, dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

try:  # optional
    import brotli  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on the environment
    brotli = None

# the lazily loaded code the issue names, by chunk-name prefix
LAZY_KINDS = {
    "Scan-": "scanner (screen)",
    "jsQR-": "scanner (jsQR decoder)",
    "Cockpit-": "cockpit (screen + ECharts)",
    "workbox-window": "service-worker registration (loaded after first render)",
    "rolldown-runtime": "bundler runtime shared by the lazy chunks",
}
SCANNER_COCKPIT = ("Scan-", "jsQR-", "Cockpit-")

_STATIC_IMPORT = re.compile(rb"""(?:\bfrom|\bimport)\s*["'](\./[^"']+\.js)["']""")


class _ShellParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str]] = []  # (kind, url)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "script" and a.get("src"):
            self.refs.append(("script", a["src"]))
        elif tag == "link":
            rel = set(a.get("rel", "").lower().split())
            if "stylesheet" in rel and a.get("href"):
                self.refs.append(("stylesheet", a["href"]))
            elif "modulepreload" in rel and a.get("href"):
                self.refs.append(("modulepreload", a["href"]))


@dataclass
class FileSize:
    path: str  # relative to dist
    kind: str
    raw: int
    gzip9: int
    brotli11: int | None


def _measure(dist: Path, rel: str, kind: str) -> FileSize:
    data = (dist / rel).read_bytes()
    br = len(brotli.compress(data, quality=11)) if brotli is not None else None
    return FileSize(rel, kind, len(data), len(gzip.compress(data, compresslevel=9, mtime=0)), br)


def _static_imports(dist: Path, rel: str) -> list[str]:
    base = (dist / rel).parent
    out = []
    for m in _STATIC_IMPORT.finditer((dist / rel).read_bytes()):
        target = (base / m.group(1).decode()).resolve()
        out.append(target.relative_to(dist.resolve()).as_posix())
    return out


def shell_files(dist: Path) -> list[tuple[str, str]]:
    """(relative path, kind) of everything first paint needs, index.html first."""
    parser = _ShellParser()
    parser.feed((dist / "index.html").read_text(encoding="utf-8"))
    found: list[tuple[str, str]] = [("index.html", "document")]
    seen = {"index.html"}
    queue = [(url.split("?")[0].lstrip("/"), kind) for kind, url in parser.refs]
    for _ in range(1000):  # bounded walk of the static import graph
        if not queue:
            break
        rel, kind = queue.pop(0)
        if rel in seen or not (dist / rel).is_file():
            continue
        seen.add(rel)
        found.append((rel, kind))
        if rel.endswith(".js"):
            queue.extend((dep, "static import") for dep in _static_imports(dist, rel))
    return found


def lazy_kind(name: str) -> str:
    for prefix, kind in LAZY_KINDS.items():
        if name.startswith(prefix):
            return kind
    return "other lazy chunk"


def measure(dist: Path) -> dict[str, Any]:
    shell = [_measure(dist, rel, kind) for rel, kind in shell_files(dist)]
    in_shell = {f.path for f in shell}
    lazy = [
        _measure(dist, p.relative_to(dist).as_posix(), lazy_kind(p.name))
        for p in sorted((dist / "assets").iterdir())
        if p.suffix in {".js", ".css"} and p.relative_to(dist).as_posix() not in in_shell
    ]
    sw = _measure(dist, "sw.js", "service worker") if (dist / "sw.js").is_file() else None
    return {
        "method": "each file gzipped alone with Python gzip level 9"
        + ("; brotli quality 11" if brotli is not None else "; brotli module not installed (skipped)"),
        "shell": [asdict(f) for f in shell],
        "shell_total": {
            "raw": sum(f.raw for f in shell),
            "gzip9": sum(f.gzip9 for f in shell),
            "brotli11": sum(f.brotli11 or 0 for f in shell) if brotli is not None else None,
        },
        "lazy": [asdict(f) for f in lazy],
        "service_worker": asdict(sw) if sw else None,
    }
