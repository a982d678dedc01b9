"""Queued Web Pushes reach the device encrypted; dead subscriptions are pruned; retries back off;
leases keep a push from being sent twice. Real encryption against tests/fakepush.py."""

from __future__ import annotations

import dataclasses
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select

from server.core import components_of, running_of
from server.db import Database, utcnow
from server.notify import events, service, webpush
from server.notify.delivery import LEASE
from server.notify.keys import load_or_create
from server.notify.models import PushDelivery, PushSubscriptionRow
from server.notify.push import MAX_ATTEMPTS, PushWorker, deliver_due
from server.settings import Settings
from server.sync.service import ServerReplica, Writer
from server.sync.store import SqlStore
from tests.conftest import new_device
from tests.fakepush import FakePushService, PushDevice, make_push_device
from tests.synctools import Device

ORG = "org-330522001-pmc"  # 雉城街道人民调解委员会
MEDIATOR = "med-330522001-pmc-1"
MEDIATOR_USER = "user-mediator"
ORG_ADMIN = "user-town_admin"


def subscribe(db: Database, user_id: str, device: PushDevice) -> None:
    with db.session() as s:
        service.subscribe(s, user_id, service.parse_subscription(device.subscription), utcnow())


def file_case(
    client: TestClient[Any], summary: str = "邻居违章搭建遮挡采光，协商未果"
) -> tuple[str, str, Device]:
    """A citizen files a case through sync; returns (key, code, the citizen's device)."""
    citizen = Device(client, new_device(client))
    key = f"case{secrets.token_hex(6)}"
    code, _ = citizen.file_case(key, summary, category="neighbor")
    citizen.sync()
    return key, code, citizen


def in_writer(db: Database, fn: Callable[[Writer], None]) -> None:
    """Run ``fn`` in one sync unit of work, as routing and the workflow do."""
    with db.session() as s:
        store = SqlStore(s)
        store.lock_for_write()
        w = Writer(store, ServerReplica(), int(time.time() * 1000))
        fn(w)
        w.finish()


def assign(db: Database, key: str, *, mediator: str | None = MEDIATOR, org: str = ORG) -> None:
    def run(w: Writer) -> None:
        w.server_put("case", key, "org", org)
        w.server_put("case", key, "mediator", mediator)  # replaces whom routing picked on filing
        w.server_put("case", key, "status", "assigned")
        events.case_assigned(w, key, w.view("case", key))

    in_writer(db, run)


def deliveries(db: Database) -> list[PushDelivery]:
    with db.read_session() as s:
        return list(s.scalars(select(PushDelivery).order_by(PushDelivery.id)))


def count_subscriptions(db: Database) -> int:
    with db.read_session() as s:
        return int(s.scalar(select(func.count()).select_from(PushSubscriptionRow)) or 0)


@pytest.fixture
def push() -> Iterator[FakePushService]:
    with FakePushService() as service_:
        yield service_


def run(db: Database, now: datetime | None = None, **kw: Any) -> int:
    return deliver_due(db, load_or_create(db), now or utcnow(), owner="test", timeout=5.0, **kw)


# ----------------------------------------------------------------------------------------------


def test_assignment_push_decrypts_to_the_chinese_title_and_opens_the_case(
    client: TestClient[Any], db: Database, push: FakePushService
) -> None:
    phone = make_push_device(push.endpoint("mediator-phone"))
    admin_pc = make_push_device(push.endpoint("admin-pc"))
    subscribe(db, MEDIATOR_USER, phone)
    subscribe(db, ORG_ADMIN, admin_pc)
    key, code, _ = file_case(client)
    assign(db, key)
    assert [d.status for d in deliveries(db)] == ["pending", "pending"]

    assert run(db) == 2
    by_path = {r.path: r for r in push.requests}
    req = by_path["/push/mediator-phone"]
    payload = phone.decrypt(req.body)
    assert payload["v"] == "1"
    assert payload["kind"] == "assignment"
    assert payload["title"] == f"新案件待受理：{code}"
    assert code in payload["title"]
    assert payload["body"] == "【邻里纠纷】邻居违章搭建遮挡采光，协商未果"
    assert payload["url"] == f"/cases/{key}"
    assert payload["tag"] == f"case:{key}"
    assert req.headers["content-encoding"] == "aes128gcm"
    assert (req.headers["ttl"], req.headers["urgency"]) == (str(24 * 3600), "normal")
    # Signed with the key the browsers were told to subscribe with.
    assert f"k={service.public_key(db)}" in req.headers["authorization"]
    assert admin_pc.decrypt(by_path["/push/admin-pc"].body)["url"] == f"/cases/{key}"
    assert [(d.status, d.attempts, d.lease_until) for d in deliveries(db)] == [("sent", 1, None)] * 2
    assert run(db) == 0  # nothing is sent twice


def test_a_user_without_subscriptions_gets_only_the_inbox_record(
    client: TestClient[Any], db: Database, push: FakePushService
) -> None:
    key, _, _ = file_case(client)
    assign(db, key)
    assert deliveries(db) == []
    assert run(db) == 0
    assert push.requests == []


