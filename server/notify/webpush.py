"""Web Push delivery (DESIGN §5): one encrypted push to one subscription, and the texts we push.

``send`` never raises for delivery problems: it returns a :class:`DeliveryResult` that tells the
queue what to do — drop the subscription (``gone``), try again later (``retry``, see
:func:`backoff`), or give up.  Payloads are encrypted with aes128gcm (RFC 8291) by pywebpush.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal

import requests
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush

from server.notify.vapid import VapidKeys, load_private_key

__all__ = [
    "MAX_PAYLOAD_BYTES",
    "DeliveryResult",
    "NotificationText",
    "Urgency",
    "backoff",
    "breach",
    "deadline_warning",
    "new_assignment",
    "send",
    "status_change",
]

Urgency = Literal["very-low", "low", "normal", "high"]
_URGENCIES = ("very-low", "low", "normal", "high")
# A push message may carry 4096 bytes; aes128gcm adds an 86-byte header, a tag and padding.
MAX_PAYLOAD_BYTES = 3800
MAX_TTL = 28 * 24 * 3600  # push services cap TTL at four weeks


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    ok: bool
    status: int | None = None
    gone: bool = False  # 404/410: the subscription is dead, delete it
    retry: bool = False  # 429, 5xx, network trouble: try again after backoff()
    error: str | None = None
    retry_after: float | None = None  # seconds, when the push service said so


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(when.tzinfo)).total_seconds())


def _classify(status: int, reason: str, retry_after: str | None = None) -> DeliveryResult:
    if 200 <= status < 300:
        return DeliveryResult(ok=True, status=status)
    error = f"HTTP {status} {reason}".strip()
    if status in (404, 410):
        return DeliveryResult(ok=False, status=status, gone=True, error=error)
    if status in (408, 429) or status >= 500:
        return DeliveryResult(
            ok=False, status=status, retry=True, error=error, retry_after=_retry_after(retry_after)
        )
    # 400 bad request, 403 VAPID key mismatch, 413 too large: retrying cannot help.
    return DeliveryResult(ok=False, status=status, error=error)


def _vapid(key: str | VapidKeys | ec.EllipticCurvePrivateKey) -> Vapid02:
    if isinstance(key, VapidKeys):
        key = key.private_pem
    if isinstance(key, str):
        key = load_private_key(key)
    return Vapid02(private_key=key)


def send(
    subscription: Mapping[str, Any],
    payload: Mapping[str, Any],
    *,
    vapid_private_key: str | VapidKeys | ec.EllipticCurvePrivateKey,
    subject: str,
    ttl: int = 24 * 3600,
    urgency: Urgency = "normal",
    timeout: float = 10.0,
    session: requests.Session | None = None,
) -> DeliveryResult:
    """Encrypt ``payload`` (JSON) for ``subscription`` (``PushSubscription.toJSON()``) and post it.

    ``subject`` is the VAPID ``sub`` claim: ``mailto:…`` or an ``https://`` URL of the operator.
    ``ttl`` is how long the push service keeps the message for an offline device.
    """
    if not subject.startswith(("mailto:", "https://")):
        raise ValueError("VAPID subject must be a mailto: or https: URL")
    if urgency not in _URGENCIES:
        raise ValueError(f"unknown urgency {urgency!r}")
    if not 0 <= ttl <= MAX_TTL:
        raise ValueError(f"ttl must be 0…{MAX_TTL} seconds")
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    if len(data.encode("utf-8")) > MAX_PAYLOAD_BYTES:
        raise ValueError("push payload too large; send a case key and let the app sync the rest")
    keys = subscription.get("keys") or {}
    if not subscription.get("endpoint") or not keys.get("p256dh") or not keys.get("auth"):
        return DeliveryResult(ok=False, gone=True, error="subscription lacks endpoint or keys")
    vapid = _vapid(vapid_private_key)
    claims: dict[str, str | int] = {"sub": subject}  # fresh per call: pywebpush writes aud/exp into it
    try:
        resp = webpush(
            subscription_info=dict(subscription),
            data=data,
            vapid_private_key=vapid,
            vapid_claims=claims,
            content_encoding="aes128gcm",
            ttl=ttl,
            timeout=timeout,
            headers={"Urgency": urgency},
            requests_session=session,
        )
    except WebPushException as exc:
        r = exc.response
        status = getattr(r, "status_code", None)
        if status is None:
            return DeliveryResult(ok=False, retry=True, error=exc.message)
        return _classify(
            int(status), str(getattr(r, "reason", "")), getattr(r, "headers", {}).get("Retry-After")
        )
    except requests.RequestException as exc:  # refused, reset, DNS, timeout
        return DeliveryResult(ok=False, retry=True, error=f"{type(exc).__name__}: {exc}")
    except (ValueError, TypeError) as exc:  # p256dh/auth that do not decode: the browser's data is bad
        return DeliveryResult(ok=False, gone=True, error=f"bad subscription: {exc}")
    if isinstance(resp, str):  # only for curl=True, which we never ask for
        raise TypeError("pywebpush returned a curl command")
    return _classify(resp.status_code, resp.reason or "")


def backoff(
    attempt: int,
    *,
    base: float = 30.0,
    cap: float = 6 * 3600.0,
    retry_after: float | None = None,
    rand: Callable[[], float] = random.random,
) -> float:
    """Seconds to wait before retry number ``attempt`` (0 = first retry).

    Exponential, capped, with "equal jitter" (half fixed, half random) so that many
    deliveries that failed together during an outage do not all come back at the same second.
    A push service's ``Retry-After`` is a floor.
    """
    if attempt < 0:
        raise ValueError("attempt must be ≥ 0")
    ceiling = min(cap, base * 2.0 ** min(attempt, 60))
    delay = ceiling / 2 + rand() * ceiling / 2
    return max(delay, retry_after or 0.0)


# ---------------------------------------------------------------- texts -----------------------------

EventKind = Literal["assignment", "deadline_warning", "breach", "status"]


@dataclass(frozen=True, slots=True)
class NotificationText:
    """What a user sees; the same record goes to the synced inbox (DESIGN §5)."""

    kind: EventKind
    title: str
    body: str
    url: str  # path inside the PWA that opens the case
    tag: str  # same tag → the newer notification replaces the older one on the device
    urgency: Urgency = "normal"
    ttl: int = 24 * 3600

    def to_payload(self) -> dict[str, str]:
        """The JSON the service worker receives."""
        return {
            "v": "1",
            "kind": self.kind,
            "title": self.title,
            "body": self.body,
            "url": self.url,
            "tag": self.tag,
        }


def _case_url(case_key: str) -> str:
    return f"/cases/{case_key}"


def _clip(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


_DEADLINE_WHAT = {"respond": "受理（或不予受理）", "resolve": "办结调解"}


def new_assignment(
    case_key: str, code: str, summary: str, *, category_name: str | None = None
) -> NotificationText:
    """To the mediator or organisation a case was routed to."""
    prefix = f"【{category_name}】" if category_name else ""
    return NotificationText(
        kind="assignment",
        title=f"新案件待受理：{code}",
        body=_clip(prefix + summary) or "请尽快查看并受理。",
        url=_case_url(case_key),
        tag=f"case:{case_key}",
        urgency="normal",
        ttl=3 * 24 * 3600,
    )


def deadline_warning(
    case_key: str, code: str, what: Literal["respond", "resolve"], due: datetime
) -> NotificationText:
    """Before an SLA deadline; lives only until the deadline — after it the breach message counts."""
    remaining = int((due - datetime.now(due.tzinfo)).total_seconds())
    return NotificationText(
        kind="deadline_warning",
        title=f"案件即将超期：{code}",
        body=f"请在 {due:%m月%d日 %H:%M} 前{_DEADLINE_WHAT[what]}。",
        url=_case_url(case_key),
        tag=f"case:{case_key}:deadline",
        urgency="high" if remaining < 4 * 3600 else "normal",
        ttl=max(60, min(remaining, MAX_TTL)),
    )


def breach(
    case_key: str, code: str, what: Literal["respond", "resolve"], *, escalated_to: str | None = None
) -> NotificationText:
    """To the organisation's admin (and the mediator) when an SLA deadline has passed."""
    body = f"未在期限内{_DEADLINE_WHAT[what]}"
    body += f"，已上报{escalated_to}。" if escalated_to else "，请立即处理。"
    return NotificationText(
        kind="breach",
        title=f"案件已超期：{code}",
        body=body,
        url=_case_url(case_key),
        tag=f"case:{case_key}:deadline",
        urgency="high",
        ttl=7 * 24 * 3600,
    )


