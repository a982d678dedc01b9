"""SMS fallback: staff without push and villagers a grid worker filed for get a text with the case
code and status only; the queue retries like the push queue; the gateway is a setting."""

from __future__ import annotations

import dataclasses
import logging
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import pytest
from litestar.testing import TestClient
from sqlalchemy import select, update

from server.accounts.models import User
from server.core import components_of, running_of
from server.db import Database, utcnow
from server.notify import events, sms
from server.notify.channels import LoggingSmsGateway, SmsChannel, SmsError
from server.notify.models import SmsDelivery
from server.notify.sms import MAX_ATTEMPTS, SmsWorker, deliver_sms_due
from server.settings import Settings
from server.sync.service import Writer
from tests.conftest import login, new_device
from tests.fakepush import make_push_device
from tests.synctools import Device
from tests.test_notify_delivery import MEDIATOR, MEDIATOR_USER, ORG, assign, file_case, in_writer, subscribe

VILLAGE_MEDIATOR = "user-village_mediator"
VILLAGE_MEDIATOR_PHONE = "13900000001"  # fictitious, seeded by the demo
MEDIATOR_PHONE = "13800000002"  # fictitious
ENDPOINT = "https://push.example.com/send/"  # never contacted: only queued


class RecordingGateway:
    """A gateway that records what it was asked to send; ``failures`` raise SmsError first."""

    sent_by_app: ClassVar[list[tuple[str, str]]] = []  # what instances the app built sent

    def __init__(self, failures: list[SmsError] | None = None) -> None:
        self.sent: list[tuple[str, str]] = []
        self.failures = list(failures or [])

    def send_sms(self, phone: str, text: str) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((phone, text))
        RecordingGateway.sent_by_app.append((phone, text))


class NotAGateway:
    pass


@pytest.fixture(autouse=True)
def _nothing_recorded() -> None:
    RecordingGateway.sent_by_app.clear()


def texts(db: Database) -> list[SmsDelivery]:
    with db.read_session() as s:
        return list(s.scalars(select(SmsDelivery).order_by(SmsDelivery.id)))


def new_texts(db: Database, before: list[SmsDelivery]) -> list[SmsDelivery]:
    seen = {d.id for d in before}
    return [d for d in texts(db) if d.id not in seen]


def set_phone(db: Database, user_id: str, phone: str | None) -> None:
    with db.session() as s:
        s.execute(update(User).where(User.id == user_id).values(phone=phone))


def send(db: Database, gateway: Any, now: datetime | None = None) -> int:
    channel = SmsChannel(gateway, signature="长兴解纷")
    return deliver_sms_due(db, channel, now or utcnow(), owner="test")


# -- who gets a text -----------------------------------------------------------------------------


def test_a_mediator_without_push_gets_a_text_with_the_case_code(
    client: TestClient[Any], db: Database
) -> None:
    set_phone(db, MEDIATOR_USER, MEDIATOR_PHONE)
    key, code, _ = file_case(client, "张三家违章搭建遮挡采光，电话13712345678")
    before = texts(db)
    assign(db, key)  # to the township mediator (and the org admin, who has no phone)
    (d,) = new_texts(db, before)
    assert (d.user_id, d.phone, d.kind, d.status, d.attempts) == (
        MEDIATOR_USER, MEDIATOR_PHONE, "assignment", "pending", 0
    )  # fmt: skip

    gateway = RecordingGateway()
    assert send(db, gateway) == len(texts(db))  # the village mediator's text from the filing too
    sent = dict(gateway.sent)
    text = sent[MEDIATOR_PHONE]
    assert text == f"【长兴解纷】新案件待受理：{code}，请登录解纷及时受理。"
    assert "张三" not in text and "13712345678" not in text and "违章" not in text  # no summary
    assert {x.status for x in texts(db)} == {"sent"}
    assert send(db, gateway) == 0  # nothing twice


def test_a_mediator_with_a_push_subscription_gets_no_text(client: TestClient[Any], db: Database) -> None:
    set_phone(db, MEDIATOR_USER, MEDIATOR_PHONE)
    subscribe(db, MEDIATOR_USER, make_push_device(ENDPOINT + "m"))
    key, _, _ = file_case(client)
    before = texts(db)
    assign(db, key)
    assert new_texts(db, before) == []