@pytest.mark.parametrize("status", [404, 410])
def test_gone_answer_deletes_the_subscription(
    client: TestClient[Any], db: Database, push: FakePushService, status: int
) -> None:
    subscribe(db, MEDIATOR_USER, make_push_device(push.endpoint("old-phone")))
    keep = make_push_device(push.endpoint("new-phone"))
    subscribe(db, MEDIATOR_USER, keep)
    key, _, _ = file_case(client)
    assign(db, key, mediator=MEDIATOR)
    push.answer(status)  # the first request: to old-phone (lower delivery id)
    assert run(db) == 2
    with db.read_session() as s:
        assert list(s.scalars(select(PushSubscriptionRow.endpoint))) == [keep.endpoint]
    assert [d.status for d in deliveries(db)] == ["sent"]  # old-phone's delivery went with it


def test_server_error_is_retried_later_with_back_off_then_succeeds(
    client: TestClient[Any], db: Database, push: FakePushService
) -> None:
    phone = make_push_device(push.endpoint())
    subscribe(db, MEDIATOR_USER, phone)
    key, code, _ = file_case(client)
    assign(db, key)
    (first,) = deliveries(db)
    now = utcnow()
    push.answer(500, headers={"Retry-After": "120"})
    assert run(db, now) == 1
    (after,) = deliveries(db)
    assert (after.status, after.attempts, after.lease_until) == ("pending", 1, None)
    assert after.next_attempt_at >= now + timedelta(seconds=120)  # Retry-After is a floor
    assert after.next_attempt_at > first.next_attempt_at
    assert "500" in (after.last_error or "")

    assert run(db, now + timedelta(seconds=60)) == 0  # not due yet
    assert len(push.requests) == 1
    assert run(db, after.next_attempt_at) == 1
    (done,) = deliveries(db)
    assert (done.status, done.attempts) == ("sent", 2)
    assert len(push.requests) == 2
    assert phone.decrypt(push.requests[1].body)["title"] == f"新案件待受理：{code}"
    # The TTL counts down while the message waits in our queue.
    assert int(push.requests[1].headers["ttl"]) <= 24 * 3600 - 120


def test_back_off_grows_and_gives_up_after_max_attempts(
    client: TestClient[Any], db: Database, push: FakePushService
) -> None:
    subscribe(db, MEDIATOR_USER, make_push_device(push.endpoint()))
    key, _, _ = file_case(client)
    assign(db, key, mediator=MEDIATOR)
    push.answer(503, times=MAX_ATTEMPTS)
    now = utcnow()
    waits: list[float] = []
    for _ in range(MAX_ATTEMPTS):
        assert run(db, now) == 1
        (d,) = deliveries(db)
        if d.status != "pending":
            break
        waits.append((d.next_attempt_at - now).total_seconds())
        now = d.next_attempt_at
    (d,) = deliveries(db)
    assert (d.status, d.attempts) == ("failed", MAX_ATTEMPTS)
    assert len(waits) == MAX_ATTEMPTS - 1
    assert waits[-1] > waits[0] * 8  # exponential, jittered
    assert len(push.requests) == MAX_ATTEMPTS
    assert count_subscriptions(db) == 1  # a failing push service is no reason to forget the device


def test_other_refusals_fail_without_retry(
    client: TestClient[Any], db: Database, push: FakePushService
) -> None:
    subscribe(db, MEDIATOR_USER, make_push_device(push.endpoint()))
    key, _, _ = file_case(client)
    assign(db, key)
    push.answer(403)
    run(db)
    (d,) = deliveries(db)
    assert (d.status, d.attempts) == ("failed", 1)
    assert run(db, utcnow() + timedelta(days=1)) == 0


def test_a_message_past_its_ttl_is_not_sent(
    client: TestClient[Any], db: Database, push: FakePushService
) -> None:
    subscribe(db, MEDIATOR_USER, make_push_device(push.endpoint()))
    key, _, _ = file_case(client)
    assign(db, key)
    assert run(db, utcnow() + timedelta(days=1, seconds=5)) == 1
    (d,) = deliveries(db)
    assert d.status == "failed"
    assert "expired" in (d.last_error or "")
    assert push.requests == []


def test_a_run_inside_another_runs_lease_sends_nothing_twice(
    client: TestClient[Any], db: Database, push: FakePushService
) -> None:
    for name in ("a", "b", "c"):
        subscribe(db, MEDIATOR_USER, make_push_device(push.endpoint(name)))
    key, _, _ = file_case(client)
    assign(db, key)
    keys = load_or_create(db)
    now = utcnow()
    inner: list[int] = []

    def sender(*args: Any, **kw: Any) -> webpush.DeliveryResult:
        if not inner:  # while the outer run holds its leases, a second worker looks for work
            inner.append(deliver_due(db, keys, now + LEASE / 2, owner="second", timeout=5.0))
        return webpush.send(*args, **kw)

    assert deliver_due(db, keys, now, owner="first", timeout=5.0, sender=sender) == 3
    assert inner == [0]
    assert sorted(r.path for r in push.requests) == ["/push/a", "/push/b", "/push/c"]
    assert {d.status for d in deliveries(db)} == {"sent"}


