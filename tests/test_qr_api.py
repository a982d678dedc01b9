"""Case QR for receipts and village posters over HTTP."""

from __future__ import annotations

import io
from typing import Any

import pytest
import zxingcpp
from litestar.testing import TestClient
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from server import casecode
from server.db import Database
from server.registry.models import Org, Region
from server.settings import Settings
from tests.conftest import login, new_device
from tests.test_trace import _file

TOWN = "330522001000"  # 雉城街道
VILLAGE = "330522001008"  # 雉城社区, the demo grid worker's village
OTHER_VILLAGE = "330522001001"


def _decode(png: bytes) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


# --- case QR ------------------------------------------------------------------------------------


def test_case_qr_png_decodes_to_the_trace_url(client: TestClient[Any], settings: Settings) -> None:
    code, token = _file(client)
    r = client.get(f"/api/v1/trace/{code}/qr.png", headers={"X-Case-Token": token})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "image/png"
    assert r.headers["cache-control"] == "no-store"
    assert _decode(r.content) == [f"{settings.base_url}/t/{code}#k={token}"]
    assert _decode(r.content) == [casecode.trace_url(settings.base_url, code, token)]


def test_case_qr_svg(client: TestClient[Any]) -> None:
    code, token = _file(client)
    typed = code.lower().replace("-", " ")
    r = client.get(f"/api/v1/trace/{typed}/qr.svg", headers={"X-Case-Token": token})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in r.text and code in r.text  # the canonical code is the title


@pytest.mark.parametrize("kind", ["svg", "png"])
def test_case_qr_needs_the_token(client: TestClient[Any], kind: str) -> None:
    code, _ = _file(client)
    wrong = client.get(f"/api/v1/trace/{code}/qr.{kind}", headers={"X-Case-Token": "nope"})
    unknown = client.get(
        f"/api/v1/trace/{casecode.make_code('330522', 2026)}/qr.{kind}", headers={"X-Case-Token": "nope"}
    )
    missing = client.get(f"/api/v1/trace/{code}/qr.{kind}")
    for r in (wrong, unknown, missing):
        assert r.status_code == 404
        assert r.json()["detail"] == "未找到该案件"
        assert r.content == wrong.content


# --- posters ------------------------------------------------------------------------------------


def _villages(db: Database, town: str) -> list[str]:
    with db.read_session() as s:
        return list(
            s.scalars(
                select(Region.name)
                .where(Region.parent == town, Region.level == "village")
                .order_by(Region.code)
            )
        )


def _hotline(db: Database, town: str) -> str:
    with db.read_session() as s:
        hotline = s.scalar(select(Org.hotline).where(Org.kind == "judicial_office", Org.region == town))
    assert hotline
    return hotline


def test_township_pdf_has_a_page_per_village(client: TestClient[Any], db: Database) -> None:
    r = client.get(f"/api/v1/posters/{TOWN}.pdf", headers=login(client, "admin"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    names = _villages(db, TOWN)
    reader = PdfReader(io.BytesIO(r.content))
    assert len(names) > 5
    assert len(reader.pages) == len(names)
    for page, name in zip(reader.pages, names, strict=True):
        text = page.extract_text()
        assert name in text
        assert "雉城街道" in text


def test_village_svg_has_hotline_and_village_link(
    client: TestClient[Any], db: Database, settings: Settings
) -> None:
    r = client.get(f"/api/v1/posters/{VILLAGE}.svg", headers=login(client, "sfs_admin"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("image/svg+xml")
    assert _hotline(db, TOWN) in r.text
    assert "雉城社区" in r.text and "雉城街道" in r.text
    assert f"{settings.base_url}/?v={VILLAGE}" in r.text


def test_village_pdf_is_one_page(client: TestClient[Any]) -> None:
    r = client.get(f"/api/v1/posters/{VILLAGE}.pdf", headers=login(client, "admin"))
    assert r.status_code == 200
    assert len(PdfReader(io.BytesIO(r.content)).pages) == 1


def test_grid_worker_prints_only_its_own_village(client: TestClient[Any]) -> None:
    grid = login(client, "grid")
    assert client.get(f"/api/v1/posters/{VILLAGE}.svg", headers=grid).status_code == 200
    assert client.get(f"/api/v1/posters/{OTHER_VILLAGE}.svg", headers=grid).status_code == 403
    assert client.get(f"/api/v1/posters/{TOWN}.pdf", headers=grid).status_code == 403


def test_posters_are_for_staff(client: TestClient[Any]) -> None:
    assert client.get(f"/api/v1/posters/{VILLAGE}.svg").status_code == 401
    r = client.get(f"/api/v1/posters/{VILLAGE}.svg", headers=new_device(client))
    assert r.status_code == 403
    assert client.get(f"/api/v1/posters/{VILLAGE}.svg", headers=login(client, "mediator")).status_code == 403


@pytest.mark.parametrize(
    ("file", "status", "detail"),
    [
        ("330522999999.svg", 404, "未找到该行政区划"),
        ("12345.pdf", 404, "未找到该行政区划"),
        (f"{TOWN}.svg", 400, "SVG 只能打印单个村（社区）"),
        ("330522000000.pdf", 400, "不是村（社区）或乡镇（街道）"),
        (f"{VILLAGE}.png", 404, ".svg 和 .pdf"),
    ],
)
def test_poster_errors(client: TestClient[Any], file: str, status: int, detail: str) -> None:
    r = client.get(f"/api/v1/posters/{file}", headers=login(client, "admin"))
    assert r.status_code == status
    assert detail in r.json()["detail"]
