"""Start-up checks of the settings, in plain Chinese: a wrong value stops ``jiefen serve`` with the
reason instead of a traceback, or worse a server that runs and silently fails (e.g. every push
refused because the VAPID subject lacks ``mailto:``).

``check_settings`` is pure of side effects except importing an SMS gateway's module and reading the
routing config file; ``jiefen check`` prints every line, ``jiefen serve`` refuses to start on an
error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from server.db import normalize_url
from server.settings import Settings

Level = Literal["ok", "warn", "error"]


@dataclass(frozen=True)
class Status:
    """One setting's verdict: ``name`` is the environment variable, ``message`` Chinese."""

    name: str
    level: Level
    message: str


_EMAIL = re.compile(r"[^@\s:/]+@[^@\s:/]+\.[^@\s:/]+")
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def _database(s: Settings) -> Status:
    name = "JIEFEN_DATABASE_URL"
    try:
        mapped = normalize_url(s.database_url)
    except ValueError as e:
        return Status(name, "error", str(e))
    shown = make_url(mapped).render_as_string(hide_password=True)
    given = make_url(s.database_url).drivername
    if "+" in given and given != make_url(mapped).drivername and given != "sqlite+pysqlite":
        return Status(name, "warn", f"驱动 {given} 改用同步驱动：{shown}")
    return Status(name, "ok", shown)


def _base_url(s: Settings) -> Status:
    name = "JIEFEN_BASE_URL"
    u = urlsplit(s.base_url)
    if u.scheme not in ("http", "https") or not u.hostname:
        return Status(name, "error", f"应为 https://域名（二维码和推送链接用它），现为 “{s.base_url}”")
    if u.query or u.fragment or s.base_url.endswith("/"):
        return Status(name, "error", f"不应以 / 结尾，也不应带 ? 或 #，现为 “{s.base_url}”")
    if u.scheme == "http" and u.hostname not in _LOCAL_HOSTS:
        return Status(
            name, "warn", f"{s.base_url} 不是 https：手机浏览器不会安装应用，也收不到推送（本机调试除外）"
        )
    return Status(name, "ok", s.base_url)


def _vapid_subject(s: Settings) -> Status:
    name = "JIEFEN_VAPID_SUBJECT"
    value = s.vapid_subject.strip()
    if value.startswith("mailto:") and _EMAIL.fullmatch(value[len("mailto:") :]):
        return Status(name, "ok", value)
    u = urlsplit(value)
    if u.scheme == "https" and u.hostname:
        return Status(name, "ok", value)
    return Status(
        name,
        "error",
        f"应为 mailto:邮箱 或 https://网址（推送服务据此联系运营者，否则拒收所有推送），现为 “{value}”",
    )


def vapid_keys_status(s: Settings) -> Status:
    """Reads the stored key pair (never makes one: a check changes nothing)."""
    from server.db import Database
    from server.notify.models import VapidKeyRow
    from server.notify.vapid import vapid_keys_from_private

    name = "VAPID 密钥"
    db = Database(s.database_url)
    try:
        with db.read_session() as session:
            if not inspect(session.connection()).has_table(VapidKeyRow.__tablename__):
                return Status(name, "warn", "数据库尚未初始化：jiefen serve 或 jiefen db upgrade 时创建")
            row = session.get(VapidKeyRow, 1)
            pem = row.private_pem if row is not None else None
    except Exception as e:  # the database is down or unreachable: reported, not raised
        return Status(name, "error", f"无法连接数据库读取密钥：{type(e).__name__}")
    finally:
        db.dispose()
    if pem is None:
        return Status(name, "warn", "尚未生成：服务启动后首次使用时生成（或运行 jiefen vapid）")
    try:
        keys = vapid_keys_from_private(pem)
    except ValueError as e:
        return Status(name, "error", f"数据库中的 VAPID 私钥无法使用：{e}")
    return Status(name, "ok", f"公钥 {keys.public_key[:12]}…")


def _sms(s: Settings) -> Status:
    from server.notify.sms import load_gateway

    name = "JIEFEN_SMS_GATEWAY"
    try:
        gateway = load_gateway(s.sms_gateway)
    except Exception as e:  # a deployment's own gateway class may raise anything when built
        return Status(
            name, "error", f"短信网关 “{s.sms_gateway}” 无法加载：{e}（应为 log、off 或 包.模块:类名）"
        )
    if gateway is None:
        return Status(name, "warn", "off：不发送短信，没有推送的工作人员和群众收不到提醒")
    if s.sms_gateway.strip() in ("", "log"):
        return Status(name, "warn", "log：短信只写入日志（号码已遮蔽），不会真的发出")
    return Status(name, "ok", s.sms_gateway)


def _routing(s: Settings) -> Status:
    from server.routing.config_file import ConfigError, load_config

    name = "JIEFEN_ROUTING_CONFIG"
    if not s.routing_config:
        return Status(name, "ok", "未设置：使用默认分派阈值与办理期限")
    try:
        load_config(s.routing_config)
    except ConfigError as e:
        return Status(name, "error", "；".join(e.errors[:10]))
    return Status(name, "ok", s.routing_config)


def _area(s: Settings) -> Status:
    from server.registry.area import Area, AreaError

    try:
        area = Area.parse(s.area)
    except AreaError:
        return Status(
            "JIEFEN_AREA",
            "error",
            f"应为 2、4 或 6 位行政区划代码前缀（如 33、3305、330522），现为 “{s.area}”",
        )
    return Status("JIEFEN_AREA", "ok", f"{area.prefix}（{area.level}）")


def _positive(s: Settings) -> list[Status]:
    out = []
    for field in (
        "token_ttl_days",
        "login_max_failures",
        "sync_max_ops",
        "sync_max_bytes",
        "sync_page_ops",
        "sync_record_page_ops",
        "sync_page_bytes",
        "blob_max_bytes",
    ):
        value = getattr(s, field, None)
        if isinstance(value, int | float) and value <= 0:
            out.append(Status(f"JIEFEN_{field.upper()}", "error", f"应为正数，现为 {value}"))
    return out


def check_settings(s: Settings, *, keys: bool = True) -> list[Status]:
    """Every checked setting's status, in a stable order (``keys``: also read the VAPID key pair
    from the database, which needs it migrated)."""
    out = [_database(s), _base_url(s), _vapid_subject(s)]
    if keys and out[0].level != "error":
        out.append(vapid_keys_status(s))
    out += [_sms(s), _routing(s), _area(s), *_positive(s)]
    return out


def errors(statuses: list[Status]) -> list[Status]:
    return [x for x in statuses if x.level == "error"]
