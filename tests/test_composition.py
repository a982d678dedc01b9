"""The composition root (server/core.py): every handler is registered and receives what it needs as
a declared dependency, every domain error maps to its status through the one table
(server/errors.py), the workers' lifespans start and stop them, and `jiefen serve` migrates once."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import re
import sys
import typing
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from litestar import Litestar, get
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.handlers import HTTPRouteHandler
from litestar.testing import TestClient

import server
from server import errors
from server.accounts.service import AccountError
from server.agreement.pdf import FontMissing
from server.casecode import InvalidCaseCode
from server.consult.content import GuidanceError
from server.core import Components, Running, components_of, running_of
from server.notify.channels import SmsError
from server.notify.service import PushError
from server.qr.service import PosterError
from server.refusals import ProblemsError, StatusError
from server.registry.area import AreaError
from server.routing.classify import RulesError
from server.routing.config_file import ConfigError
from server.routing.holidays import ArrangementError
from server.routing.linear_model import ModelError
from server.settings import Settings, SettingsError
from tests.conftest import login, new_device

SERVER = Path(server.__file__).parent
# Imported for their side effect elsewhere: asgi builds an app from the environment.
_NOT_WALKED = {"server.asgi"}


def _server_modules() -> list[Any]:
    return [
        importlib.import_module(m.name)
        for m in pkgutil.walk_packages(server.__path__, "server.")
        if m.name not in _NOT_WALKED
    ]


def _domain_errors() -> set[type[Exception]]:
    """Every exception class defined in server/ except Litestar's own HTTP errors (ApiError)."""
    return {
        obj
        for mod in _server_modules()
        for obj in vars(mod).values()
        if inspect.isclass(obj)
        and issubclass(obj, Exception)
        and obj.__module__ == mod.__name__
        and not issubclass(obj, HTTPException)
    }


# -- no service locator -----------------------------------------------------------------------------


def test_no_handler_reaches_into_app_state() -> None:
    offenders = [
        f"{path.relative_to(SERVER.parent)}:{n}"
        for path in SERVER.rglob("*.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"state\.services|app_state\(|\.state\.jiefen", line)
    ]
    assert offenders == []
    assert importlib.util.find_spec("server.state") is None  # the AppState bag is gone


def _handlers(app: Litestar) -> list[HTTPRouteHandler]:
    return [
        h
        for route in app.routes
        for h in getattr(route, "route_handlers", [])
        if isinstance(h, HTTPRouteHandler)
    ]


def _fn(handler: HTTPRouteHandler) -> Any:
    """The function as written (Litestar wraps the ones it runs in its thread pool)."""
    fn: Any = handler.fn
    while hasattr(fn, "func"):
        fn = fn.func
    return fn


def test_every_dependency_a_handler_names_is_declared_and_provided(client: TestClient[Any]) -> None:
    app = client.app
    provided = set(app.dependencies)
    parts = typing.get_type_hints(Components)
    assert set(parts) <= provided  # each component is a dependency of its own name
    named = NamedDependency[int].__metadata__  # type: ignore[attr-defined]
    checked = 0
    for handler in _handlers(app):
        for name, field in handler.parsed_fn_signature.parameters.items():
            if name not in parts:
                continue
            # Declared, so that a missing provider is a start-up error rather than a query parameter.
            assert field.is_annotated and field.metadata == named, (handler, name)
            assert field.annotation is parts[name], (handler, name, field.annotation)
            checked += 1
    assert checked > 50


def test_every_route_handler_of_every_module_is_registered(client: TestClient[Any]) -> None:
    registered = {_fn(h) for h in _handlers(client.app)}
    for mod in _server_modules():
        for h in getattr(mod, "route_handlers", []):
            handlers = h.get_route_handlers() if inspect.isclass(h) else [h]
            for one in handlers:
                assert getattr(one.fn, "func", one.fn) in registered, (mod.__name__, one)


def test_the_routes_served_are_the_routes_documented(client: TestClient[Any]) -> None:
    app = client.app
    served = {
        route.path
        for route in app.routes
        if not route.path.startswith("/schema") and route.path not in ("/", "/{path:path}")
    }
    documented = {re.sub(r"\{(\w+)\}", r"{\1:str}", p) for p in app.openapi_schema.paths or {}}
    # OpenAPI drops the converter; the router keeps it: compare without it.
    strip = lambda paths: {re.sub(r"\{(\w+):\w+\}", r"{\1}", p) for p in paths}  # noqa: E731
    assert strip(served) == strip(documented)
    assert len(served) >= 35


# -- the error table --------------------------------------------------------------------------------


def test_every_domain_error_in_server_has_an_entry() -> None:
    found = _domain_errors()
    assert AccountError in found and RulesError in found  # the walk sees the domains
    assert found <= set(errors.REFUSALS), found - set(errors.REFUSALS)
    codes = [r.code for r in errors.REFUSALS.values()]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"[a-z_]+", c) for c in codes)


