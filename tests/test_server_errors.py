"""Failures a phone must be able to recover from."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient


def test_a_locked_database_asks_the_phone_to_retry(client: TestClient[Any]) -> None:
    from unittest import mock

    from sqlalchemy.exc import OperationalError

    from tests.conftest import new_device

    h = new_device(client)
    boom = OperationalError("INSERT", {}, Exception("database is locked"))
    with mock.patch("server.sync.service.SyncService.sync", side_effect=boom):
        r = client.post("/api/v1/sync", headers=h, json={"replica": "okreplica1", "since": 0, "ops": []})
    assert r.status_code == 503
    assert r.headers["retry-after"] == "5"
    assert "稍后重试" in r.json()["detail"]
