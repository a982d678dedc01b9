"""A replica belongs to one principal; an op id is "already stored" only for the same content from
the same principal (issue #9, finding 2: acknowledged writes were silently lost)."""

from __future__ import annotations

import itertools
import time
from typing import Any

from litestar.testing import TestClient

from server.db import Database
from server.sync.ops import Op
from server.sync.service import ServerReplica, Writer
from server.sync.store import SqlStore
from tests.conftest import login, new_device
from tests.synctools import Device


def reader(client: TestClient[Any]) -> Device:
    d = Device(client, login(client, "admin"))
    d.sync()
    return d


def codes(body: dict[str, Any]) -> list[str]:
    return [r["code"] for r in body["rejected"]]


def test_another_principal_cannot_push_under_a_replica_it_does_not_own(client: TestClient[Any]) -> None:
    y = Device(client, new_device(client))
    y.file_case("caseY", "Y 的纠纷")
    y.sync()
    x = Device(client, new_device(client), replica=y.replica)  # X read Y's replica id off a pulled op
    x.n = itertools.count(100)  # and made up op numbers
    x.file_case("caseX", "X 冒用设备编号")
    body = x.sync()
    assert body["acked"] == []
    assert set(codes(body)) == {"replica_taken"}
    assert "caseX" not in reader(client).keys("case")


def test_the_owners_later_ops_are_stored_not_swallowed(client: TestClient[Any]) -> None:
    """The exact attack of the finding: X pre-empts Y's next op ids; Y's real ops must land."""
    y = Device(client, new_device(client))
    y.file_case("caseY", "Y 的纠纷")
    y.sync()
    x = Device(client, new_device(client), replica=y.replica)
    x.n = itertools.count(6)  # Y used 1..5 filing; X takes Y's next numbers first
    x.put("case", "caseY", "summary", "X 写进 Y 的案件")
    x.file_case("caseX", "X 抢先占用编号")
    assert x.sync()["acked"] == []
    y.put("case", "caseY", "summary", "Y 改过的摘要")  # {Y}:6, the id X tried
    body = y.sync()
    assert codes(body) == []
    assert reader(client).view("case", "caseY")["summary"] == "Y 改过的摘要"  # type: ignore[index]


def test_same_id_other_content_is_rejected_not_acked(client: TestClient[Any]) -> None:
    y = Device(client, new_device(client))
    y.file_case("caseY", "原来的摘要")
    first = y.sync()
    summary_op = next(i for i in first["acked"] if i.endswith(":2"))
    y.outbox = [
        {
            "id": summary_op,
            "ts": y.clock.tick(),
            "entity": "case",
            "key": "caseY",
            "kind": "put",
            "field": "summary",
            "value": "同一编号换了内容",
        }
    ]
    body = y.sync()
    assert body["acked"] == []
    assert codes(body) == ["id_conflict"]
    assert reader(client).view("case", "caseY")["summary"] == "原来的摘要"  # type: ignore[index]


def test_a_resent_op_is_acked_and_changes_nothing(client: TestClient[Any]) -> None:
    y = Device(client, new_device(client))
    y.file_case("caseY", "原来的摘要")
    sent = list(y.outbox)
    y.sync()
    y.outbox = sent
    body = y.sync()
    assert sorted(body["acked"]) == sorted(o["id"] for o in sent)
    assert body["rejected"] == []


def test_two_ops_with_one_id_in_a_batch(client: TestClient[Any]) -> None:
    y = Device(client, new_device(client))
    y.file_case("caseY", "摘要")
    op = y.put("case", "caseY", "region", "330522001008")
    y.outbox.append({**op, "value": "330522101201"})
    body = y.sync()
    assert codes(body) == ["id_conflict"]
    assert reader(client).view("case", "caseY")["region"] == "330522001008"  # type: ignore[index]


def test_the_servers_replica_ids_are_not_for_clients(client: TestClient[Any]) -> None:
    d = Device(client, new_device(client), replica="srv_0123456789ab")
    d.file_case("caseS", "冒充服务器")
    body = d.sync()
    assert body["acked"] == []
    assert set(codes(body)) == {"replica_taken"}


def test_ops_stored_before_owners_were_kept_decide_the_owner(client: TestClient[Any], db: Database) -> None:
    """A replica used before this rule: its first pusher (from the op log) owns it."""
    owner = Device(client, new_device(client))
    me = client.get("/api/v1/me", headers=owner.headers).json()["id"]
    with db.session() as s:
        store = SqlStore(s)
        store.lock_for_write()
        w = Writer(store, ServerReplica(), int(time.time() * 1000))
        op = Op(f"{owner.replica}:1", owner.clock.tick(), "notification", "n1", "put", "read", True)
        w.store.append_many([(store.max_seq() + 1, op, "n:n1", me)])
    other = Device(client, new_device(client), replica=owner.replica)
    other.n = itertools.count(5)
    other.file_case("caseO", "抢注旧设备编号")
    assert set(codes(other.sync())) == {"replica_taken"}
    owner.n = itertools.count(200)
    owner.file_case("caseM", "本来的设备")
    assert codes(owner.sync()) == []


def test_a_replica_id_with_a_trailing_newline_is_refused(client: TestClient[Any]) -> None:
    h = new_device(client)
    r = client.post("/api/v1/sync", headers=h, json={"replica": "dev_abcdefgh\n", "since": 0, "ops": []})
    assert r.status_code == 400