# One instance of each error and the answer the table gives it (status, detail, extra).
SAMPLES: list[tuple[Exception, int, str, dict[str, Any] | None]] = [
    (StatusError(418, "不行"), 418, "不行", None),
    (ProblemsError(["缺少版本"]), 400, "内容有误，未生效：缺少版本", {"errors": ["缺少版本"]}),
    (AccountError(409, "用户名已存在：li"), 409, "用户名已存在：li", None),
    (PosterError(404, "未找到该行政区划"), 404, "未找到该行政区划", None),
    (PushError("订阅信息不完整"), 400, "订阅信息不完整", None),
    (
        RulesError(["第 1 条：缺少关键词"]),
        400,
        "规则有误，未生效：第 1 条：缺少关键词",
        {"errors": ["第 1 条：缺少关键词"]},
    ),
    (ArrangementError(["a", "b"]), 400, "放假安排有误，未载入：a；b", {"errors": ["a", "b"]}),
    (GuidanceError(["缺少类别"]), 400, "咨询内容有误，未生效：缺少类别", {"errors": ["缺少类别"]}),
    (ModelError("权重缺失"), 400, "模型有误，未发布：权重缺失", None),
    (InvalidCaseCode("案件码格式不对：'x'"), 400, "案件码格式不对：'x'", None),
    (AreaError("33"), 403, "您的账号所属区域不在本平台服务范围内", None),
    (
        FontMissing("找不到中文字体 /x.ttf"),
        503,
        "服务器缺少中文字体，暂时无法生成协议书：找不到中文字体 /x.ttf",
        None,
    ),
    (SettingsError("JIEFEN_X"), 500, "服务器内部错误", None),
    (ConfigError("bad"), 500, "服务器内部错误", None),
    (SmsError("gateway down", retry=True), 500, "服务器内部错误", None),
]


def test_the_samples_cover_the_table() -> None:
    assert {type(e) for e, *_ in SAMPLES} == set(errors.REFUSALS)


@pytest.mark.parametrize(("exc", "status", "detail", "extra"), SAMPLES, ids=lambda v: type(v).__name__)
def test_a_raised_domain_error_answers_as_the_table_says(
    exc: Exception, status: int, detail: str, extra: dict[str, Any] | None
) -> None:
    @get("/boom", sync_to_thread=False)
    def boom() -> None:
        raise exc

    app = Litestar([boom], exception_handlers=errors.exception_handlers())
    with TestClient(app) as c:
        r = c.get("/boom")
    want: dict[str, Any] = {"status_code": status, "detail": detail}
    if extra is not None:
        want["extra"] = extra
    assert (r.status_code, r.json()) == (status, want)


