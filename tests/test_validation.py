"""A typed body that does not fit is refused with a 400 that names the field and why, in Chinese."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from server.validation import explain
from tests.conftest import login


def test_msgspec_findings_read_as_chinese_sentences() -> None:
    def said(message: str, key: str = "data") -> str:
        return explain([{"message": message, "key": key, "source": "body"}])

    assert said("Expected `str`, got `int`", "code") == "请求内容有误：code 应为文本，实际为整数"
    assert (
        said("Expected `str | null`, got `array`", "region")
        == "请求内容有误：region 应为文本或空值（null），实际为列表"
    )
    assert said("Object missing required field `token`") == "请求内容有误：缺少字段 token"
    assert said("Object missing required field `auth`", "keys") == "请求内容有误：keys 缺少字段 auth"
    assert said("Expected `object`, got `array`") == "请求内容有误：应为对象，实际为列表"
    assert said("Expected `str` of length <= 1000", "endpoint") == "请求内容有误：endpoint 最多 1000 个字符"
    assert said("Expected `array` of length <= 50", "items") == "请求内容有误：items 最多 50 项"
    assert said("Expected `array` of length >= 1", "items") == "请求内容有误：items 不能为空"
    assert said("Expected `int` >= 0", "n") == "请求内容有误：n 不能小于 0"
    assert (
        said("Invalid RFC3339 encoded date", "items[0].day")
        == "请求内容有误：items[0].day 应为日期（YYYY-MM-DD）"
    )
    assert said("'data'") == "请求内容有误：缺少请求内容（应为 JSON 对象）"
    assert said("something msgspec may say one day", "x") == "请求内容有误：x 格式不正确"
    many = [{"message": "Expected `int`, got `str`", "key": f"f{i}"} for i in range(5)]
    assert explain(many).count("；") == 2  # three findings at most


def test_a_mistyped_body_gets_the_chinese_detail_and_keeps_the_findings(client: TestClient[Any]) -> None:
    r = client.post("/api/v1/push/subscriptions", headers=login(client, "mediator"), json={"endpoint": 7})
    assert r.status_code == 400
    body = r.json()
    assert body["detail"] == "请求内容有误：endpoint 应为文本，实际为整数"
    assert body["extra"] == [{"message": "Expected `str`, got `int`", "key": "endpoint", "source": "body"}]


def test_a_misshapen_sync_body_is_refused_in_chinese(client: TestClient[Any]) -> None:
    headers = login(client, "grid")
    for body, said in (
        ({"v": 1, "replica": "device-0001", "since": -1, "ops": []}, "since 不能小于 0"),
        ({"v": 1, "replica": "device-0001", "since": "0", "ops": []}, "since 应为整数，实际为文本"),
        ({"v": 1, "since": 0, "ops": []}, "缺少字段 replica"),
    ):
        r = client.post("/api/v1/sync", headers=headers, json=body)
        assert r.status_code == 400
        assert r.json()["detail"] == f"同步请求格式错误：{said}", r.json()
        assert "Expected" not in r.json()["detail"] and "Object" not in r.json()["detail"]


def test_an_unknown_address_or_method_is_refused_in_chinese(client: TestClient[Any]) -> None:
    missing = client.get("/api/v1/no-such-thing")
    assert (missing.status_code, missing.json()["detail"]) == (404, "未找到该地址")
    wrong = client.delete("/api/v1/health")
    assert (wrong.status_code, wrong.json()["detail"]) == (405, "该地址不支持此请求方法")
    # A handler's own refusal keeps its words.
    trace = client.get("/api/v1/trace/JF-330522-2026-7K3M9Q5", params={"k": "x" * 43})
    assert trace.status_code == 404 and trace.json()["detail"] not in ("Not Found", "未找到该地址")