def test_an_expired_lease_is_taken_over_and_the_late_outcome_is_ignored(
    client: TestClient[Any], db: Database, push: FakePushService
) -> None:
    subscribe(db, MEDIATOR_USER, make_push_device(push.endpoint()))
    key, _, _ = file_case(client)
    assign(db, key)
    keys = load_or_create(db)
    now = utcnow()
    seen: list[int] = []

    def hung(*args: Any, **kw: Any) -> webpush.DeliveryResult:
        # The first worker hangs past its lease; a second one takes the row over and fails it.
        seen.append(deliver_due(db, keys, now + LEASE * 2, owner="second", timeout=5.0, sender=refuse))
        return webpush.DeliveryResult(ok=True, status=201)

    def refuse(*args: Any, **kw: Any) -> webpush.DeliveryResult:
        return webpush.DeliveryResult(ok=False, status=400, error="HTTP 400")

    assert deliver_due(db, keys, now, owner="first", timeout=5.0, sender=hung) == 1
    assert seen == [1]
    (d,) = deliveries(db)
    assert (d.status, d.attempts) == ("failed", 1)  # the second worker's outcome, not the late "sent"


def test_concurrent_workers_send_each_row_once(
    client: TestClient[Any], db: Database, push: FakePushService
) -> None:
    devices = [make_push_device(push.endpoint(f"d{i}")) for i in range(12)]
    for i, dev in enumerate(devices):
        subscribe(db, MEDIATOR_USER if i % 2 else ORG_ADMIN, dev)
    key, _, _ = file_case(client)
    assign(db, key)
    push.answer(201, times=12, delay=0.02)
    keys = load_or_create(db)
    now = utcnow()
    counts: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def work(n: int) -> None:
        try:
            start.wait()
            counts.append(deliver_due(db, keys, now, owner=f"w{n}", batch=4, timeout=5.0))
            counts.append(deliver_due(db, keys, now, owner=f"w{n}", batch=4, timeout=5.0))
        except BaseException as e:  # pragma: no cover - surfaced below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert sum(counts) == 12
    assert sorted(r.path for r in push.requests) == sorted(f"/push/d{i}" for i in range(12))
    assert {d.status for d in deliveries(db)} == {"sent"}


def test_push_worker_thread_delivers_and_stops(
    client: TestClient[Any], db: Database, push: FakePushService
) -> None:
    subscribe(db, MEDIATOR_USER, make_push_device(push.endpoint()))
    key, _, _ = file_case(client)
    assign(db, key)
    worker = PushWorker(db, interval=0.05, subject="mailto:ops@jiefen.example.cn")
    worker.start()
    try:
        deadline = time.monotonic() + 10
        while not push.requests and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        worker.stop()
    assert len(push.requests) == 1
    assert [d.status for d in deliveries(db)] == ["sent"]
    assert worker.run_once() == 0  # stopped: nothing more, and no thread left behind


def test_run_once_drains_every_batch(client: TestClient[Any], db: Database, push: FakePushService) -> None:
    for i in range(5):
        subscribe(db, MEDIATOR_USER, make_push_device(push.endpoint(f"p{i}")))
    key, _, _ = file_case(client)
    assign(db, key)
    assert PushWorker(db, interval=0, batch=2).run_once() == 5
    assert len(push.requests) == 5


def test_resubscribing_on_another_login_drops_what_was_queued_for_the_previous_user(
    client: TestClient[Any], db: Database, push: FakePushService
) -> None:
    shared = make_push_device(push.endpoint("shared-pc"))
    subscribe(db, MEDIATOR_USER, shared)
    key, _, _ = file_case(client)
    assign(db, key, mediator=MEDIATOR)
    assert len(deliveries(db)) == 1
    subscribe(db, ORG_ADMIN, shared)  # the org admin logs in on the same browser
    assert deliveries(db) == []
    assert run(db) == 0
    with db.read_session() as s:
        assert s.scalars(select(PushSubscriptionRow.user_id)).all() == [ORG_ADMIN]


def test_the_app_runs_the_worker_when_the_scheduler_is_on(settings: Settings, push: FakePushService) -> None:
    from server.app import create_app

    app = create_app(dataclasses.replace(settings, scheduler_interval_s=0.05))
    with TestClient(app) as client:
        db = components_of(app).db
        subscribe(db, MEDIATOR_USER, make_push_device(push.endpoint()))
        key, _, _ = file_case(client)
        assign(db, key)
        deadline = time.monotonic() + 10
        while not push.requests and time.monotonic() < deadline:
            time.sleep(0.02)
        assert isinstance(running_of(app).push, PushWorker)
    assert len(push.requests) == 1
    assert running_of(app).push is None  # stopped on shutdown
