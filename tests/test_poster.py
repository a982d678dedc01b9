"""Village posters: the printed QR scans to the village link; the PDF prints a whole township."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from PIL import Image, ImageDraw
from pypdf import PdfReader

from server.qr.poster import (
    PAGE_H_MM,
    PAGE_W_MM,
    Box,
    Circle,
    PosterItem,
    QrBlock,
    Text,
    poster_layout,
    poster_svg,
    poster_url,
    posters_pdf,
)
from server.qr.qr import QUIET_ZONE

SVG = "{http://www.w3.org/2000/svg}"
BASE = "https://jf.example.cn/"
ITEM = PosterItem("大云村", "大云镇", "330402101201", BASE, "0573-84123456", county_name="长兴")


def _svg() -> str:
    return poster_svg(
        ITEM.village_name, ITEM.town_name, ITEM.village_code, ITEM.base_url, ITEM.hotline, county_name="长兴"
    )


def _rasterize_qr(svg: str, px: int = 6) -> tuple[Image.Image, float]:
    """Draw the poster's own QR path (not a fresh segno symbol) and return it with its width in mm."""
    group = ET.fromstring(svg).find(f".//{SVG}g[@id='qr']")
    assert group is not None
    modules = int(group.attrib["data-modules"])
    scale = float(re.search(r"scale\(([\d.]+)\)", group.attrib["transform"]).group(1))  # type: ignore[union-attr]
    path = group.find(f"{SVG}path")
    assert path is not None
    side = (modules + 2 * QUIET_ZONE) * px
    img = Image.new("L", (side, side), 255)
    draw = ImageDraw.Draw(img)
    for x, y, w in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\3z", path.attrib["d"]):
        x0, y0 = (int(x) + QUIET_ZONE) * px, (int(y) + QUIET_ZONE) * px
        draw.rectangle((x0, y0, x0 + int(w) * px - 1, y0 + px - 1), fill=0)
    return img, modules * scale


def test_poster_qr_decodes_to_the_village_link() -> None:
    img, _ = _rasterize_qr(_svg())
    assert [r.text for r in zxingcpp.read_barcodes(img)] == ["https://jf.example.cn/?v=330402101201"]


def test_poster_qr_is_big_enough_to_scan_from_two_metres() -> None:
    _, width_mm = _rasterize_qr(_svg())
    assert width_mm >= 120


def test_poster_says_what_to_do_and_whom_to_call() -> None:
    svg = _svg()
    root = ET.fromstring(svg)
    assert root.attrib["viewBox"] == f"0 0 {PAGE_W_MM:g} {PAGE_H_MM:g}"
    assert root.attrib["width"] == "210mm"
    text = "".join(t.text or "" for t in root.iter(f"{SVG}text"))
    for needed in ["有纠纷，扫码找调解", "浙里解纷 · 长兴", "扫码", "安装", "在线申请调解"]:
        assert needed in text
    assert "大云镇 · 大云村" in text
    assert "大云镇司法所调解热线：0573-84123456" in text
    assert "隐私" in text


def test_names_are_escaped() -> None:
    svg = poster_svg("A&B<村>", "某镇", "330402101299", BASE, "12348")
    root = ET.fromstring(svg)  # still well-formed XML
    assert any("A&B<村>" in (t.text or "") for t in root.iter(f"{SVG}text"))


def test_nothing_is_drawn_in_the_quiet_zone() -> None:
    shapes = poster_layout(ITEM)
    (qr,) = [s for s in shapes if isinstance(s, QrBlock)]
    q = QUIET_ZONE * qr.module
    zone = (qr.x - q, qr.y - q, qr.x + qr.size * qr.module + q, qr.y + qr.size * qr.module + q)
    assert zone[0] >= 0
    assert zone[2] <= PAGE_W_MM
    for s in shapes:
        if isinstance(s, Box):
            box = (s.x, s.y, s.x + s.w, s.y + s.h)
        elif isinstance(s, Circle):
            box = (s.cx - s.r, s.cy - s.r, s.cx + s.r, s.cy + s.r)
        elif isinstance(s, Text):
            box = (0.0, s.y - s.size, PAGE_W_MM, s.y + 0.3 * s.size)  # any text line across the page
        else:
            continue
        overlap = box[0] < zone[2] and zone[0] < box[2] and box[1] < zone[3] and zone[1] < box[3]
        assert not overlap, s
        assert box[3] <= PAGE_H_MM - 5, s  # printers keep a margin


def test_pdf_has_one_page_per_village_with_its_name() -> None:
    villages = [("大云村", "330402101201"), ("缪家村", "330402101202"), ("洋桥村", "330402101203")]
    items = [PosterItem(name, "大云镇", code, BASE, "0573-84123456") for name, code in villages]
    seen: list[int] = []
    pdf = posters_pdf(iter(items), progress=seen.append)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 3
    assert seen == [1, 2, 3]
    for page, (name, code) in zip(reader.pages, villages, strict=True):
        text = page.extract_text()
        assert name in text
        assert "有纠纷，扫码找调解" in text
        assert poster_url(BASE, code) in text
        box = page.mediabox
        assert round(float(box.width) * 25.4 / 72) == 210
        assert round(float(box.height) * 25.4 / 72) == 297


def test_pdf_needs_no_font_file() -> None:
    pdf = posters_pdf([ITEM])
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    fonts = {f["/BaseFont"] for f in page["/Resources"]["/Font"].values()}  # type: ignore[index]
    assert "/STSong-Light" in fonts
    assert b"/FontFile" not in pdf  # nothing embedded: a fresh server can print


def test_pdf_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError, match="no villages"):
        posters_pdf([])
