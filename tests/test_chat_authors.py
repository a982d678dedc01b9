"""Chat messages carry who wrote them by role (issue #10 finding 5): the server stamps ``author``."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from tests.conftest import login, new_device
from tests.synctools import Device

VILLAGE = "330522001008"


def _message(d: Device, key: str, case: str, body: str) -> None:
    d.op("message", key, "create", None, {"case": case, "body": body})


def test_each_message_says_who_wrote_it_by_role(client: TestClient[Any]) -> None:
    filer = Device(client, new_device(client))
    filer.file_case("k1", "隔壁装修天天敲到半夜", region=VILLAGE)
    assert filer.sync()["rejected"] == []
    med = Device(client, login(client, "village_mediator"))
    med.sync()
    _message(filer, "m1", "k1", "请问什么时候调解？")
    assert filer.sync()["rejected"] == []
    _message(med, "m2", "k1", "明天上午九点请到村委会调解室")
    assert med.sync()["rejected"] == []
    filer.sync()
    med.sync()
    for d in (filer, med):
        assert (d.view("message", "m1") or {})["author"] == {"role": "applicant", "name": ""}
        m2 = (d.view("message", "m2") or {})["author"]
        assert m2["role"] == "mediator" and m2["name"] and m2["name"] != "village_mediator"


def test_nobody_can_write_or_forge_an_author(client: TestClient[Any]) -> None:
    filer = Device(client, new_device(client))
    filer.file_case("k1", "隔壁装修天天敲到半夜", region=VILLAGE)
    _message(filer, "m1", "k1", "你好")
    assert filer.sync()["rejected"] == []
    filer.put("message", "m1", "author", {"role": "mediator", "name": "王调解员"})
    forged = filer.op(
        "message", "m2", "create", None, {"case": "k1", "body": "再问一次", "author": {"role": "court"}}
    )
    rejected = {r["id"] for r in filer.sync()["rejected"]}
    assert forged["id"] in rejected and len(rejected) == 2
    assert (filer.view("message", "m1") or {})["author"] == {"role": "applicant", "name": ""}
    m2 = filer.view("message", "m2")
    assert m2 is None or m2["author"] == {"role": "applicant", "name": ""}
