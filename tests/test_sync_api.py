"""POST /api/v1/sync as a client relies on it: exactly-once, atomic, scoped, paged, bounded."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select

from server.core import components_of
from server.db import Database
from server.sync.models import OpRow
from tests.conftest import login, new_device
from tests.synctools import Device


def op_count(db: Database) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(OpRow)) or 0)


def test_offline_filing_arrives_once_and_comes_back(client: TestClient[Any]) -> None:
    d = Device(client, new_device(client))
    for i in range(10):
        d.file_case(f"case{i:02d}", f"纠纷 {i}：隔壁装修天天敲到半夜")
        d.put("party", f"p{i:02d}", "case", f"case{i:02d}")
        d.put("party", f"p{i:02d}", "name", "王小明")
    pushed = list(d.outbox)
    body = d.sync()
    assert len(body["acked"]) == len(pushed)
    assert body["rejected"] == []
    assert d.keys("case") == {f"case{i:02d}" for i in range(10)}
    assert d.view("case", "case03")["summary"] == "纠纷 3：隔壁装修天天敲到半夜"  # type: ignore[index]
    assert d.view("case", "case03")["status"] in {"submitted", "assigned"}  # type: ignore[index]


def test_pushing_the_same_ops_again_changes_nothing(client: TestClient[Any], db: Database) -> None:
    d = Device(client, new_device(client))
    d.file_case("dup1", "邻居占用通道")
    batch = list(d.outbox)
    d.sync()
    before = op_count(db)
    r = client.post(
        "/api/v1/sync", headers=d.headers, json={"replica": d.replica, "since": d.cursor, "ops": batch}
    )
    assert sorted(r.json()["acked"]) == sorted(o["id"] for o in batch)
    assert r.json()["changes"] == []
    assert op_count(db) == before


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b'{"replica": "short", "since": 0, "ops": []}',
        b'{"replica": "okreplica1", "since": -1, "ops": []}',
        b'{"replica": "okreplica1", "since": 0, "ops": [{"id": 1}]}',
        b'{"replica": "okreplica1", "since": 0, "ops": {}}',
    ],
)
def test_malformed_requests_are_400_and_write_nothing(
    client: TestClient[Any], db: Database, body: bytes
) -> None:
    h = new_device(client)
    before = op_count(db)
    r = client.post("/api/v1/sync", content=body, headers={**h, "content-type": "application/json"})
    assert r.status_code == 400
    assert "同步请求" in r.json()["detail"]
    assert op_count(db) == before


def test_a_bad_op_is_rejected_alone_and_the_rest_is_stored(client: TestClient[Any]) -> None:
    d = Device(client, new_device(client))
    d.file_case("mix1", "欠钱不还")
    bad_server_field = d.put("case", "mix1", "status", "resolved")
    bad_value = d.put("case", "mix1", "channel", "carrier_pigeon")
    orphan = d.put("party", "orphan", "name", "李四")
    body = d.sync()
    codes = {r["id"]: r["code"] for r in body["rejected"]}
    assert codes == {
        bad_server_field["id"]: "server_only_field",
        bad_value["id"]: "bad_value",
        orphan["id"]: "unknown_parent",
    }
    assert all(r["message"] for r in body["rejected"])
    assert d.view("case", "mix1")["summary"] == "欠钱不还"  # type: ignore[index]
    assert d.view("case", "mix1")["status"] != "resolved"  # type: ignore[index]


def test_server_error_mid_batch_leaves_nothing_half_written(client: TestClient[Any], db: Database) -> None:
    d = Device(client, new_device(client))
    d.file_case("boom1", "土地边界争议")
    before = op_count(db)
    from server.sync import store as store_mod

    real = store_mod.SqlStore.put_record
    calls = {"n": 0}

    def flaky(self: Any, rid: Any, rec: Any) -> None:
        calls["n"] += 1  # the ops of the batch are already written when records are
        if calls["n"] == 2:
            raise RuntimeError("disk on fire")
        real(self, rid, rec)

    with mock.patch.object(store_mod.SqlStore, "put_record", flaky):
        r = client.post(
            "/api/v1/sync", headers=d.headers, json={"replica": d.replica, "since": 0, "ops": d.outbox}
        )
    assert r.status_code == 500
    assert op_count(db) == before
    body = d.sync()  # the client retries the same batch later
    assert len(body["acked"]) == 5


def test_paging_returns_every_change_exactly_once(client: TestClient[Any], settings: Any) -> None:
    writer = Device(client, login(client, "grid"))
    for i in range(30):
        writer.file_case(f"pg{i:03d}", f"第 {i} 件")
    writer.sync()
    import dataclasses

    from server.sync.service import Limits

    svc = components_of(client.app).sync_service
    svc.limits = dataclasses.replace(Limits(), page_ops=17)
    reader = Device(client, login(client, "grid"))
    seen: list[str] = []
    pages = 0
    while True:
        r = client.post(
            "/api/v1/sync",
            headers=reader.headers,
            json={"replica": reader.replica, "since": reader.cursor, "ops": []},
        ).json()
        seen += [c["id"] for c in r["changes"]]
        reader.cursor = r["cursor"]
        pages += 1
        if not r["more"]:
            break
    assert pages >= 9
    assert len(seen) == len(set(seen))
    ours = [i for i in seen if i.startswith(writer.replica)]
    assert len(ours) == 30 * 5


def test_too_many_ops_is_413_and_writes_nothing(client: TestClient[Any], db: Database) -> None:
    d = Device(client, new_device(client))
    for i in range(501):
        d.put("case", "big", "summary", f"v{i}")
    before = op_count(db)
    body = d.sync(expect=413)
    assert "一次最多同步" in body["detail"]
    assert op_count(db) == before


def test_request_bytes_are_bounded(client: TestClient[Any]) -> None:
    d = Device(client, new_device(client))
    d.put("case", "huge", "description", "长" * 5000)
    payload = b'{"replica":"' + d.replica.encode() + b'","since":0,"ops":[' + b" " * (3 * 1024 * 1024) + b"]}"
    r = client.post(
        "/api/v1/sync", content=payload, headers={**d.headers, "content-type": "application/json"}
    )
    assert r.status_code == 413
    assert "请求过大" in r.json()["detail"]


def test_clock_far_ahead_is_rejected_with_server_time(client: TestClient[Any]) -> None:
    d = Device(client, new_device(client))
    d.clock = type(d.clock)(d.replica, lambda: 4_000_000_000_000)  # year 2096
    d.file_case("skew1", "时间错乱的手机")
    body = d.sync()
    assert {r["code"] for r in body["rejected"]} == {"clock_ahead"}
    assert body["server_time"] < "004000000000000"


def test_sync_requires_a_token(client: TestClient[Any]) -> None:
    r = client.post("/api/v1/sync", json={"replica": "okreplica1", "since": 0, "ops": []})
    assert r.status_code == 401


def test_an_empty_sync_after_a_server_write_still_sees_it(client: TestClient[Any], db: Database) -> None:
    """The empty-sync fast path must never hide a change written meanwhile by this process."""
    import time as _time

    from server.sync.service import ServerReplica, Writer
    from server.sync.store import SqlStore

    d = Device(client, new_device(client))
    d.file_case("fast1", "邻居堆放杂物")
    d.sync()
    d.sync()  # an empty sync: the cache now knows the head
    assert d.sync()["changes"] == []
    with db.session() as s:
        store = SqlStore(s)
        store.lock_for_write()
        w = Writer(store, ServerReplica(), int(_time.time() * 1000))
        w.server_put("case", "fast1", "routing_reason", "人工调整")
        w.finish()
    body = d.sync()
    assert [c["field"] for c in body["changes"]] == ["routing_reason"]
