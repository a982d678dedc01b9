"""Case QR codes for print decode back to the exact trace URL."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from PIL import Image

from server.casecode import make_code, new_trace_token, trace_url
from server.qr.qr import QUIET_ZONE, case_qr_png, case_qr_svg, dark_runs, make_qr

BASE = "https://jf.example.cn"


def _decode(img: Image.Image) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(img)]


def _url() -> str:
    return trace_url(BASE, make_code("330522", 2026), new_trace_token())


@pytest.mark.parametrize("scale", [2, 4, 10])
def test_png_decodes_to_the_trace_url(scale: int) -> None:
    url = _url()
    img = Image.open(io.BytesIO(case_qr_png(url, scale)))
    assert _decode(img) == [url]
    res = zxingcpp.read_barcodes(img)[0]
    assert res.format == zxingcpp.BarcodeFormat.QRCode
    assert res.ec_level == "M"


def test_png_has_a_quiet_zone() -> None:
    url = _url()
    size, _ = dark_runs(make_qr(url))
    img = Image.open(io.BytesIO(case_qr_png(url, 3))).convert("L")
    assert img.size == ((size + 2 * QUIET_ZONE) * 3,) * 2
    border = QUIET_ZONE * 3
    strip = img.crop((0, 0, img.width, border))
    assert strip.getextrema() == (255, 255)  # all white


def test_png_rejects_zero_scale() -> None:
    with pytest.raises(ValueError, match="scale"):
        case_qr_png(BASE, 0)


def test_svg_is_a_document_with_the_same_modules() -> None:
    url = _url()
    svg = case_qr_svg(url, title="案件码")
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    size, _ = dark_runs(make_qr(url))
    assert int(root.attrib["width"]) == (size + 2 * QUIET_ZONE) * 4
    assert "案件码" in svg


def test_dark_runs_cover_exactly_the_dark_modules() -> None:
    qr = make_qr(BASE + "/?v=330522101201")
    size, runs = dark_runs(qr)
    dark = {(x, y) for y, row in enumerate(qr.matrix) for x, v in enumerate(row) if v}
    covered = {(r.x + i, r.y) for r in runs for i in range(r.width)}
    assert covered == dark
    assert sum(r.width for r in runs) == len(dark)
    assert qr.designator.endswith("-M")
    assert size == len(qr.matrix)
