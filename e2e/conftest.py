"""Browser tests: Debian's Chromium under pytest-playwright, against a live server serving the BUILT PWA.

One server per session (a fresh SQLite database seeded with the demo county); every test opens its
own browser context, so tests share no browser state. Cases are told apart by their codes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from server.app import create_app
from server.db import Database
from server.migrate import upgrade
from server.registry.seed import seed_demo
from server.settings import Settings
from tests.liveserver import serve_app
from tests.synctools import Device

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "pwa" / "dist"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/lib/chromium/chromium")
CHROMIUM_ARGS = ["--disable-gpu", "--disable-sync", "--disable-quic", "--no-pings"]
DEMO_PASSWORD = "jiefen-demo"
VILLAGE = "330522001008"  # 雉城社区, the demo village
VILLAGE_ORG_NAME = "雉城社区人民调解委员会"
TOWN_ORG_NAME = "雉城街道人民调解委员会"

expect.set_options(timeout=15_000)


# --- Chromium ---------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make browsers` or set CHROMIUM_PATH")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "zh-CN", "viewport": {"width": 412, "height": 860}}


# --- the live server -------------------------------------------------------------------------
@dataclass
class LiveServer:
    url: str
    settings: Settings

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=20)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    if not (DIST / "index.html").is_file():
        pytest.fail(f"{DIST / 'index.html'} is missing: run `make pwa` (the e2e tests use the built PWA)")
    tmp = tmp_path_factory.mktemp("live")
    url_db = f"sqlite:///{tmp / 'e2e.sqlite3'}"
    upgrade(url_db)
    db = Database(url_db)
    seed_demo(db)
    db.dispose()

    with serve(
        lambda base: Settings(
            database_url=url_db,
            pwa_dist=DIST,
            var_dir=tmp / "var",
            base_url=base,
            scheduler_interval_s=0.5,
            device_rate_per_hour=10_000,  # every browser context registers an anonymous device
            trace_rate_per_minute=10_000,
        )
    ) as live:
        yield live


@contextmanager
def serve(make_settings: Callable[[str], Settings]) -> Iterator[LiveServer]:
    """Run the app on a free port of 127.0.0.1 in a thread until the block ends."""
    made: list[Settings] = []

    def make_app(base: str) -> Any:
        made.append(make_settings(base))
        return create_app(made[0])

    with serve_app(make_app) as base:
        yield LiveServer(base, made[0])


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    return live_server.url


# --- API helpers (filing a case the way a device does) ------------------------------------------
@dataclass
class FiledCase:
    key: str
    code: str
    token: str
    device: Device


def login_headers(http: httpx.Client, username: str) -> dict[str, str]:
    r = http.post("/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


@pytest.fixture
def http(live_server: LiveServer) -> Iterator[httpx.Client]:
    with live_server.client() as client:
        yield client


@pytest.fixture
def file_case_api(live_server: LiveServer) -> Iterator[Callable[..., FiledCase]]:
    """File a case through the sync API as an anonymous citizen device (with two named parties)."""
    http = live_server.client()

    def make(summary: str = "邻居家的狗天天夜里叫，影响休息", applicant: str = "张三丰") -> FiledCase:
        r = http.post("/api/v1/devices")
        assert r.status_code == 201, r.text
        dev = Device(http, {"Authorization": f"Bearer {r.json()['token']}"})  # type: ignore[arg-type]
        key = f"e2e{os.urandom(8).hex()}"
        code, token = dev.file_case(key, summary, region=VILLAGE, applicants=1)
        for role, name in (("applicant", applicant), ("respondent", "李四光")):
            pk = f"p{os.urandom(8).hex()}"
            dev.put("party", pk, "case", key)
            dev.put("party", pk, "role", role)
            dev.put("party", pk, "name", name)
            dev.put("party", pk, "phone", "13812345678")
        body = dev.sync()
        assert not body["rejected"], body["rejected"]
        assert (dev.view("case", key) or {}).get("status") == "assigned"
        return FiledCase(key, code, token, dev)

    yield make
    http.close()


# --- page helpers ---------------------------------------------------------------------------------
def wait_offline_ready(page: Page) -> None:
    """The service worker controls the page and the app says "可离线使用"."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    expect(page.get_by_test_id("offline-ready")).to_contain_text("可离线使用")


def staff_login(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(DEMO_PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(lambda url: "/login" not in url)


@pytest.fixture
def new_page(context: BrowserContext) -> Callable[[], Page]:
    return context.new_page
