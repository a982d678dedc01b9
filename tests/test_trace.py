"""The public case trace: masking (pure) and ``GET /api/v1/trace/{code}`` over the real sync API."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import pytest
from litestar.testing import TestClient

from server import casecode
from server.core import components_of
from server.db import Database
from server.qr.labels import actor_label, event_label, status_label
from server.qr.trace import CaseFacts, build_trace, mask_name, mask_phone
from server.routing.transitions import STATE_ZH
from server.settings import Settings
from server.sync.models import CaseRow, RecordRow
from tests.conftest import new_device
from tests.synctools import Device

NAME, PHONE, ID_NUMBER, ADDRESS = "张三丰", "13812345678", "33052219800101123X", "雉城街道解放路88号"
STAFF_NAME = "钱调解"


# --- masking, pure ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("张三丰", "张*"),
        ("欧阳娜娜", "欧阳*"),
        ("司马光", "司马*"),
        ("欧阳", "欧*"),  # only two characters: 欧 is the surname, 阳 the given name
        (" 李 四 ", "李*"),
        ("王", "*"),
        ("", ""),
        (None, ""),
        ("Zhang San", "Z*"),
    ],
)
def test_mask_name(name: str | None, masked: str) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "****5678"),
        ("+86 138-1234-5678", "****5678"),
        ("0572-6012345", "****2345"),
        ("110", "****"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_phone(phone: str | None, masked: str) -> None:
    assert mask_phone(phone) == masked


def test_labels_are_chinese_and_never_name_anyone() -> None:
    assert status_label("accepted") == STATE_ZH["accepted"] == "已受理"
    assert status_label(None) == "已提交"
    assert event_label("transition", "resolved") == "调解成功"
    assert event_label("paused", None) == "调解暂停"
    assert event_label("paused", "accepted") == "调解暂停"  # it records the state it stays in
    assert event_label("filed", "filed") == "已立案"  # the move, not the old name of a filing
    assert event_label("something_new", None) == "案件进展"
    assert actor_label("mediator", STAFF_NAME) == "调解员"
    assert actor_label(None, "system") == "系统"
    assert actor_label(None, STAFF_NAME) == ""
    assert actor_label("unknown_role", STAFF_NAME) == ""


def test_build_trace_masks_and_orders() -> None:
    facts = CaseFacts(
        code="JF-330522-2026-7K3M9QX",
        status="accepted",
        category="neighbor",
        level="village",
        created_at=datetime(2026, 3, 2, 1, 0, tzinfo=UTC),
        respond_by=None,
        resolve_by=None,
    )
    view = build_trace(
        facts,
        "雉城社区人民调解委员会",
        [
            {"case": "c", "role": "respondent", "name": "欧阳娜娜", "phone": "13900001111", "address": "x"},
            {"case": "c", "role": "applicant", "name": NAME, "phone": PHONE, "id_number": ID_NUMBER},
        ],
        [
            {
                "event": "transition",
                "to": "accepted",
                "at": "2026-03-03T02:00:00+00:00",
                "actor": STAFF_NAME,
                "actor_role": "mediator",
                "reason": "电话 13812345678",
            },
            {"event": "transition", "to": "assigned", "at": "2026-03-02T01:00:05+00:00", "actor": "system"},
        ],
    )
    assert [p.name for p in view.parties] == ["张*", "欧阳*"]
    assert [p.phone for p in view.parties] == ["****5678", "****1111"]
    assert [(e.to, e.label, e.actor) for e in view.timeline] == [
        ("assigned", "已分派", "系统"),
        ("accepted", "已受理", "调解员"),
    ]
    assert view.category_name == "邻里纠纷"
    assert view.status_label == "已受理"
    assert view.submitted_at == "2026-03-02T01:00:00+00:00"
    text = repr(view)
    assert ID_NUMBER not in text and STAFF_NAME not in text and "13812345678" not in text


# --- over HTTP ---------------------------------------------------------------------------------


def _file(client: TestClient[Any], key: str = "c1") -> tuple[str, str]:
    d = Device(client, new_device(client))
    code, token = d.file_case(key, "邻居装修噪音扰民", description=f"对方电话 {PHONE}")
    d.put("party", f"{key}-p1", "case", key)
    d.put("party", f"{key}-p1", "role", "applicant")
    d.put("party", f"{key}-p1", "name", NAME)
    d.put("party", f"{key}-p1", "phone", PHONE)
    d.put("party", f"{key}-p1", "id_number", ID_NUMBER)
    d.put("party", f"{key}-p1", "address", ADDRESS)
    d.sync()
    return code, token


def _add_timeline(db: Database, case_key: str) -> None:
    """A staff move as the server writes it (routing's workflow code is not needed for the view)."""
    with db.session() as s:
        seq = 10**9
        s.add(
            RecordRow(
                entity="timeline",
                key=f"{case_key}-t-test",
                root=case_key,
                state={},
                view={
                    "case": case_key,
                    "event": "transition",
                    "from": "assigned",
                    "to": "accepted",
                    "actor": STAFF_NAME,
                    "actor_role": "mediator",
                    "reason": f"已联系 {NAME}",
                    "at": "2099-01-01T00:00:00+00:00",
                },
                updated_seq=seq,
            )
        )


def _trace(client: TestClient[Any], code: str, token: str | None) -> Any:
    headers = {"X-Case-Token": token} if token is not None else {}
    return client.get(f"/api/v1/trace/{quote(code)}", headers=headers)


def test_trace_shows_progress_with_personal_data_masked(client: TestClient[Any], db: Database) -> None:
    code, token = _file(client)
    _add_timeline(db, "c1")
    r = _trace(client, code, token)
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    body = r.json()
    assert body["code"] == code
    assert body["parties"] == [{"role": "applicant", "name": "张*", "phone": "****5678"}]
    assert body["status_label"] == STATE_ZH[body["status"]]
    assert re.search(r"[\u4e00-\u9fff]", body["status_label"])
    assert body["submitted_at"]
    last = body["timeline"][-1]
    assert last == {
        "event": "transition",
        "to": "accepted",
        "label": "已受理",
        "at": "2099-01-01T00:00:00+00:00",
        "actor": "调解员",
    }
    for secret in (ID_NUMBER, "33052219800101", ADDRESS, "解放路", PHONE, "三丰", STAFF_NAME, "邻居装修"):
        assert secret not in r.text
    assert set(body) == {
        "code", "status", "status_label", "category", "category_name", "org_name", "level",
        "submitted_at", "respond_by", "resolve_by", "timeline", "parties", "deadline_provisional",
    }  # fmt: skip


def test_wrong_token_and_unknown_code_look_the_same(client: TestClient[Any]) -> None:
    code, token = _file(client)
    unknown = casecode.make_code("330522", 2026)
    answers = [
        _trace(client, code, casecode.new_trace_token()),
        _trace(client, code, None),
        _trace(client, code, ""),
        _trace(client, unknown, token),
        _trace(client, "JF-330522-2026-0000000", token),  # check character wrong
        _trace(client, "not-a-code", token),
    ]
    for r in answers:
        assert r.status_code == 404
        assert r.json() == {"status_code": 404, "detail": "未找到该案件"}
        assert r.content == answers[0].content
        assert r.headers["cache-control"] == "no-store"


def test_code_read_over_the_phone_is_normalised(client: TestClient[Any]) -> None:
    code, token = _file(client)
    typed = " ".join(code.lower().split("-")) + " "  # "jf 330522 2026 7k3m9qx "
    r = _trace(client, typed, token)
    assert r.status_code == 200, r.text
    assert r.json()["code"] == code
    # A full-width dash from an IME and 'o' for zero (Crockford) also work.
    fullwidth = code.replace("-", "－").replace("0", "o")
    assert _trace(client, fullwidth, token).status_code == 200


@pytest.fixture
def limited(settings: Settings) -> Iterator[TestClient[Any]]:
    from server.app import create_app

    with TestClient(create_app(dataclasses.replace(settings, trace_rate_per_minute=3))) as c:
        yield c


def test_rate_limit_counts_failures_per_address(limited: TestClient[Any]) -> None:
    code, token = _file(limited)
    for _ in range(5):  # right tokens never count
        assert _trace(limited, code, token).status_code == 200
    other = casecode.make_code("330522", 2026)
    for _ in range(3):
        assert _trace(limited, other, token).status_code == 404
    r = _trace(limited, other, token)
    assert r.status_code == 429
    assert r.json()["detail"] == "查询过于频繁，请稍后再试"
    assert _trace(limited, code, token).status_code == 200  # the holder is never refused


def test_rate_limit_per_code(limited: TestClient[Any]) -> None:
    code, token = _file(limited)
    limiter = components_of(limited.app).trace_limiter
    for _ in range(3):  # other addresses already failed on this code
        limiter.hit(f"token-fail-code:{code}")
    r = _trace(limited, code.lower(), "wrong-token")
    assert r.status_code == 429
    assert r.json()["detail"] == "查询过于频繁，请稍后再试"
    assert _trace(limited, code.lower(), token).status_code == 200


def test_case_row_keeps_only_the_token_hash(client: TestClient[Any], db: Database) -> None:
    code, token = _file(client)
    with db.read_session() as s:
        row = s.get(CaseRow, "c1")
        assert row is not None and row.code == code
        assert row.trace_hash == casecode.trace_hash(token) != token
