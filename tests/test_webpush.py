"""Web Push end to end against a fake push service: the device can decrypt what we send."""

from __future__ import annotations

import base64
import json
import logging
import socket
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from server.notify.channels import (
    Channel,
    LoggingSmsGateway,
    Recipient,
    SmsChannel,
    SmsError,
    mask_phone,
    sms_text,
)
from server.notify.vapid import (
    b64url_decode,
    b64url_encode,
    generate_vapid_keys,
    load_private_key,
    vapid_keys_from_private,
)
from server.notify.webpush import (
    DeliveryResult,
    NotificationText,
    backoff,
    breach,
    deadline_warning,
    new_assignment,
    send,
    status_change,
)
from tests.fakepush import FakePushService, PushDevice, make_push_device

CODE = "JF-330522-2026-7K3M9Q5"
SUBJECT = "mailto:ops@jiefen.example.cn"
VAPID = generate_vapid_keys()


@pytest.fixture
def push() -> Iterator[FakePushService]:
    with FakePushService() as service:
        yield service


def _send(device: PushDevice, message: NotificationText, **kw: Any) -> DeliveryResult:
    args: dict[str, Any] = {
        "vapid_private_key": VAPID.private_pem,
        "subject": SUBJECT,
        "ttl": message.ttl,
        "urgency": message.urgency,
        "timeout": 5.0,
    }
    return send(device.subscription, message.to_payload(), **(args | kw))


def _jwt_claims(authorization: str, public_key_b64: str) -> dict[str, Any]:
    """Check a ``vapid t=…, k=…`` header's ES256 signature and return its claims."""
    scheme, _, params = authorization.partition(" ")
    assert scheme == "vapid"
    parts = dict(p.strip().split("=", 1) for p in params.split(","))
    assert parts["k"] == public_key_b64
    header_b64, claims_b64, sig_b64 = parts["t"].split(".")
    assert json.loads(b64url_decode(header_b64)) == {"typ": "JWT", "alg": "ES256"}
    sig = b64url_decode(sig_b64)
    pub = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(parts["k"]))
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    pub.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    claims: dict[str, Any] = json.loads(b64url_decode(claims_b64))
    return claims


def test_device_decrypts_the_chinese_text_and_case_url(push: FakePushService) -> None:
    device = make_push_device(push.endpoint("mediator-phone"))
    msg = new_assignment("case-01HZX", CODE, "邻居违章搭建遮挡采光，协商未果", category_name="邻里纠纷")
    result = _send(device, msg)
    assert result == DeliveryResult(ok=True, status=201)
    (req,) = push.requests
    assert req.path == "/push/mediator-phone"
    assert req.headers["content-encoding"] == "aes128gcm"
    payload = device.decrypt(req.body)
    assert payload["title"] == f"新案件待受理：{CODE}"
    assert payload["body"] == "【邻里纠纷】邻居违章搭建遮挡采光，协商未果"
    assert payload["url"] == "/cases/case-01HZX"
    assert payload["kind"] == "assignment"


def test_ttl_and_urgency_headers_follow_the_event(push: FakePushService) -> None:
    device = make_push_device(push.endpoint())
    _send(device, breach("k1", CODE, "respond", escalated_to="长兴县矛调中心"))
    _send(device, status_change("k1", CODE, "accepted"))
    first, second = push.requests
    assert (first.headers["ttl"], first.headers["urgency"]) == (str(7 * 24 * 3600), "high")
    assert (second.headers["ttl"], second.headers["urgency"]) == (str(7 * 24 * 3600), "normal")
    assert device.decrypt(first.body)["body"] == "未在期限内受理（或不予受理），已上报长兴县矛调中心。"


def test_vapid_header_is_signed_by_our_key_for_this_push_service(push: FakePushService) -> None:
    device = make_push_device(push.endpoint())
    _send(device, status_change("k1", CODE, "accepted"))
    claims = _jwt_claims(push.requests[0].headers["authorization"], VAPID.public_key)
    assert claims["aud"] == push.origin
    assert claims["sub"] == SUBJECT
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600


def test_a_forged_vapid_signature_fails_verification(push: FakePushService) -> None:
    device = make_push_device(push.endpoint())
    _send(device, status_change("k1", CODE, "accepted"), vapid_private_key=generate_vapid_keys().private_raw)
    with pytest.raises((AssertionError, InvalidSignature)):
        _jwt_claims(push.requests[0].headers["authorization"], VAPID.public_key)