def test_a_disabled_or_phoneless_user_gets_no_text(client: TestClient[Any], db: Database) -> None:
    key, _, _ = file_case(client)
    before = texts(db)
    assign(db, key)  # the township mediator has no phone in the demo
    assert new_texts(db, before) == []
    set_phone(db, MEDIATOR_USER, MEDIATOR_PHONE)
    with db.session() as s:
        s.execute(update(User).where(User.id == MEDIATOR_USER).values(disabled=True))
    assign(db, key)
    assert new_texts(db, before) == []


def test_deadline_warning_and_breach_text_the_mediator(client: TestClient[Any], db: Database) -> None:
    set_phone(db, MEDIATOR_USER, MEDIATOR_PHONE)
    key, code, _ = file_case(client)
    before = texts(db)
    due = datetime.now(UTC) + timedelta(hours=3)

    def run(w: Writer) -> None:
        w.server_put("case", key, "org", ORG)
        w.server_put("case", key, "mediator", MEDIATOR)
        w.server_put("case", key, "respond_by", due.isoformat())
        events.deadline_warning(w, key, w.view("case", key), "respond")
        events.deadline_breached(w, key, w.view("case", key), "respond", "org-330522-pmc")

    in_writer(db, run)
    warning, breach = new_texts(db, before)
    local = due.astimezone(events._SHANGHAI)
    assert warning.text == f"案件即将超期：{code}，请在 {local:%m月%d日 %H:%M} 前受理（或不予受理）"
    assert breach.text.startswith(f"案件已超期：{code}，未在期限内受理（或不予受理），已上报")
    assert (warning.user_id, breach.user_id) == (MEDIATOR_USER, MEDIATOR_USER)


def grid_filed_case(client: TestClient[Any]) -> tuple[str, str]:
    """The grid worker files for a villager, with the applicant's and the respondent's phones."""
    grid = Device(client, login(client, "grid"))
    key = f"case{secrets.token_hex(6)}"
    code, _ = grid.file_case(key, "王大伯家的鸡吃了李四家的菜", category="neighbor")
    for pk, role, name, phone in (
        (f"{key}a", "applicant", "李四", "137-0000-1234"),
        (f"{key}r", "respondent", "王大伯", "13600005678"),
    ):
        grid.put("party", pk, "case", key)
        grid.put("party", pk, "role", role)
        grid.put("party", pk, "name", name)
        grid.put("party", pk, "phone", phone)
    assert grid.sync()["rejected"] == []
    return key, code


def accept(client: TestClient[Any], key: str) -> None:
    med = Device(client, login(client, "village_mediator"))
    med.sync()
    med.op("case", key, "intent", "transition", {"to": "accepted"})
    assert med.sync()["rejected"] == []


def test_a_grid_filed_cases_applicant_is_texted_on_acceptance_without_personal_data(
    client: TestClient[Any], db: Database
) -> None:
    key, code = grid_filed_case(client)
    (filed,) = texts(db)
    assert (filed.user_id, filed.kind) == (VILLAGE_MEDIATOR, "assignment")  # the demo feature phone
    accept(client, key)
    (d,) = new_texts(db, [filed])
    assert (d.user_id, d.phone, d.kind) == (None, "13700001234", "status")  # stored as its 11 digits
    assert d.text == f"您的案件 {code} 已受理，调解员将与您联系，请保持电话畅通"

    gateway = RecordingGateway()
    assert send(db, gateway) == 2
    sent = dict(gateway.sent)
    text = sent["13700001234"]  # the channel sends the number as digits
    assert text == f"【长兴解纷】{d.text}。"
    for personal in ("李四", "王大伯", "13600005678", "1234", "鸡", "菜"):
        assert personal not in text
    assert "13600005678" not in sent  # the respondent hears nothing


