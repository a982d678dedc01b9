"""Delivery channels: Web Push for smartphones, SMS so feature phones are reached too.

A channel turns one :class:`NotificationText` into one delivery attempt for one recipient and
reports a :class:`DeliveryResult`; queueing, retries and the inbox record live in the database
layer.  SMS goes through a :class:`SmsGateway` that a deployment plugs in (each province buys
its own SMS service); the default only logs what it would send.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from server.notify.webpush import DeliveryResult, NotificationText

__all__ = [
    "Channel",
    "LoggingSmsGateway",
    "Recipient",
    "SmsChannel",
    "SmsError",
    "SmsGateway",
    "mask_phone",
    "sms_text",
]

log = logging.getLogger("jiefen.notify.sms")


@dataclass(frozen=True, slots=True)
class Recipient:
    user_id: str
    subscription: Mapping[str, Any] | None = None  # one device's PushSubscription.toJSON()
    phone: str | None = None


@runtime_checkable
class Channel(Protocol):
    name: str

    def send(self, recipient: Recipient, message: NotificationText) -> DeliveryResult: ...


class SmsError(Exception):
    """A gateway's refusal; ``retry`` says whether trying later may work."""

    def __init__(self, message: str, *, retry: bool = False) -> None:
        super().__init__(message)
        self.retry = retry


class SmsGateway(Protocol):
    def send_sms(self, phone: str, text: str) -> None:
        """Hand one text to the SMS provider; raise :class:`SmsError` when it refuses."""
        ...


_MOBILE = re.compile(r"1[3-9]\d{9}")
SMS_MAX_CHARS = 134  # two concatenated segments of 67 Chinese characters


def mask_phone(phone: str) -> str:
    """``13812345678`` → ``138****5678``: enough to tell numbers apart in a log, not to call."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def mainland_mobile(phone: str) -> str | None:
    """The 11 digits of a mainland mobile number written any usual way, else None."""
    digits = re.sub(r"[\s\-]", "", phone)
    digits = digits.removeprefix("+86").removeprefix("0086")
    return digits if _MOBILE.fullmatch(digits) else None


def sms_text(message: NotificationText, *, signature: str, base_url: str | None) -> str:
    """``【签名】标题。正文 链接`` within two SMS segments; the body is cut first."""
    head = f"【{signature}】{message.title}。"
    link = f" {base_url.rstrip('/')}{message.url}" if base_url else ""
    room = SMS_MAX_CHARS - len(head) - len(link)
    body = message.body if len(message.body) <= room else message.body[: max(0, room - 1)] + "…"
    return f"{head}{body}{link}"


class LoggingSmsGateway:
    """Default gateway: logs the text that would be sent, with the phone number masked."""

    def send_sms(self, phone: str, text: str) -> None:
        log.info("短信（未接入网关，仅记录）to=%s text=%s", mask_phone(phone), text)


class SmsChannel:
    name = "sms"

    def __init__(
        self, gateway: SmsGateway | None = None, *, signature: str = "浙里解纷", base_url: str | None = None
    ) -> None:
        self._gateway = gateway or LoggingSmsGateway()
        self._signature = signature
        self._base_url = base_url

    def send(self, recipient: Recipient, message: NotificationText) -> DeliveryResult:
        phone = mainland_mobile(recipient.phone or "")
        if phone is None:
            return DeliveryResult(ok=False, error="no valid mainland mobile number")
        try:
            self._gateway.send_sms(
                phone, sms_text(message, signature=self._signature, base_url=self._base_url)
            )
        except SmsError as exc:
            return DeliveryResult(ok=False, retry=exc.retry, error=str(exc))
        return DeliveryResult(ok=True)