def test_each_push_service_gets_its_own_audience() -> None:
    # pywebpush writes aud into the claims it is given; a shared dict would leak the first origin.
    with FakePushService() as a, FakePushService() as b:
        for service in (a, b):
            _send(make_push_device(service.endpoint()), status_change("k1", CODE, "resolved"))
        assert _jwt_claims(a.requests[0].headers["authorization"], VAPID.public_key)["aud"] == a.origin
        assert _jwt_claims(b.requests[0].headers["authorization"], VAPID.public_key)["aud"] == b.origin


@pytest.mark.parametrize("status", [404, 410])
def test_gone_subscription_is_to_be_dropped(push: FakePushService, status: int) -> None:
    push.answer(status)
    result = _send(make_push_device(push.endpoint()), status_change("k1", CODE, "accepted"))
    assert (result.ok, result.status, result.gone, result.retry) == (False, status, True, False)


@pytest.mark.parametrize("status", [500, 503, 429])
def test_server_trouble_is_retried(push: FakePushService, status: int) -> None:
    push.answer(status, headers={"Retry-After": "120"})
    device = make_push_device(push.endpoint())
    result = _send(device, status_change("k1", CODE, "accepted"))
    assert (result.ok, result.status, result.gone, result.retry) == (False, status, False, True)
    assert result.retry_after == 120
    assert _send(device, status_change("k1", CODE, "accepted")).ok  # the next one goes through


def test_bad_request_is_neither_retried_nor_dropped(push: FakePushService) -> None:
    push.answer(403)  # e.g. subscription made with another applicationServerKey
    result = _send(make_push_device(push.endpoint()), status_change("k1", CODE, "accepted"))
    assert (result.ok, result.gone, result.retry, result.status) == (False, False, False, 403)


def test_unreachable_push_service_is_retried() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = _send(make_push_device(f"http://127.0.0.1:{port}/push/x"), status_change("k1", CODE, "accepted"))
    assert (result.ok, result.retry, result.status) == (False, True, None)


def test_slow_push_service_times_out_and_is_retried(push: FakePushService) -> None:
    push.answer(201, delay=1.0)
    result = _send(make_push_device(push.endpoint()), status_change("k1", CODE, "accepted"), timeout=0.2)
    assert (result.ok, result.retry) == (False, True)


def test_broken_subscription_is_dropped_without_sending(push: FakePushService) -> None:
    sub = {"endpoint": push.endpoint(), "keys": {"auth": "x"}}
    result = send(sub, {"t": 1}, vapid_private_key=VAPID.private_pem, subject=SUBJECT)
    assert (result.ok, result.gone) == (False, True)
    assert push.requests == []


def test_send_refuses_programming_errors() -> None:
    sub = make_push_device("http://127.0.0.1:9/x").subscription
    with pytest.raises(ValueError, match="subject"):
        send(sub, {}, vapid_private_key=VAPID.private_pem, subject="ops@example.cn")
    with pytest.raises(ValueError, match="too large"):
        send(sub, {"body": "长" * 2000}, vapid_private_key=VAPID.private_pem, subject=SUBJECT)
    with pytest.raises(ValueError, match="ttl"):
        send(sub, {}, vapid_private_key=VAPID.private_pem, subject=SUBJECT, ttl=-1)


# ---------------------------------------------------------------- VAPID keys


def test_vapid_public_key_is_what_the_browser_wants() -> None:
    keys = generate_vapid_keys()
    point = b64url_decode(keys.public_key)
    assert len(point) == 65
    assert point[0] == 4  # uncompressed
    assert "=" not in keys.public_key
    assert len(b64url_decode(keys.private_raw)) == 32
    assert keys.private_pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert keys.private_raw not in repr(keys)


def test_vapid_keys_round_trip_through_every_encoding() -> None:
    keys = generate_vapid_keys()
    der = load_private_key(keys.private_pem).private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    for text in (keys.private_pem, keys.private_raw, b64url_encode(der), "  " + keys.private_raw + "\n"):
        assert vapid_keys_from_private(text) == keys


