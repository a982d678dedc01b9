"""The demo county as the API shows it, and the server's basics."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient


def test_demo_county_has_15_townships_and_their_villages(client: TestClient[Any]) -> None:
    regions = client.get("/api/v1/regions").json()
    towns = [r for r in regions if r["level"] == "town"]
    villages = [r for r in regions if r["level"] == "village"]
    assert len(towns) == 15
    assert {v["parent"] for v in villages} == {t["code"] for t in towns}
    assert any(t["name"] == "雉城街道" for t in towns)


def test_every_village_has_a_mediation_committee(client: TestClient[Any]) -> None:
    regions = client.get("/api/v1/regions").json()
    orgs = client.get("/api/v1/orgs").json()
    served = {o["region"] for o in orgs if o["level"] == "village"}
    assert {r["code"] for r in regions if r["level"] == "village"} <= served
    kinds = {o["kind"] for o in orgs}
    assert {"court", "conflict_center", "judicial_office"} <= kinds


def test_health_and_openapi(client: TestClient[Any]) -> None:
    assert client.get("/api/v1/health").json()["status"] == "ok"
    schema = client.get("/schema/openapi.json").json()
    assert "/api/v1/auth/login" in schema["paths"]