def test_a_citizen_filed_case_texts_no_applicant(client: TestClient[Any], db: Database) -> None:
    citizen = Device(client, new_device(client))
    citizen.file_case("k1", "隔壁装修天天敲到半夜")
    citizen.put("party", "k1a", "case", "k1")
    citizen.put("party", "k1a", "role", "applicant")
    citizen.put("party", "k1a", "phone", "13700001234")
    assert citizen.sync()["rejected"] == []
    before = texts(db)
    accept(client, "k1")
    assert new_texts(db, before) == []  # the citizen has the app: the push and the inbox suffice


def test_off_queues_nothing(settings: Settings, db: Database) -> None:
    from server.app import create_app

    set_phone(db, MEDIATOR_USER, MEDIATOR_PHONE)
    with TestClient(create_app(dataclasses.replace(settings, sms_gateway="off"))) as client:
        key, _ = grid_filed_case(client)  # filed and routed: the assignment would text
        accept(client, key)  # a status change: the applicants would get a text

        def reassign(w: Writer) -> None:  # and what routing does on an escalation, with texts off
            w.server_put("case", key, "org", ORG)
            w.server_put("case", key, "mediator", MEDIATOR)
            events.Events(texts=False).case_assigned(w, key, w.view("case", key))

        in_writer(db, reassign)
    assert texts(db) == []


def test_the_app_with_the_gateway_off_queues_nothing_and_runs_no_sms_worker(settings: Settings) -> None:
    from server.app import create_app

    app = create_app(dataclasses.replace(settings, sms_gateway="off", scheduler_interval_s=30))
    with TestClient(app) as client:
        running = running_of(app)
        assert running.push is not None and running.sms is None
        file_case(client)  # in the demo village: its mediator has a phone
        assert texts(components_of(app).db) == []
    assert components_of(app).routing.ctx.notifier == events.Events(texts=False)


# -- sending ----------------------------------------------------------------------------------------


def test_a_retryable_refusal_is_retried_later_then_sent(client: TestClient[Any], db: Database) -> None:
    file_case(client)  # the village mediator's text
    gateway = RecordingGateway([SmsError("网关繁忙", retry=True)])
    now = utcnow()
    assert send(db, gateway, now) == 1
    (d,) = texts(db)
    assert (d.status, d.attempts, d.lease_until, d.last_error) == ("pending", 1, None, "网关繁忙")
    assert d.next_attempt_at > now
    assert send(db, gateway, now + timedelta(seconds=1)) == 0  # not due yet
    assert send(db, gateway, d.next_attempt_at) == 1
    (d,) = texts(db)
    assert (d.status, d.attempts) == ("sent", 2)
    assert [p for p, _ in gateway.sent] == [VILLAGE_MEDIATOR_PHONE]


def test_retries_give_up_and_final_refusals_fail_at_once(client: TestClient[Any], db: Database) -> None:
    file_case(client)
    gateway = RecordingGateway([SmsError("网关繁忙", retry=True)] * MAX_ATTEMPTS)
    now = utcnow()
    for _ in range(MAX_ATTEMPTS):
        assert send(db, gateway, now) == 1
        now = texts(db)[0].next_attempt_at
    (d,) = texts(db)
    assert (d.status, d.attempts) == ("failed", MAX_ATTEMPTS)
    assert gateway.sent == []

    file_case(client)
    refusing = RecordingGateway([SmsError("号码已停机")])
    assert send(db, refusing) == 1
    assert (texts(db)[1].status, texts(db)[1].attempts) == ("failed", 1)


def test_a_gateway_crash_is_retried_and_a_landline_is_not_queued(
    client: TestClient[Any], db: Database
) -> None:
    file_case(client)

    class Crashing:
        def send_sms(self, phone: str, text: str) -> None:
            raise ConnectionError("reset by peer")

    assert send(db, Crashing()) == 1
    (d,) = texts(db)
    assert (d.status, d.attempts) == ("pending", 1)
    assert "ConnectionError" in (d.last_error or "")

    set_phone(db, MEDIATOR_USER, "0572-1234567")  # a landline: no SMS can reach it
    key, _, _ = file_case(client)
    assign(db, key)
    gateway = RecordingGateway()
    send(db, gateway, d.next_attempt_at)
    by_user = {x.user_id: x for x in texts(db)}
    assert MEDIATOR_USER not in by_user