def test_real_requests_answer_domain_errors_with_the_documented_status(client: TestClient[Any]) -> None:
    r = client.post("/api/v1/auth/login", json={"username": "admin", "password": "wrong-password"})
    assert (r.status_code, r.json()) == (
        401,
        {"status_code": 401, "detail": "用户名或密码错误"},
    )  # AccountError

    # A body of the declared shape (an empty one is a validation refusal) with an endpoint no push
    # service has.
    sub = {"endpoint": "ftp://push.example.com/x", "keys": {"p256dh": "x", "auth": "y"}}
    r = client.post("/api/v1/push/subscriptions", json=sub, headers=new_device(client))
    assert r.status_code == 400 and set(r.json()) == {"status_code", "detail"}  # PushError

    admin = login(client, "admin")
    r = client.put("/api/v1/rules", json={"version": "x"}, headers=admin)  # RulesError
    assert r.status_code == 400 and r.json()["detail"].startswith("规则有误，未生效：")
    assert r.json()["extra"]["errors"]

    r = client.put("/api/v1/holidays/2031", json={"year": 2031}, headers=admin)  # ArrangementError
    assert r.status_code == 400 and r.json()["detail"].startswith("放假安排有误，未载入：")
    assert r.json()["extra"]["errors"]

    r = client.put("/api/v1/consult/guidance", json={"version": "x"}, headers=admin)  # GuidanceError
    assert r.status_code == 400 and r.json()["detail"].startswith("咨询内容有误，未生效：")

    r = client.get("/api/v1/posters/330522999999.svg", headers=admin)  # PosterError
    assert (r.status_code, r.json()["detail"]) == (404, "未找到该行政区划")


# -- workers ----------------------------------------------------------------------------------------


def test_the_workers_lifespans_start_and_stop_them(settings: Settings) -> None:
    from server.app import create_app

    app = create_app(dataclasses.replace(settings, scheduler_interval_s=30, housekeeping_interval_s=3600))
    assert running_of(app) == Running()  # built, nothing started
    with TestClient(app):
        running = running_of(app)
        workers: list[Any] = [running.scheduler, running.push, running.sms, running.housekeeper]
        if settings.database_url.startswith("postgresql"):  # other processes' changes: PG only
            assert running.listener is not None and running.listener.connected.is_set()
            workers.append(running.listener)
        else:
            assert running.listener is None
        assert all(w is not None and w._thread is not None and w._thread.is_alive() for w in workers)
        threads = [w._thread for w in workers if w is not None and w._thread is not None]
        # The scheduler fires timers through the same routing service the handlers receive.
        assert running.scheduler is not None and running.scheduler.routing is components_of(app).routing
        assert components_of(app).sync_service.hooks is components_of(app).routing
    assert running_of(app) == Running()
    assert not any(t.is_alive() for t in threads)


def test_no_worker_runs_when_the_scheduler_is_off(settings: Settings) -> None:
    from server.app import create_app

    app = create_app(settings)  # the fixture's scheduler_interval_s=0
    with TestClient(app):
        running = running_of(app)
        assert (running.scheduler, running.push, running.sms, running.housekeeper) == (None,) * 4
        # The cache listener is not a poller: on PostgreSQL it runs whatever the scheduler does.
        assert (running.listener is not None) == settings.database_url.startswith("postgresql")
    assert running_of(app) == Running()


# -- migrations -------------------------------------------------------------------------------------


def test_serve_migrates_once(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from server import cli, migrate

    calls: list[str] = []
    monkeypatch.setattr(migrate, "upgrade", lambda url, revision="head": calls.append(url))

    def run(target: str, **_: Any) -> None:  # what uvicorn does with "server.asgi:app"
        sys.modules.pop("server.asgi", None)
        importlib.import_module(target.split(":")[0])

    monkeypatch.setattr("uvicorn.run", run)
    for key, value in {
        "JIEFEN_DATABASE_URL": settings.database_url,
        "JIEFEN_VAR_DIR": str(settings.var_dir),
        "JIEFEN_PWA_DIST": str(settings.pwa_dist),
        "JIEFEN_SCHEDULER_INTERVAL_S": "0",
    }.items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(cli.main, ["serve"])
    sys.modules.pop("server.asgi", None)
    assert result.exit_code == 0, result.output
    assert calls == [settings.database_url]
