"""Settings that would fail later fail at start-up, in Chinese; ``jiefen check`` lists them all."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from server.cli import main
from server.db import Database, normalize_url
from server.settings import Settings
from server.settings_check import check_settings, errors


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "JIEFEN_DATABASE_URL": f"sqlite:///{tmp_path / 'j.sqlite3'}",
        "JIEFEN_VAR_DIR": str(tmp_path / "var"),
        "JIEFEN_BASE_URL": "http://127.0.0.1:18765",  # serve sets it when unset: restored after
        **extra,
    }


def test_a_vapid_subject_without_mailto_stops_serve_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[Any] = []
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: started.append(a))
    r = CliRunner().invoke(
        main,
        ["serve", "--port", "18765"],
        env=env_for(tmp_path, JIEFEN_VAPID_SUBJECT="admin@example.org"),
    )
    assert r.exit_code == 1
    assert "配置有误，服务未启动" in r.output
    assert "JIEFEN_VAPID_SUBJECT" in r.output and "mailto:" in r.output and "admin@example.org" in r.output
    assert "Traceback" not in r.output
    assert started == []


def test_serve_starts_when_the_settings_are_right(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[Any] = []
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: started.append(a))
    r = CliRunner().invoke(
        main,
        ["serve", "--port", "18766"],
        env=env_for(tmp_path, JIEFEN_VAPID_SUBJECT="mailto:ops@county.gov.cn"),
    )
    assert r.exit_code == 0, r.output
    assert len(started) == 1


@pytest.mark.parametrize(
    ("var", "value", "says"),
    [
        ("JIEFEN_VAPID_SUBJECT", "admin@example.org", "mailto:"),
        ("JIEFEN_VAPID_SUBJECT", "mailto:", "mailto:"),
        ("JIEFEN_VAPID_SUBJECT", "http://county.gov.cn", "https://"),
        ("JIEFEN_SMS_GATEWAY", "aliyun", "无法加载"),
        ("JIEFEN_SMS_GATEWAY", "no.such.module:Gateway", "无法加载"),
        ("JIEFEN_BASE_URL", "jiefen.county.gov.cn", "https://"),
        ("JIEFEN_BASE_URL", "https://jiefen.county.gov.cn/", "不应以 / 结尾"),
        ("JIEFEN_DATABASE_URL", "mysql://db/jiefen", "不支持的数据库驱动"),
        ("JIEFEN_DATABASE_URL", "not a url", "不是有效的数据库地址"),
        ("JIEFEN_ROUTING_CONFIG", "/nonexistent/routing.json", "无法读取"),
        ("JIEFEN_AREA", "33052", "6 位"),
        ("JIEFEN_AREA", "330500", "前缀"),
        ("JIEFEN_SYNC_MAX_OPS", "0", "正数"),
    ],
)
def test_each_bad_setting_is_named_in_chinese(tmp_path: Path, var: str, value: str, says: str) -> None:
    r = CliRunner().invoke(main, ["check"], env=env_for(tmp_path, **{var: value}))
    assert r.exit_code == 1, r.output
    line = next(x for x in r.output.splitlines() if x.startswith("✗"))
    assert var in line and says in line, r.output
    assert "Traceback" not in r.output


def test_a_number_that_is_not_one_is_refused_by_name(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["check"], env=env_for(tmp_path, JIEFEN_TOKEN_TTL_DAYS="半年"))
    assert r.exit_code == 1
    assert "JIEFEN_TOKEN_TTL_DAYS 应为整数，现为 “半年”" in r.output


def test_check_prints_every_setting(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    assert CliRunner().invoke(main, ["db", "upgrade"], env=env).exit_code == 0
    r = CliRunner().invoke(main, ["check"], env=env)
    assert r.exit_code == 0, r.output
    for name in (
        "JIEFEN_DATABASE_URL",
        "JIEFEN_BASE_URL",
        "JIEFEN_VAPID_SUBJECT",
        "VAPID 密钥",
        "JIEFEN_SMS_GATEWAY",
        "JIEFEN_ROUTING_CONFIG",
    ):
        assert name in r.output
    assert "尚未生成" in r.output  # the check reads the key, never makes one
    assert "配置检查通过" in r.output


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("sqlite+aiosqlite:///x.db", "sqlite:///x.db"),
        ("postgresql+asyncpg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg2://u@h/db", "postgresql+psycopg://u@h/db"),
    ],
)
def test_async_driver_urls_run_on_the_sync_driver(given: str, used: str) -> None:
    assert normalize_url(given) == used
    statuses = check_settings(Settings(database_url=given), keys=False)
    assert errors(statuses) == []


def test_an_aiosqlite_url_really_serves(tmp_path: Path) -> None:
    from server.migrate import upgrade

    url = f"sqlite+aiosqlite:///{tmp_path / 'a.sqlite3'}"
    upgrade(url)
    db = Database(url)
    try:
        with db.read_session() as s:
            assert s.connection().dialect.name == "sqlite"
    finally:
        db.dispose()
