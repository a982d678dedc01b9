"""Events → inbox records that sync to their user only, and pushes queued with the event's TTL."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from server.db import Database
from server.notify import events
from server.notify.models import PushDelivery
from server.notify.webpush import NotificationText
from server.sync.models import RecordRow
from server.sync.service import Writer
from server.sync.store import SqlStore
from tests.conftest import login, new_device
from tests.synctools import Device
from tests.test_notify_delivery import (
    MEDIATOR,
    MEDIATOR_USER,
    ORG,
    ORG_ADMIN,
    assign,
    file_case,
    in_writer,
    make_push_device,
    subscribe,
)

ENDPOINT = "https://push.example.com/send/"  # never contacted: these tests only queue


def notifications(db: Database) -> list[dict[str, Any]]:
    """Every notification record's view, oldest first."""
    with db.read_session() as s:
        store = SqlStore(s)
        keys = s.scalars(select(RecordRow.key).where(RecordRow.entity == "notification")).all()
        out = []
        for k in sorted(keys):
            rec = store.get_record(("notification", k))
            assert rec is not None
            out.append({"key": k, **rec.view})
        return out


def queued(db: Database) -> list[PushDelivery]:
    with db.read_session() as s:
        return list(s.scalars(select(PushDelivery).order_by(PushDelivery.id)))