def test_the_demo_village_mediator_gets_a_logged_text_for_a_new_case(
    client: TestClient[Any], db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    _, code, _ = file_case(client)  # in the demo village: routed to the demo village mediator
    (d,) = texts(db)
    assert (d.user_id, d.phone) == (VILLAGE_MEDIATOR, VILLAGE_MEDIATOR_PHONE)
    with caplog.at_level(logging.INFO, logger="jiefen.notify.sms"):
        assert send(db, LoggingSmsGateway()) == 1
    (line,) = [r.getMessage() for r in caplog.records if r.name == "jiefen.notify.sms"]
    assert "139****0001" in line and code in line
    assert VILLAGE_MEDIATOR_PHONE not in line


def test_the_sms_worker_thread_sends_and_stops(client: TestClient[Any], db: Database) -> None:
    file_case(client)
    gateway = RecordingGateway()
    worker = SmsWorker(db, SmsChannel(gateway), interval=0.05)
    worker.start()
    try:
        deadline = time.monotonic() + 10
        while not gateway.sent and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        worker.stop()
    assert [p for p, _ in gateway.sent] == [VILLAGE_MEDIATOR_PHONE]
    assert [d.status for d in texts(db)] == ["sent"]
    assert worker.run_once() == 0  # stopped


# -- the gateway setting ----------------------------------------------------------------------------


def test_gateway_setting_loads_log_off_and_a_dotted_path() -> None:
    assert isinstance(sms.load_gateway("log"), LoggingSmsGateway)
    assert sms.load_gateway("off") is None
    loaded = sms.load_gateway("tests.test_notify_sms:RecordingGateway")
    assert type(loaded).__name__ == "RecordingGateway"
    for bad in ("aliyun", "tests.nowhere:Gateway", "tests.test_notify_sms:Missing", "tests.test_notify_sms:"):
        with pytest.raises(ValueError, match=r"SMS gateway|JIEFEN_SMS_GATEWAY"):
            sms.load_gateway(bad)
    with pytest.raises(ValueError, match="send_sms"):
        sms.load_gateway("tests.test_notify_sms:NotAGateway")
    assert Settings.from_env({"JIEFEN_SMS_GATEWAY": "off"}).sms_gateway == "off"


def test_the_app_sends_through_a_gateway_named_by_dotted_path(settings: Settings) -> None:
    from server.app import create_app

    gw = "tests.test_notify_sms:RecordingGateway"
    app = create_app(
        dataclasses.replace(settings, sms_gateway=gw, sms_signature="长兴解纷", scheduler_interval_s=0.05)
    )
    with TestClient(app) as client:
        _, code, _ = file_case(client)
        deadline = time.monotonic() + 10
        while not RecordingGateway.sent_by_app and time.monotonic() < deadline:
            time.sleep(0.02)
        assert isinstance(running_of(app).sms, SmsWorker)
    assert running_of(app).sms is None  # stopped on shutdown
    assert RecordingGateway.sent_by_app == [
        (VILLAGE_MEDIATOR_PHONE, f"【长兴解纷】新案件待受理：{code}，请登录解纷及时受理。")
    ]


def test_a_bad_gateway_setting_stops_the_app(settings: Settings) -> None:
    from server.app import create_app

    app = create_app(dataclasses.replace(settings, sms_gateway="tests.nowhere:Gateway"))
    with pytest.raises(BaseException) as info, TestClient(app):  # noqa: PT011 — unwrapped below
        pass
    error: BaseException = info.value
    while isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
        error = error.exceptions[0]  # the startup hook's error, as the task group raised it
    assert isinstance(error, ValueError)
    assert "cannot load SMS gateway" in str(error)


def test_one_text_per_number_however_it_is_written(db: Database) -> None:
    from server.notify import sms

    with db.session() as s:
        queued = sms.queue(
            s, [(None, "137-0000-1234"), (None, "+86 137 0000 1234"), (None, "13700001234")], "文本", "status"
        )
    assert queued == 1
    assert [d.phone for d in texts(db)] == ["13700001234"]
