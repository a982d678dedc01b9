"""Push subscriptions: checking what a browser sends, storing it per user, forgetting it.

Pure SQLAlchemy over a session the caller opened; the HTTP handlers in ``api.py`` only call these.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from server.db import Database
from server.notify import keys
from server.notify.models import PushDelivery, PushSubscriptionRow

__all__ = ["PushError", "Subscription", "parse_subscription", "public_key", "subscribe", "unsubscribe"]

MAX_ENDPOINT = 1000  # the column's width


class PushError(ValueError):
    """A subscription the server cannot use; ``message`` is shown to the person (Chinese)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Subscription:
    endpoint: str
    p256dh: str  # base64url, as the browser gave it (no padding)
    auth: str


_B64URL = re.compile(r"[A-Za-z0-9_-]+={0,2}")


def _b64url(value: object) -> bytes | None:
    # base64's own decoder skips characters outside the alphabet; a key must not be guessed at.
    if not isinstance(value, str) or not _B64URL.fullmatch(value):
        return None
    s = value.rstrip("=")
    try:
        return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
    except (binascii.Error, ValueError):
        return None


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_endpoint(endpoint: object) -> str:
    if not isinstance(endpoint, str) or not endpoint:
        raise PushError("推送订阅缺少 endpoint")
    if len(endpoint) > MAX_ENDPOINT:
        raise PushError(f"推送地址过长（上限 {MAX_ENDPOINT} 个字符）")
    try:
        url = urlsplit(endpoint)
        host = url.hostname or ""
    except ValueError:
        raise PushError("推送地址格式不正确") from None
    if not host:
        raise PushError("推送地址格式不正确")
    # Real push services are all https. Plain http is allowed only to this machine: the tests' fake
    # push service and local development listen on 127.0.0.1, and nothing leaves the host.
    if url.scheme == "https" or (url.scheme == "http" and _loopback(host)):
        return endpoint
    raise PushError("推送地址必须使用 https")


def parse_subscription(data: object) -> Subscription:
    """Check a ``PushSubscription.toJSON()``; raises :class:`PushError` when it cannot be used."""
    if not isinstance(data, Mapping):
        raise PushError("推送订阅格式错误，应为浏览器 PushSubscription.toJSON() 的结果")
    endpoint = _check_endpoint(data.get("endpoint"))
    expiration = data.get("expirationTime")
    if expiration is not None and (isinstance(expiration, bool) or not isinstance(expiration, int | float)):
        raise PushError("推送订阅的 expirationTime 应为数字或 null")
    sub_keys = data.get("keys")
    if not isinstance(sub_keys, Mapping):
        raise PushError("推送订阅缺少密钥（keys.p256dh 和 keys.auth）")
    point = _b64url(sub_keys.get("p256dh"))
    if point is None or len(point) != 65 or point[0] != 4:
        raise PushError("推送订阅的 p256dh 公钥格式不正确（应为 65 字节的 P-256 公钥）")
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        raise PushError("推送订阅的 p256dh 不是有效的 P-256 公钥") from None
    auth = _b64url(sub_keys.get("auth"))
    if auth is None or len(auth) != 16:
        raise PushError("推送订阅的 auth 密钥格式不正确（应为 16 字节）")
    return Subscription(endpoint, str(sub_keys["p256dh"]).rstrip("="), str(sub_keys["auth"]).rstrip("="))


def subscribe(s: Session, user_id: str, sub: Subscription, now: datetime) -> bool:
    """Store ``sub`` for ``user_id`` (upsert by endpoint); True when the endpoint is new.

    Re-subscribing an endpoint moves it to the current user (one browser, another login); messages
    still queued for the previous user are dropped so they never show on the new user's device.
    """
    ins = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    # ON CONFLICT DO NOTHING, then lock the row: two first subscriptions of one endpoint at once
    # (a double click) end as one row instead of a unique-constraint error.
    created = s.scalar(
        ins(PushSubscriptionRow)
        .values(user_id=user_id, endpoint=sub.endpoint, p256dh=sub.p256dh, auth=sub.auth, created_at=now)
        .on_conflict_do_nothing(index_elements=["endpoint"])
        .returning(PushSubscriptionRow.id)
    )
    row = s.scalars(
        select(PushSubscriptionRow).where(PushSubscriptionRow.endpoint == sub.endpoint).with_for_update()
    ).one()
    if row.user_id != user_id:
        s.execute(
            delete(PushDelivery).where(
                PushDelivery.subscription_id == row.id, PushDelivery.status == "pending"
            )
        )
        row.user_id = user_id
    row.p256dh, row.auth = sub.p256dh, sub.auth
    return created is not None


def unsubscribe(s: Session, user_id: str, endpoint: Any) -> bool:
    """Forget the caller's own subscription at ``endpoint``; True when one was deleted."""
    if not isinstance(endpoint, str) or not endpoint:
        raise PushError("请提供要取消的推送地址 endpoint")
    gone = s.scalar(
        delete(PushSubscriptionRow)
        .where(PushSubscriptionRow.endpoint == endpoint, PushSubscriptionRow.user_id == user_id)
        .returning(PushSubscriptionRow.id)
    )
    return gone is not None


def public_key(db: Database) -> str:
    """The ``applicationServerKey`` browsers subscribe with (base64url, no padding)."""
    return keys.load_or_create(db).public_key
