"""Every response says nosniff and no-referrer; HTML also carries the CSP (e2e checks it in
Chromium against the real build: e2e/test_security_headers.py)."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient


def test_json_and_refusals_carry_nosniff(client: TestClient[Any]) -> None:
    for r in (client.get("/api/v1/ping"), client.get("/api/v1/trace/%00")):
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert "content-security-policy" not in r.headers


def test_html_carries_the_csp(client: TestClient[Any]) -> None:
    r = client.get("/cases")  # no build in tests: the "run make pwa" page, still HTML
    assert r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert r.headers["x-frame-options"] == "DENY"