def test_vapid_rejects_other_curves_and_garbage() -> None:
    other = ec.generate_private_key(ec.SECP384R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(ValueError, match="P-256"):
        load_private_key(other.decode())
    for garbage in ("not a key!", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"):
        with pytest.raises(ValueError, match="not PEM"):
            load_private_key(garbage)


# ---------------------------------------------------------------- backoff


def test_backoff_grows_is_capped_and_jittered() -> None:
    lows = [backoff(n, rand=lambda: 0.0) for n in range(30)]
    highs = [backoff(n, rand=lambda: 1.0) for n in range(30)]
    assert lows[0] == 15
    assert highs[0] == 30
    assert lows == sorted(lows)
    assert highs[3] == 240
    assert max(highs) == 6 * 3600
    assert backoff(1000, rand=lambda: 1.0) == 6 * 3600
    assert len({backoff(4) for _ in range(20)}) > 1
    assert backoff(0, retry_after=600, rand=lambda: 0.0) == 600
    with pytest.raises(ValueError, match="attempt"):
        backoff(-1)


# ---------------------------------------------------------------- texts


def test_texts_for_staff_and_filer_open_the_case() -> None:
    due = datetime.now(timezone(timedelta(hours=8))) + timedelta(hours=2)
    texts = [
        new_assignment("k9", CODE, "拖欠工资三个月"),
        deadline_warning("k9", CODE, "resolve", due),
        breach("k9", CODE, "resolve"),
        status_change("k9", CODE, "accepted"),
    ]
    assert {t.url for t in texts} == {"/cases/k9"}
    assert all(CODE in t.title for t in texts)
    assert texts[0].title == f"新案件待受理：{CODE}"
    assert texts[1].body == f"请在 {due:%m月%d日 %H:%M} 前办结调解。"
    assert texts[1].urgency == "high"  # under four hours left
    assert 0 < texts[1].ttl <= 2 * 3600  # worthless after the deadline
    assert texts[2].urgency == "high"
    assert texts[2].body == "未在期限内办结调解，请立即处理。"
    assert texts[3].title == f"您的案件 {CODE} 已受理"


def test_every_case_state_has_a_filer_text() -> None:
    states = [
        "submitted", "assigned", "accepted", "escalated", "resolved", "failed", "withdrawn", "declined",
        "confirmation_requested", "confirmed", "confirmation_denied", "filing_requested", "filed",
    ]  # fmt: skip
    for s in states:
        text = status_change("k", CODE, s)
        assert text.title.startswith(f"您的案件 {CODE} ")
        assert text.body
    assert (
        status_change("k", CODE, "declined", reason="不属于人民调解受理范围").body == "不属于人民调解受理范围"
    )
    with pytest.raises(ValueError, match="status"):
        status_change("k", CODE, "lost")


def test_long_summaries_are_clipped_to_fit_a_notification() -> None:
    text = new_assignment("k", CODE, "房" * 500)
    assert len(text.body) == 60
    assert text.body.endswith("…")


# ---------------------------------------------------------------- channels


class RecordingGateway:
    def __init__(self, fail: SmsError | None = None) -> None:
        self.sent: list[tuple[str, str]] = []
        self.fail = fail

    def send_sms(self, phone: str, text: str) -> None:
        if self.fail:
            raise self.fail
        self.sent.append((phone, text))


def test_sms_channel_reaches_feature_phones() -> None:
    gw = RecordingGateway()
    channel = SmsChannel(gw, base_url="https://jf.example.cn/")
    assert isinstance(channel, Channel)
    result = channel.send(Recipient("u2", phone="+86 138-1234-5678"), status_change("k3", CODE, "accepted"))
    assert result.ok
    assert gw.sent == [
        (
            "13812345678",
            f"【浙里解纷】您的案件 {CODE} 已受理。调解员将与您联系，请保持电话畅通。 https://jf.example.cn/cases/k3",
        )
    ]


def test_sms_channel_reports_failures() -> None:
    msg = status_change("k3", CODE, "accepted")
    assert not SmsChannel(RecordingGateway()).send(Recipient("u2", phone="12345"), msg).ok
    result = SmsChannel(RecordingGateway(SmsError("余额不足", retry=True))).send(
        Recipient("u", phone="13812345678"), msg
    )
    assert (result.ok, result.retry, result.error) == (False, True, "余额不足")


def test_sms_text_fits_two_segments() -> None:
    text = sms_text(
        new_assignment("k", CODE, "地" * 300), signature="浙里解纷", base_url="https://jf.example.cn"
    )
    assert len(text) <= 134
    assert text.endswith(" https://jf.example.cn/cases/k")


def test_logging_gateway_masks_the_phone(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="jiefen.notify.sms")
    result = SmsChannel(LoggingSmsGateway()).send(
        Recipient("u", phone="13812345678"), status_change("k", CODE, "filed")
    )
    assert result.ok
    assert "138****5678" in caplog.text
    assert "13812345678" not in caplog.text
    assert f"您的案件 {CODE} 已立案" in caplog.text
    assert mask_phone("0572-6012345") == "057****2345"


def test_b64url_helpers_are_unpadded() -> None:
    assert b64url_encode(b"\xff\xfe") == "__4"
    assert b64url_decode("__4") == b"\xff\xfe"
    assert base64.urlsafe_b64decode("__4=") == b"\xff\xfe"
