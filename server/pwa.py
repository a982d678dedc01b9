"""Serve the built PWA (``pwa/dist``) at ``/``.

Caching: Vite's hashed assets never change, so they are cached for a year; the service worker and
``index.html`` are revalidated on every load so an update reaches phones on their next visit.
Any other path that is not an API path gets ``index.html`` (the app's router takes over).
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from litestar import Response, get, head
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import FromPath
from litestar.response import File

from server.settings import Settings

_IMMUTABLE = "public, max-age=31536000, immutable"
_REVALIDATE = "no-cache"
_NEVER = "no-cache, no-store, must-revalidate"
_RESERVED = ("api/", "schema")


def cache_control_for(rel: str) -> str:
    if rel.startswith("assets/"):
        return _IMMUTABLE
    if rel in {"sw.js", "registerSW.js"} or rel.startswith("workbox-"):
        return _NEVER
    if rel in {"index.html", "manifest.webmanifest"}:
        return _REVALIDATE
    return "public, max-age=86400"


_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".webmanifest": "application/manifest+json",
    ".css": "text/css",
    ".html": "text/html",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".txt": "text/plain",
}


def _file(path: Path, rel: str) -> File:
    media = _TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return File(
        path=path,
        filename=path.name,
        media_type=media,
        content_disposition_type="inline",
        headers={"Cache-Control": cache_control_for(rel)},
    )


@get(["/", "/{path:path}"], operation_id="pwa", include_in_schema=False, sync_to_thread=False)
def serve_pwa(settings: NamedDependency[Settings], path: FromPath[str] = "") -> File | Response[str]:
    """The built app's file at ``path``, else ``index.html``; 404 for API-like paths."""
    return _pwa(settings, path)


@head(["/", "/{path:path}"], operation_id="pwaHead", include_in_schema=False, sync_to_thread=False)
def serve_pwa_head(settings: NamedDependency[Settings], path: FromPath[str] = "") -> File:
    """``HEAD`` answers like ``GET`` without the body (uptime checks and link previews use it)."""
    found = _pwa(settings, path)
    if isinstance(found, File):
        return found
    raise HTTPException(status_code=found.status_code, detail="前端尚未构建")


def _pwa(settings: Settings, path: str) -> File | Response[str]:
    dist = settings.pwa_dist.resolve()
    rel = path.lstrip("/")
    if rel.startswith(_RESERVED):
        raise NotFoundException("接口不存在")
    target = (dist / rel).resolve() if rel else dist / "index.html"
    if rel and target.is_file() and target.is_relative_to(dist):
        return _file(target, rel)
    if rel.startswith("assets/"):
        raise NotFoundException("文件不存在")
    index = dist / "index.html"
    if not index.is_file():
        return Response(
            "<!doctype html><meta charset=utf-8><title>解纷</title>"
            "<p>前端尚未构建：请先运行 <code>make pwa</code>（npm ci && npm run build）。</p>",
            media_type="text/html",
            status_code=503,
        )
    return _file(index, "index.html")