class Since:
    """What was made after this point: routing notifies on its own when a filed case is routed."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.keys = {n["key"] for n in notifications(db)}
        self.ids = {d.id for d in queued(db)}

    def notes(self) -> list[dict[str, Any]]:
        return [n for n in notifications(self.db) if n["key"] not in self.keys]

    def rows(self) -> list[PushDelivery]:
        return [d for d in queued(self.db) if d.id not in self.ids]


# ----------------------------------------------------------------------------------------------


def test_assignment_inbox_record_syncs_to_the_mediator_who_alone_may_mark_it_read(
    client: TestClient[Any], db: Database
) -> None:
    key, code, citizen = file_case(client)
    mediator = Device(client, login(client, "mediator"))
    mediator.sync()
    assign(db, key)

    mediator.sync()
    (nkey,) = [k for k in mediator.keys("notification") if mediator.view("notification", k)["case"] == key]  # type: ignore[index]
    view = mediator.view("notification", nkey)
    assert view is not None
    assert view["user"] == MEDIATOR_USER
    assert view["kind"] == "assignment"
    assert view["title"] == f"新案件待受理：{code}"
    assert view["url"] == f"/cases/{key}"
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", nkey)
    assert datetime.fromisoformat(view["at"].replace("Z", "+00:00")) <= datetime.now(UTC)
    assert "read" not in view

    mediator.put("notification", nkey, "read", True)
    body = mediator.sync()
    assert body["rejected"] == []
    assert mediator.view("notification", nkey)["read"] is True  # type: ignore[index]

    # Another user cannot see it, nor mark it.
    admin = Device(client, login(client, "town_admin"))
    admin.sync()
    assert nkey not in admin.keys("notification")
    assert any(admin.view("notification", k)["case"] == key for k in admin.keys("notification"))  # type: ignore[index]
    admin.put("notification", nkey, "read", False)
    (rej,) = admin.sync()["rejected"]
    assert rej["code"] == "not_yours"
    citizen.sync()
    assert citizen.keys("notification") == set()
    mediator.sync()
    assert mediator.view("notification", nkey)["read"] is True  # type: ignore[index]


def citizen_user(device: Device) -> str:
    r = device.client.get("/api/v1/me", headers=device.headers)
    return str(r.json()["id"]) if r.status_code == 200 else ""


def test_case_assigned_reaches_the_mediator_and_the_org_admins(client: TestClient[Any], db: Database) -> None:
    subscribe(db, MEDIATOR_USER, make_push_device(ENDPOINT + "m"))
    subscribe(db, ORG_ADMIN, make_push_device(ENDPOINT + "a"))
    key, _, _ = file_case(client)
    since = Since(db)
    assign(db, key)
    assert sorted(n["user"] for n in since.notes()) == sorted([MEDIATOR_USER, ORG_ADMIN])
    rows = since.rows()
    assert [(d.ttl, d.urgency, d.status, d.payload["kind"]) for d in rows] == [
        (86400, "normal", "pending", "assignment")
    ] * 2
    assert rows[0].payload["url"] == f"/cases/{key}"


def test_without_a_mediator_only_the_org_admins_hear(client: TestClient[Any], db: Database) -> None:
    key, _, _ = file_case(client)
    since = Since(db)
    assign(db, key, mediator=None)
    assert [n["user"] for n in since.notes()] == [ORG_ADMIN]


def test_deadline_warning_is_urgent_and_lives_until_the_deadline(
    client: TestClient[Any], db: Database
) -> None:
    subscribe(db, MEDIATOR_USER, make_push_device(ENDPOINT + "m"))
    key, code, _ = file_case(client)
    since = Since(db)
    due = datetime.now(UTC) + timedelta(hours=3)

    def run(w: Writer) -> None:
        w.server_put("case", key, "org", ORG)
        w.server_put("case", key, "mediator", MEDIATOR)
        w.server_put("case", key, "respond_by", due.isoformat())
        events.deadline_warning(w, key, w.view("case", key), "respond")

    in_writer(db, run)
    notes = since.notes()
    assert sorted(n["user"] for n in notes) == sorted([MEDIATOR_USER, ORG_ADMIN])
    assert notes[0]["title"] == f"案件即将超期：{code}"
    local = due.astimezone(events._SHANGHAI)
    assert f"{local:%m月%d日 %H:%M}" in notes[0]["body"]
    (d,) = since.rows()
    assert d.urgency == "high"
    assert 3 * 3600 - 60 <= d.ttl <= 3 * 3600  # not a day: after the deadline the breach notice counts


def test_deadline_warning_far_ahead_keeps_one_day(client: TestClient[Any], db: Database) -> None:
    subscribe(db, MEDIATOR_USER, make_push_device(ENDPOINT + "m"))
    key, _, _ = file_case(client)
    since = Since(db)

    def run(w: Writer) -> None:
        w.server_put("case", key, "mediator", MEDIATOR)
        w.server_put("case", key, "resolve_by", (datetime.now(UTC) + timedelta(days=5)).isoformat())
        events.deadline_warning(w, key, w.view("case", key), "resolve")

    in_writer(db, run)
    (d,) = since.rows()
    assert (d.ttl, d.urgency) == (86400, "high")


def test_deadline_breached_names_the_org_it_went_to(client: TestClient[Any], db: Database) -> None:
    subscribe(db, ORG_ADMIN, make_push_device(ENDPOINT + "a"))
    key, code, _ = file_case(client)
    since = Since(db)

    def run(w: Writer) -> None:
        w.server_put("case", key, "org", ORG)
        w.server_put("case", key, "mediator", MEDIATOR)
        before = dict(w.view("case", key))  # the org that missed the deadline
        w.server_put("case", key, "org", "org-330522-pmc")
        events.deadline_breached(w, key, before, "respond", "org-330522-pmc")

    in_writer(db, run)
    notes = since.notes()
    assert sorted(n["user"] for n in notes) == sorted([MEDIATOR_USER, ORG_ADMIN])
    assert notes[0]["title"] == f"案件已超期：{code}"
    assert notes[0]["body"].startswith("未在期限内受理（或不予受理），已上报")
    assert "org-330522-pmc" not in notes[0]["body"]  # shown by name
    (d,) = since.rows()
    assert d.urgency == "high"


def test_status_change_goes_to_the_filer_and_followers(client: TestClient[Any], db: Database) -> None:
    key, code, citizen = file_case(client)
    since = Since(db)
    follower = Device(client, login(client, "grid"))
    filer_id = citizen_user(citizen)
    assert filer_id

    def run(w: Writer) -> None:
        view = w.view("case", key)
        w.store.add_follower(key, "user-grid")
        w.server_put("case", key, "status", "accepted")
        events.status_changed(w, key, view, "assigned", "accepted")

    subscribe(db, filer_id, make_push_device(ENDPOINT + "f"))
    in_writer(db, run)
    notes = since.notes()
    assert sorted(n["user"] for n in notes) == sorted([filer_id, "user-grid"])
    assert {n["title"] for n in notes} == {f"您的案件 {code} 已受理"}
    (d,) = since.rows()
    assert (d.ttl, d.urgency, d.payload["kind"]) == (3 * 86400, "normal", "status")
    follower.sync()
    assert any(follower.view("notification", k)["case"] == key for k in follower.keys("notification"))  # type: ignore[index]


def test_status_unchanged_or_unknown(client: TestClient[Any], db: Database) -> None:
    key, code, _ = file_case(client)
    since = Since(db)
    in_writer(db, lambda w: events.status_changed(w, key, w.view("case", key), "accepted", "accepted"))
    assert since.notes() == []
    in_writer(db, lambda w: events.status_changed(w, key, w.view("case", key), "accepted", "mystery"))
    (n,) = since.notes()
    assert n["title"] == f"您的案件 {code} 有新进展"


def test_notify_users_dedupes_and_makes_unique_keys(client: TestClient[Any], db: Database) -> None:
    subscribe(db, MEDIATOR_USER, make_push_device(ENDPOINT + "1"))
    subscribe(db, MEDIATOR_USER, make_push_device(ENDPOINT + "2"))
    text = NotificationText("status", "标题", "正文", "/cases/x", "case:x")
    since = Since(db)
    in_writer(
        db,
        lambda w: events.notify_users(
            w, [MEDIATOR_USER, MEDIATOR_USER, ""], text, case_key=None, ttl=600, urgency="low", kind="status"
        ),
    )
    (n,) = since.notes()
    assert (n["user"], n["case"], n["title"], n["body"]) == (MEDIATOR_USER, None, "标题", "正文")
    assert [(d.ttl, d.urgency) for d in since.rows()] == [(600, "low")] * 2
    assert since.rows()[0].payload == {
        "v": "1", "kind": "status", "title": "标题", "body": "正文", "url": "/cases/x", "tag": "case:x"
    }  # fmt: skip


def test_notification_keys_are_unique_valid_and_sort_by_time() -> None:
    ms = int(time.time() * 1000)
    made = {events.new_key(ms) for _ in range(1000)}
    assert len(made) == 1000
    assert all(re.fullmatch(r"[0-9A-Z]{26}", k) for k in made)  # within the sync key rule
    assert events.new_key(ms - 1) < events.new_key(ms) < events.new_key(ms + 1)


def test_unknown_deadline_kind_is_a_programming_error(client: TestClient[Any], db: Database) -> None:
    key, _, _ = file_case(client)
    with pytest.raises(ValueError, match="respond"):
        in_writer(db, lambda w: events.deadline_warning(w, key, w.view("case", key), "soon"))


def test_an_unknown_urgency_is_refused_at_the_call(db: Database) -> None:
    text = NotificationText("status", "标题", "正文", "/cases/x", "case:x")
    with pytest.raises(ValueError, match="urgency"):
        in_writer(
            db,
            lambda w: events.notify_users(
                w, [MEDIATOR_USER], text, case_key=None, ttl=60, urgency="urgent", kind="status"
            ),
        )


def test_an_admin_does_not_receive_other_users_notifications(client: TestClient[Any]) -> None:
    filer = Device(client, new_device(client))
    filer.file_case("note1", "隔壁装修天天敲到半夜")
    filer.sync()  # routing notifies the village mediator
    med = Device(client, login(client, "village_mediator"))
    med.sync()
    assert med.keys("notification")
    admin = Device(client, login(client, "admin"))
    admin.sync()
    assert "note1" in admin.keys("case")  # an admin reads every case…
    assert admin.keys("notification") == set()  # …but not other people's inboxes