# What the filer reads for each state of DESIGN §3.
_STATUS_TEXT: dict[str, tuple[str, str]] = {
    "submitted": ("已提交", "我们会尽快为您安排调解组织。"),
    "assigned": ("已分派", "调解组织将在规定时间内联系您。"),
    "accepted": ("已受理", "调解员将与您联系，请保持电话畅通。"),
    "escalated": ("已转交上级调解组织", "上级调解组织将继续为您调解。"),
    "resolved": ("调解成功", "可申请司法确认，让调解协议具有强制执行力。"),
    "failed": ("调解未成功", "您可以申请诉讼立案，由法院依法处理。"),
    "withdrawn": ("已撤回", "如有需要，可以重新申请调解。"),
    "declined": ("未予受理", "点击查看原因和其他解决途径。"),
    "confirmation_requested": ("已申请司法确认", "法院审查后会通知您结果。"),
    "confirmed": ("已通过司法确认", "调解协议已具有强制执行力。"),
    "confirmation_denied": ("未通过司法确认", "点击查看原因和下一步建议。"),
    "filing_requested": ("已申请诉讼立案", "法院审查后会通知您结果。"),
    "filed": ("已立案", "请留意法院的后续通知。"),
}


def status_change(case_key: str, code: str, status: str, *, reason: str | None = None) -> NotificationText:
    """To the filer when their case moves; ``reason`` (e.g. why declined) replaces the hint."""
    try:
        label, hint = _STATUS_TEXT[status]
    except KeyError:
        raise ValueError(f"unknown case status {status!r}") from None
    return NotificationText(
        kind="status",
        title=f"您的案件 {code} {label}",
        body=_clip(reason) if reason else hint,
        url=_case_url(case_key),
        tag=f"case:{case_key}:status",
        urgency="high" if status in ("declined", "failed") else "normal",
        ttl=7 * 24 * 3600,
    )
