"""One contract for the delivery queue, run over every channel (Web Push, SMS) on both databases.

Whatever a channel sends, its queue must: let only one worker hold a row, retry a retryable
failure after a growing back-off and give up after the channel's ``max_attempts``, drop a row whose
TTL ran out instead of sending it late, fail a final refusal at once, and leave a row that a worker
died holding for another worker once the lease has run out. Push runs against tests/fakepush.py
(real encryption), SMS against a recording gateway.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db import Database, utcnow
from server.notify import delivery, service, sms, webpush
from server.notify.channels import SmsChannel, SmsError
from server.notify.delivery import EXPIRED, LEASE, Outbox
from server.notify.keys import load_or_create
from server.notify.models import PushDelivery, PushSubscriptionRow, QueuedDelivery, SmsDelivery
from server.notify.push import PushOutbox
from server.notify.sms import SmsOutbox
from tests.fakepush import FakePushService, make_push_device

USER = "user-mediator"  # a demo staff user: both tables point at users


class WorkerKilled(BaseException):
    """Stands for the process dying mid-send: nothing in the queue may catch it."""


class Harness:
    """What the contract needs of one channel: queue rows, script failures, see what was sent."""

    name: str
    table: type[QueuedDelivery]

    def enqueue(self, db: Database, n: int, *, ttl: int) -> None:
        raise NotImplementedError

    def fail_next(self, times: int, *, retry: bool) -> None:
        raise NotImplementedError

    def sent(self) -> list[str]:
        """Recipients of every try that reached the far end (push service or gateway, refused
        ones too), in order."""
        raise NotImplementedError

    def outbox(self, db: Database) -> Outbox[Any, Any]:
        raise NotImplementedError

    def rows(self, db: Database) -> list[QueuedDelivery]:
        with db.read_session() as s:
            return list(s.scalars(select(self.table).order_by(self.table.id)))


class PushHarness(Harness):
    name = "push"
    table = PushDelivery

    def __init__(self, push: FakePushService) -> None:
        self.push = push
        self._devices = 0

    def enqueue(self, db: Database, n: int, *, ttl: int) -> None:
        payload = webpush.breach("k1", "JF-330522-0001", "respond").to_payload()
        now = utcnow()
        with db.session() as s:
            for _ in range(n):
                self._devices += 1
                device = make_push_device(self.push.endpoint(f"d{self._devices}"))
                service.subscribe(s, USER, service.parse_subscription(device.subscription), now)
                (sub_id,) = s.scalars(
                    select(PushSubscriptionRow.id).where(PushSubscriptionRow.endpoint == device.endpoint)
                )
                s.add(
                    PushDelivery(
                        subscription_id=sub_id, payload=payload, ttl=ttl, next_attempt_at=now, created_at=now
                    )
                )

    def fail_next(self, times: int, *, retry: bool) -> None:
        self.push.answer(503 if retry else 403, times)

    def sent(self) -> list[str]:
        return [r.path.rsplit("/", 1)[-1] for r in self.push.requests]

    def outbox(self, db: Database) -> Outbox[Any, Any]:
        return PushOutbox(load_or_create(db), subject="mailto:ops@jiefen.example.cn", timeout=5.0)


class RecordingGateway:
    def __init__(self) -> None:
        self.sent: list[str] = []
        self.failures: list[SmsError] = []
        self._lock = threading.Lock()

    def send_sms(self, phone: str, text: str) -> None:
        with self._lock:
            failure = self.failures.pop(0) if self.failures else None
        with self._lock:
            self.sent.append(phone)
        time.sleep(0.005)  # a gateway takes a moment: lets concurrent workers overlap
        if failure is not None:
            raise failure


class SmsHarness(Harness):
    name = "sms"
    table = SmsDelivery

    def __init__(self) -> None:
        self.gateway = RecordingGateway()
        self._phones = 0

    def enqueue(self, db: Database, n: int, *, ttl: int) -> None:
        with db.session() as s:
            for _ in range(n):
                self._phones += 1
                assert sms.queue(
                    s, [(None, f"1370000{self._phones:04d}")], "您的案件已受理", "status", ttl=ttl
                )

    def fail_next(self, times: int, *, retry: bool) -> None:
        self.gateway.failures.extend(
            SmsError("网关繁忙" if retry else "号码已停机", retry=retry) for _ in range(times)
        )

    def sent(self) -> list[str]:
        return list(self.gateway.sent)

    def outbox(self, db: Database) -> Outbox[Any, Any]:
        return SmsOutbox(SmsChannel(self.gateway))


@pytest.fixture(params=["push", "sms"])
def channel(request: pytest.FixtureRequest) -> Iterator[Harness]:
    if request.param == "sms":
        yield SmsHarness()
        return
    with FakePushService() as push:
        yield PushHarness(push)


class Hooked(Outbox[Any, Any]):
    """``inner`` with ``before`` run ahead of each send (to crash or to interleave another worker)."""

    def __init__(self, inner: Outbox[Any, Any], before: Callable[[], None]) -> None:
        self.inner, self.before = inner, before
        self.name, self.table = inner.name, inner.table
        self.max_attempts, self.send_budget = inner.max_attempts, inner.send_budget

    def jobs(self, s: Session, rows: Sequence[Any]) -> list[Any]:
        return self.inner.jobs(s, rows)

    def send(self, job: Any, ttl: int) -> webpush.DeliveryResult:
        self.before()
        return self.inner.send(job, ttl)

    def forget(self, s: Session, row: Any) -> None:
        self.inner.forget(s, row)


def run(db: Database, outbox: Outbox[Any, Any], now: datetime, *, owner: str = "w1", batch: int = 50) -> int:
    return delivery.deliver_due(db, outbox, now, owner=owner, batch=batch)


# ----------------------------------------------------------------------------------------------


def test_each_row_is_sent_once_and_nothing_twice(db: Database, channel: Harness) -> None:
    channel.enqueue(db, 3, ttl=3600)
    now = utcnow()
    assert run(db, channel.outbox(db), now) == 3
    assert len(channel.sent()) == 3 and len(set(channel.sent())) == 3
    assert [(r.status, r.attempts, r.lease_until) for r in channel.rows(db)] == [("sent", 1, None)] * 3
    assert run(db, channel.outbox(db), now + timedelta(days=1)) == 0


def test_a_second_worker_finds_nothing_while_the_first_holds_the_leases(
    db: Database, channel: Harness
) -> None:
    channel.enqueue(db, 3, ttl=3600)
    now = utcnow()
    inner: list[int] = []

    def second_worker() -> None:
        if not inner:  # while the first worker holds its leases, a second one looks for work
            inner.append(run(db, channel.outbox(db), now + LEASE / 2, owner="w2"))

    assert run(db, Hooked(channel.outbox(db), second_worker), now) == 3
    assert inner == [0]
    assert len(channel.sent()) == 3
    assert {r.status for r in channel.rows(db)} == {"sent"}


def test_concurrent_workers_send_each_row_once(db: Database, channel: Harness) -> None:
    channel.enqueue(db, 10, ttl=3600)
    now = utcnow()
    counts: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def work(owner: str) -> None:
        try:
            start.wait()
            while n := run(db, channel.outbox(db), now, owner=owner, batch=3):
                counts.append(n)
        except BaseException as e:  # pragma: no cover - surfaced below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sum(counts) == 10
    assert len(channel.sent()) == 10 and len(set(channel.sent())) == 10
    assert {(r.status, r.attempts) for r in channel.rows(db)} == {("sent", 1)}


def test_a_retryable_failure_backs_off_then_sends(db: Database, channel: Harness) -> None:
    channel.enqueue(db, 1, ttl=24 * 3600)
    channel.fail_next(1, retry=True)
    now = utcnow()
    assert run(db, channel.outbox(db), now) == 1
    (row,) = channel.rows(db)
    assert (row.status, row.attempts, row.lease_until) == ("pending", 1, None)
    assert row.last_error
    assert row.next_attempt_at >= now + timedelta(seconds=15)  # half of the first 30 s step at least
    assert run(db, channel.outbox(db), now + timedelta(seconds=10)) == 0  # not due yet
    assert run(db, channel.outbox(db), row.next_attempt_at) == 1
    (row,) = channel.rows(db)
    assert (row.status, row.attempts) == ("sent", 2)
    assert len(channel.sent()) == 2 and len(set(channel.sent())) == 1  # the same recipient, tried twice


def test_retries_grow_and_give_up_after_max_attempts(db: Database, channel: Harness) -> None:
    outbox = channel.outbox(db)
    channel.enqueue(db, 1, ttl=28 * 24 * 3600)
    channel.fail_next(outbox.max_attempts, retry=True)
    now = utcnow()
    waits: list[float] = []
    for _ in range(outbox.max_attempts):
        assert run(db, outbox, now) == 1
        (row,) = channel.rows(db)
        if row.status != "pending":
            break
        waits.append((row.next_attempt_at - now).total_seconds())
        now = row.next_attempt_at
    (row,) = channel.rows(db)
    assert (row.status, row.attempts) == ("failed", outbox.max_attempts)
    assert len(waits) == outbox.max_attempts - 1
    assert waits[-1] > waits[0] * 4  # exponential (jittered)
    assert len(channel.sent()) == outbox.max_attempts
    assert run(db, outbox, now + timedelta(days=30)) == 0


def test_a_final_refusal_fails_at_once(db: Database, channel: Harness) -> None:
    channel.enqueue(db, 1, ttl=3600)
    channel.fail_next(1, retry=False)
    now = utcnow()
    assert run(db, channel.outbox(db), now) == 1
    (row,) = channel.rows(db)
    assert (row.status, row.attempts) == ("failed", 1)
    assert run(db, channel.outbox(db), now + timedelta(days=1)) == 0
    assert len(channel.sent()) == 1


def test_a_row_past_its_ttl_is_dropped_not_sent_late(db: Database, channel: Harness) -> None:
    channel.enqueue(db, 1, ttl=600)  # a deadline warning ten minutes before the deadline
    channel.enqueue(db, 1, ttl=0)  # no TTL: worth sending whenever
    assert run(db, channel.outbox(db), utcnow() + timedelta(seconds=601)) == 2
    late, timeless = channel.rows(db)
    assert (late.status, late.attempts, late.last_error) == ("failed", 1, EXPIRED)
    assert timeless.status == "sent"
    assert len(channel.sent()) == 1


def test_a_retry_that_outlives_the_ttl_is_dropped(db: Database, channel: Harness) -> None:
    channel.enqueue(db, 1, ttl=10)
    channel.fail_next(1, retry=True)
    now = utcnow()
    assert run(db, channel.outbox(db), now) == 1
    (row,) = channel.rows(db)
    assert row.next_attempt_at > now + timedelta(seconds=10)  # the back-off runs past the TTL
    assert run(db, channel.outbox(db), row.next_attempt_at) == 1
    (row,) = channel.rows(db)
    assert (row.status, row.last_error) == ("failed", EXPIRED)
    assert len(channel.sent()) == 1  # the first, refused try only


def test_a_worker_dying_mid_send_leaves_its_rows_to_another_after_the_lease(
    db: Database, channel: Harness
) -> None:
    channel.enqueue(db, 2, ttl=3600)
    now = utcnow()

    def die() -> None:
        raise WorkerKilled

    with pytest.raises(WorkerKilled):
        run(db, Hooked(channel.outbox(db), die), now)
    assert [(r.status, r.attempts, r.lease_until is not None) for r in channel.rows(db)] == [
        ("pending", 0, True)
    ] * 2
    assert run(db, channel.outbox(db), now + LEASE / 2, owner="w2") == 0  # still leased
    assert channel.sent() == []
    assert run(db, channel.outbox(db), now + LEASE + timedelta(seconds=1), owner="w2") == 2
    assert [(r.status, r.attempts) for r in channel.rows(db)] == [("sent", 1)] * 2
    assert len(channel.sent()) == 2


def test_an_outcome_after_the_lease_was_taken_over_is_ignored(db: Database, channel: Harness) -> None:
    channel.enqueue(db, 1, ttl=24 * 3600)
    now = utcnow()
    taken: list[int] = []

    def hang_past_the_lease() -> None:
        # While the first worker hangs, its lease runs out; a second one takes the row and is refused.
        channel.fail_next(1, retry=False)
        taken.append(run(db, channel.outbox(db), now + LEASE * 2, owner="w2"))

    assert run(db, Hooked(channel.outbox(db), hang_past_the_lease), now) == 1
    assert taken == [1]
    (row,) = channel.rows(db)
    assert (row.status, row.attempts) == ("failed", 1)  # the second worker's outcome, not the late "sent"


def test_an_unexpected_error_is_retried(db: Database, channel: Harness) -> None:
    channel.enqueue(db, 1, ttl=3600)

    def crash() -> None:
        raise ConnectionResetError("reset by peer")

    assert run(db, Hooked(channel.outbox(db), crash), utcnow()) == 1
    (row,) = channel.rows(db)
    assert (row.status, row.attempts) == ("pending", 1)
    assert "ConnectionResetError" in (row.last_error or "")
