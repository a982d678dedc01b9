"""``/api/v1/cockpit/trend?months=N`` for every edge of N: one month is a trend too."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from tests.conftest import login
from tests.synctools import Device


@pytest.mark.parametrize("months", [1, 2, 36])
def test_any_window_from_one_month_answers(client: TestClient[Any], months: int) -> None:
    filer = Device(client, login(client, "grid"))
    filer.file_case("k1", "隔壁装修天天敲到半夜")
    assert filer.sync()["rejected"] == []
    r = client.get(f"/api/v1/cockpit/trend?months={months}", headers=login(client, "analyst"))
    assert r.status_code == 200, r.text
    body = r.json()["months"]
    assert len(body) == months
    assert body[-1]["total"] >= 1  # the case filed just now is in this month's bucket


@pytest.mark.parametrize("months", ["0", "-1", "37", "99999999999999999999999", "1.5", "一", ""])
def test_out_of_range_windows_are_a_clear_400(client: TestClient[Any], months: str) -> None:
    r = client.get(f"/api/v1/cockpit/trend?months={months}", headers=login(client, "analyst"))
    assert r.status_code == 400, r.text
