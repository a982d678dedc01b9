"""The server serves the built PWA: right types, hashed assets cached forever, the worker never."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from server.app import create_app
from server.settings import Settings


@pytest.fixture
def pwa_client(settings: Settings, tmp_path: Path) -> Iterator[TestClient[Any]]:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>解纷</title>", encoding="utf-8")
    (dist / "assets" / "index-abc123.js").write_text("console.log(1)")
    (dist / "sw.js").write_text("self.addEventListener('fetch', () => {})")
    (dist / "manifest.webmanifest").write_text('{"name": "解纷"}')
    (dist / "icons").mkdir()
    (dist / "icons" / "icon-192.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    (dist / "assets" / "big-abc123.js").write_text("console.log('解纷');\n" * 200)
    with TestClient(
        create_app(
            Settings(
                database_url=settings.database_url,
                pwa_dist=dist,
                var_dir=tmp_path / "var",
                scheduler_interval_s=0,
            )
        )
    ) as c:
        yield c


def test_index_and_spa_routes_get_the_app_shell(pwa_client: TestClient[Any]) -> None:
    for path in ("/", "/cases/abc", "/t/JF-330522-2026-7K3M9Q5"):
        r = pwa_client.get(path)
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/html")
        assert "attachment" not in r.headers.get("content-disposition", "")
        assert r.headers["cache-control"] == "no-cache"
        assert "解纷" in r.text


def test_head_answers_like_get_without_a_body(pwa_client: TestClient[Any]) -> None:
    """Uptime checks and link previews send HEAD to the app's pages."""
    for path in ("/", "/cases/abc", "/sw.js"):
        got, headed = pwa_client.get(path), pwa_client.head(path)
        assert headed.status_code == 200 and headed.content == b""
        assert headed.headers["content-type"] == got.headers["content-type"]
        assert headed.headers["cache-control"] == got.headers["cache-control"]
    assert pwa_client.head("/assets/missing.js").status_code == 404
    assert pwa_client.head("/api/v1/nothing-here").status_code == 404


def test_hashed_assets_are_immutable_and_typed(pwa_client: TestClient[Any]) -> None:
    r = pwa_client.get("/assets/index-abc123.js")
    assert r.headers["content-type"].startswith("text/javascript")
    assert "immutable" in r.headers["cache-control"]
    assert pwa_client.get("/assets/missing.js").status_code == 404


def test_service_worker_is_never_cached(pwa_client: TestClient[Any]) -> None:
    r = pwa_client.get("/sw.js")
    assert r.headers["content-type"].startswith("text/javascript")
    assert "no-store" in r.headers["cache-control"]
    assert pwa_client.get("/manifest.webmanifest").headers["content-type"] == "application/manifest+json"


def test_unknown_api_paths_are_404_not_the_app(pwa_client: TestClient[Any]) -> None:
    r = pwa_client.get("/api/v1/nothing-here")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/json")


def test_text_is_gzipped_and_images_are_not(pwa_client: TestClient[Any]) -> None:
    js = pwa_client.get("/assets/big-abc123.js", headers={"Accept-Encoding": "gzip"})
    assert js.headers.get("content-encoding") == "gzip"  # 2G/3G: every byte of the shell counts
    png = pwa_client.get("/icons/icon-192.png", headers={"Accept-Encoding": "gzip"})
    assert png.status_code == 200
    assert "content-encoding" not in png.headers  # already compressed: gzip would only cost CPU
    assert png.headers["content-type"] == "image/png"
