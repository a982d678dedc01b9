"""HTTP for Web Push (DESIGN.md §5, §10): the VAPID key and the caller's push subscriptions.

There is no inbox endpoint: notifications are ``notification`` records that arrive by sync.
The push and SMS delivery workers are started by the composition root (``server/core.py``).
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, delete, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from server.accounts.guards import authenticated
from server.accounts.principal import Principal
from server.db import Database, utcnow
from server.notify import service


class PushKeyOut(msgspec.Struct, rename="camel"):
    public_key: str


class SubscriptionKeysIn(msgspec.Struct):
    p256dh: Annotated[str, msgspec.Meta(description="P-256 公钥（base64url，65 字节）", max_length=200)]
    auth: Annotated[str, msgspec.Meta(description="认证密钥（base64url，16 字节）", max_length=100)]


class SubscriptionIn(msgspec.Struct, rename="camel"):
    """A browser's ``PushSubscription.toJSON()``; keys are checked further (curve, lengths) in
    ``service.parse_subscription``."""

    endpoint: Annotated[
        str, msgspec.Meta(description="推送服务地址（https）", max_length=service.MAX_ENDPOINT)
    ]
    keys: SubscriptionKeysIn
    expiration_time: float | None = None


class UnsubscribeIn(msgspec.Struct):
    endpoint: Annotated[str, msgspec.Meta(min_length=1, max_length=service.MAX_ENDPOINT)]


class SubscribedOut(msgspec.Struct):
    endpoint: str
    created: bool


@get("/api/v1/push/key", operation_id="pushKey", tags=["push"], sync_to_thread=True)
def push_key(db: NamedDependency[Database]) -> PushKeyOut:
    """The VAPID public key the browser subscribes with (``applicationServerKey``)."""
    return PushKeyOut(service.public_key(db))


@post(
    "/api/v1/push/subscriptions",
    operation_id="subscribePush",
    guards=[authenticated],
    status_code=HTTP_201_CREATED,
    tags=["push"],
    sync_to_thread=True,
)
def subscribe(
    request: Request[Principal, Any, Any], data: JSONBody[SubscriptionIn], db: NamedDependency[Database]
) -> SubscribedOut:
    """Store this device's ``PushSubscription.toJSON()`` for the caller (re-subscribing moves it).

    400 (Chinese) when a field is missing or mistyped, the endpoint is not https (loopback http
    excepted) or the keys are no P-256 key and 16-byte secret (``PushError``)."""
    sub = service.parse_subscription(msgspec.to_builtins(data))
    with db.session() as s:
        return SubscribedOut(sub.endpoint, service.subscribe(s, request.user.user_id, sub, utcnow()))


@delete(
    "/api/v1/push/subscriptions",
    operation_id="unsubscribePush",
    guards=[authenticated],
    status_code=HTTP_204_NO_CONTENT,
    tags=["push"],
    sync_to_thread=True,
)
def unsubscribe(
    request: Request[Principal, Any, Any], data: JSONBody[UnsubscribeIn], db: NamedDependency[Database]
) -> None:
    """Forget one of the caller's subscriptions; idempotent, since the server may have pruned it."""
    with db.session() as s:
        service.unsubscribe(s, request.user.user_id, data.endpoint)


route_handlers = [push_key, subscribe, unsubscribe]
