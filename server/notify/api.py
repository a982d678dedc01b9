"""HTTP for Web Push (DESIGN.md §5, §10): the VAPID key and the caller's push subscriptions.

There is no inbox endpoint: notifications are ``notification`` records that arrive by sync.
The push and SMS delivery workers are started here because this is the module the app composes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, ParamSpec, TypeVar

import msgspec
from litestar import Request, delete, get, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from server.accounts.guards import authenticated
from server.accounts.principal import Principal
from server.db import utcnow
from server.http import ApiError, app_state
from server.notify import service, sms
from server.notify.channels import SmsChannel
from server.notify.push import PushWorker
from server.notify.sms import SmsWorker
from server.state import AppState


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
def push_key(request: Request[Any, Any, Any]) -> PushKeyOut:
    """The VAPID public key the browser subscribes with (``applicationServerKey``)."""
    return PushKeyOut(service.public_key(app_state(request).db))


@post(
    "/api/v1/push/subscriptions",
    operation_id="subscribePush",
    guards=[authenticated],
    status_code=HTTP_201_CREATED,
    tags=["push"],
    sync_to_thread=True,
)
def subscribe(request: Request[Principal, Any, Any], data: JSONBody[SubscriptionIn]) -> SubscribedOut:
    """Store this device's ``PushSubscription.toJSON()`` for the caller (re-subscribing moves it).

    400 (Chinese) when a field is missing or mistyped, the endpoint is not https (loopback http
    excepted) or the keys are no P-256 key and 16-byte secret."""
    sub = _checked(service.parse_subscription, msgspec.to_builtins(data))
    with app_state(request).db.session() as s:
        return SubscribedOut(sub.endpoint, service.subscribe(s, request.user.user_id, sub, utcnow()))


@delete(
    "/api/v1/push/subscriptions",
    operation_id="unsubscribePush",
    guards=[authenticated],
    status_code=HTTP_204_NO_CONTENT,
    tags=["push"],
    sync_to_thread=True,
)
def unsubscribe(request: Request[Principal, Any, Any], data: JSONBody[UnsubscribeIn]) -> None:
    """Forget one of the caller's subscriptions; idempotent, since the server may have pruned it."""
    with app_state(request).db.session() as s:
        _checked(service.unsubscribe, s, request.user.user_id, data.endpoint)


P = ParamSpec("P")
T = TypeVar("T")


def _checked(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a service call; its :class:`PushError` becomes a 400 with the Chinese message."""
    try:
        return fn(*args, **kwargs)
    except service.PushError as e:
        raise ApiError(400, e.message) from None


def on_startup(state: AppState) -> None:
    st = state.settings
    gateway = sms.load_gateway(st.sms_gateway)  # a misconfigured gateway stops the server here
    sms.configure(enabled=gateway is not None)
    if st.scheduler_interval_s > 0:
        worker = PushWorker(state.db, interval=st.scheduler_interval_s, subject=st.vapid_subject)
        state.services["push_worker"] = worker
        worker.start()
        if gateway is not None:
            channel = SmsChannel(gateway, signature=st.sms_signature)
            texts = SmsWorker(state.db, channel, interval=st.scheduler_interval_s)
            state.services["sms_worker"] = texts
            texts.start()


def on_shutdown(state: AppState) -> None:
    worker: PushWorker | None = state.services.pop("push_worker", None)
    if worker is not None:
        worker.stop()
    texts: SmsWorker | None = state.services.pop("sms_worker", None)
    if texts is not None:
        texts.stop()
    sms.configure(enabled=True)  # back to the default gateway's behaviour


route_handlers = [push_key, subscribe, unsubscribe]
