"""Wire structs and the shape check of ops: every rejection code, with a Chinese message."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import msgspec
import pytest

from server.sync.fields import SERVER_ONLY, is_server_only
from server.sync.ops import MESSAGES, Change, Op, SyncRequest, SyncResponse, validate_op

NOW = 1_763_779_200_000
R = "phoneAAAA1"
CASE = "01JD0000000000000000000001"
HEX = "a" * 64
CHINESE = re.compile(r"[\u4e00-\u9fff]")
# shared with the PWA (pwa/tests/phones.test.ts): one rule on both sides
PHONE_VECTORS = json.loads((Path(__file__).parent / "vectors" / "phones.json").read_text("utf-8"))


def make(n: int = 1, *, ms: int = NOW, **kw: Any) -> Op:
    base: dict[str, Any] = {
        "id": f"{R}:{n}",
        "ts": f"{ms:015d}:0000:{R}",
        "entity": "case",
        "key": CASE,
        "kind": "put",
        "field": "summary",
        "value": "邻居装修噪音扰民",
    }
    return Op(**(base | kw))


def check(op: Op, *, as_server: bool = False) -> str | None:
    rejection = validate_op(op, server_now_ms=NOW, as_server=as_server)
    if rejection is None:
        return None
    assert rejection.id == op.id
    assert CHINESE.search(rejection.message), rejection.message
    return rejection.code


VALID = [
    make(),
    make(field="code", value="JF-330522-2024-XAFXKP0"),
    make(field="description", value="第一行\n第二行\t缩进"),
    make(field="amount", value=None),
    make(field="amount", value=1200.5),
    make(field="applicants", value=10000),
    make(field="category", value="neighbor"),
    make(field="category", value=None),
    make(field="region", value="330522100201"),
    make(kind="add", field="evidence", value=HEX),
    make(kind="add", field="tags", value="噪音😀"),
    make(kind="remove", field="tags", value="噪音", seen=[f"{R}:1", "otherPhone:99"]),
    make(kind="remove", field="tags", value="噪音"),
    make(kind="intent", field="transition", value={"to": "accepted"}),
    make(kind="intent", field="transition", value={"to": "resolved", "reason": "和解", "agreement": "协议"}),
    make(kind="intent", field="transition", value={"to": "confirmed", "ruling": "(2026)浙0522民特12号"}),
    make(kind="intent", field="transition", value={"to": "filed", "docket_no": "(2026)浙0522民初345号"}),
    make(kind="intent", field="pause", value={"reason": "当事人住院"}),
    make(kind="intent", field="correct_category", value={"category": "tenancy"}),
    make(entity="party", field="phone", value="+86-13800000000"),
    make(entity="party", field="id_number", value="33052219900101123X"),
    make(entity="party", field="role", value="third_party"),
    make(entity="message", kind="create", field=None, value={"case": CASE, "body": "您好"}),
    make(entity="notification", field="read", value=True),
    make(ms=NOW + 5 * 60 * 1000),  # exactly at the skew bound
]


@pytest.mark.parametrize("op", VALID, ids=lambda op: f"{op.entity}.{op.kind}.{op.field}")
def test_valid_ops_pass(op: Op) -> None:
    assert check(op) is None


REJECTED = [
    ("bad_id", make(id="phoneAAAA1-42")),
    ("bad_id", make(id="short:1")),
    ("bad_id", make(id=f"{R}:01")),
    ("bad_ts", make(ts="2025-11-22T11:00:00Z")),
    ("bad_ts", make(ts=f"{NOW:015d}:0000:otherPhone")),  # stamped by a replica other than the id's
    ("clock_ahead", make(ms=NOW + 3 * 86_400_000)),
    ("unknown_entity", make(entity="user")),
    ("bad_key", make(key="../etc")),
    ("bad_key", make(key="k" * 65)),
    ("bad_kind", make(kind="add", entity="party", field="name", value="x")),
    ("bad_kind", make(kind="put", entity="message", field="body", value="x")),
    ("bad_kind", make(kind="intent", entity="party", field="transition", value={"to": "accepted"})),
    ("unknown_field", make(field="colour")),
    ("unknown_field", make(field=None)),
    ("unknown_field", make(kind="add", field="summary", value="x")),
    ("unknown_field", make(kind="intent", field="delete", value={})),
    ("unknown_field", make(entity="message", kind="create", field="body", value={"case": CASE, "body": "x"})),
    ("server_only_field", make(field="status", value="accepted")),
    ("server_only_field", make(field="paused", value=True)),
    ("server_only_field", make(field="mediator", value="m-1")),
    ("server_only_field", make(entity="timeline", kind="create", field=None, value={"case": CASE})),
    ("bad_value", make(value="")),
    ("bad_value", make(value=42)),
    ("bad_value", make(value="两行\n摘要")),
    ("bad_value", make(field="code", value="JF-330522-2024-XAFXKP1")),  # check character wrong
    ("bad_value", make(field="code", value="JF-330522-2024-XAFXKPI")),  # I is not Crockford
    ("bad_value", make(field="region", value="33052210020")),
    ("bad_value", make(field="region", value="٣٣٠٥٢٢١٠٠٢٠١")),
    ("bad_value", make(field="channel", value="phone")),
    ("bad_value", make(field="amount", value=-1)),
    ("bad_value", make(field="amount", value=True)),
    ("bad_value", make(field="applicants", value=0)),
    ("bad_value", make(field="applicants", value=2.5)),
    ("bad_value", make(field="category", value="noise")),
    ("bad_value", make(field="trace_hash", value=HEX.upper())),
    ("bad_value", make(kind="add", field="evidence", value="photo.jpg")),
    ("bad_value", make(kind="intent", field="transition", value={"to": "closed"})),
    ("bad_value", make(kind="intent", field="transition", value={"to": "accepted", "by": "me"})),
    ("bad_value", make(kind="intent", field="pause", value={})),
    ("bad_value", make(entity="party", field="phone", value="138 0000 0000")),
    ("bad_value", make(entity="message", kind="create", field=None, value={"case": CASE})),
    ("bad_value", make(entity="notification", field="read", value="yes")),
    ("bad_value", make(seen=[f"{R}:1"])),  # seen only on remove
    ("bad_value", make(kind="remove", field="tags", value="x", seen=["nonsense"])),
    ("too_large", make(value="长" * 201)),
    ("too_large", make(kind="add", field="tags", value="t" * 33)),
    ("too_large", make(entity="party", field="name", value="名" * 51)),
    (
        "too_large",
        make(entity="message", kind="create", field=None, value={"case": CASE, "body": "字" * 2001}),
    ),
    ("too_large", make(kind="intent", field="transition", value={"to": "failed", "reason": "理" * 501})),
    ("too_large", make(kind="remove", field="tags", value="x", seen=[f"{R}:{i}" for i in range(1001)])),
]


@pytest.mark.parametrize(("code", "op"), REJECTED, ids=[f"{c}-{i}" for i, (c, _) in enumerate(REJECTED)])
def test_rejections(code: str, op: Op) -> None:
    assert check(op) == code


def test_every_code_is_exercised_and_has_a_chinese_message() -> None:
    assert {code for code, _ in REJECTED} == set(MESSAGES)
    assert all(CHINESE.search(message) for message in MESSAGES.values())


def test_server_only_message_names_the_field() -> None:
    rejection = validate_op(make(field="status", value="accepted"), server_now_ms=NOW)
    assert rejection is not None
    assert rejection.message == "该字段只能由服务器设置：case.status"


@pytest.mark.parametrize(
    ("op", "code_as_server"),
    [
        (make(field="status", value="accepted"), None),
        (make(field="status", value="sleeping"), "bad_value"),
        (make(field="level", value="county"), None),
        (make(field="routing_reason", value={"rule": "大事不出镇", "amount": 5000}), None),
        (make(field="warned", value="x" * 5000), "too_large"),
        (make(entity="timeline", kind="create", field=None, value={"case": CASE, "event": "accepted"}), None),
        (make(entity="timeline", kind="create", field=None, value={"event": "accepted"}), "bad_value"),
        (
            make(entity="notification", kind="create", field=None, value={"user": "u1", "title": "新消息"}),
            None,
        ),
    ],
)
def test_the_server_may_write_server_only_fields_with_valid_shape(op: Op, code_as_server: str | None) -> None:
    assert check(op) == "server_only_field"
    assert check(op, as_server=True) == code_as_server


def test_server_only_table() -> None:
    assert ("case", "put", "status") in SERVER_ONLY
    assert ("timeline", "create", None) in SERVER_ONLY
    assert ("notification", "create", None) in SERVER_ONLY
    assert not is_server_only("case", "put", "category")  # the filer may choose a category
    assert not is_server_only("notification", "put", "read")
    assert not is_server_only("case", "put", "nonexistent")


def test_request_decodes_from_the_wire() -> None:
    body = (
        b'{"replica":"phoneAAAA1","since":1200,"ops":[{"id":"phoneAAAA1:42","ts":"001763779200000:0003:'
        b'phoneAAAA1","entity":"case","key":"01JD","kind":"put","field":"summary","value":"x"}]}'
    )
    request = msgspec.json.decode(body, type=SyncRequest)
    assert request.v == 1
    assert request.ops[0] == Op(
        "phoneAAAA1:42", "001763779200000:0003:phoneAAAA1", "case", "01JD", "put", "summary", "x"
    )


@pytest.mark.parametrize(
    "body",
    [
        b'{"replica":"bad id","ops":[]}',
        b'{"replica":"phoneAAAA1","since":-1}',
        b'{"replica":"phoneAAAA1","ops":[{"id":"a","ts":"b","entity":"case","key":"k","kind":"delete"}]}',
        b'{"replica":"phoneAAAA1","ops":[{"id":"a","ts":"b","entity":"case","key":"k"}]}',
    ],
)
def test_malformed_requests_fail_to_decode(body: bytes) -> None:
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(body, type=SyncRequest)


def test_response_encodes_changes_with_seq_and_server_time() -> None:
    change = Change(**msgspec.structs.asdict(make()), seq=7)
    response = SyncResponse(
        cursor=7, acked=[change.id], changes=[change], server_time=f"{NOW:015d}:0000:serverMain"
    )
    wire = msgspec.json.decode(msgspec.json.encode(response))
    assert wire["changes"][0]["seq"] == 7
    assert wire["changes"][0]["value"] == "邻居装修噪音扰民"
    keys = {"cursor", "acked", "rejected", "changes", "records", "evict", "more", "server_time", "v"}
    assert set(wire) == keys
    assert msgspec.json.decode(msgspec.json.encode(response), type=SyncResponse) == response


@pytest.mark.parametrize(
    ("phone", "ok"),
    [(c["value"], c["ok"]) for c in PHONE_VECTORS["cases"]]
    + [("1" * 5000, False)],  # huge: refused, never a 5xx
)
def test_party_phone_is_a_mainland_mobile_or_landline(phone: str, ok: bool) -> None:
    """Issue #10 finding 6: a bad number is refused with a message that says what is expected."""
    problem = validate_op(make(entity="party", field="phone", value=phone), server_now_ms=NOW)
    if ok:
        assert problem is None
    else:
        assert problem is not None and problem.code == "bad_value"
        assert "手机号" in problem.message and "固定电话" in problem.message
