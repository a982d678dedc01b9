"""A4 village posters (DESIGN §6): "有纠纷，扫码找调解", as SVG and as a batch PDF.

One layout (a list of shapes in millimetres, origin top-left) is rendered twice: to SVG for the
admin page and to PDF for printing a whole township at once.

QR size: the symbol is 130 mm wide (plus a 4-module quiet zone).  A poster URL
``{BASE_URL}/?v={12-digit village code}`` fits QR version 2–4 (25–33 modules) at level M, so a
module is ≈ 4 mm.  From 2 m a phone's main camera (≈ 70° field of view, 4000 px across) sees a
≈ 2.8 m wide scene at ≈ 1.4 px/mm, i.e. ≈ 5–6 px per module — comfortably above the 2–3 px a
decoder needs — while leaving room on A4 for the title, the three steps and the hotline.

PDF: reportlab with the Adobe CID font ``STSong-Light``.  It needs no font file on the server
(viewers and printers substitute their own Song/Ming face), so a fresh machine can print posters
without installing CJK fonts.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from reportlab.lib.colors import HexColor
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from server.qr.qr import QUIET_ZONE, dark_runs, make_qr

__all__ = [
    "PAGE_H_MM",
    "PAGE_W_MM",
    "QR_SYMBOL_MM",
    "PosterItem",
    "poster_layout",
    "poster_svg",
    "poster_url",
    "posters_pdf",
]

PAGE_W_MM = 210.0
PAGE_H_MM = 297.0
QR_SYMBOL_MM = 130.0  # width of the symbol itself, quiet zone not counted (see module doc)
_QR_TOP_MM = 98.0

BLUE = "#0B5FA5"
PALE = "#EAF2FB"
INK = "#1A1A1A"
GREY = "#555555"
SVG_FONTS = "'Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Microsoft YaHei','SimHei',sans-serif"
PDF_FONT = "STSong-Light"
_MM = 72 / 25.4  # PDF points per millimetre


@dataclass(frozen=True, slots=True)
class PosterItem:
    """What one village's poster prints: names, the 12-digit code its QR carries, the hotline."""

    village_name: str
    town_name: str
    village_code: str
    base_url: str
    hotline: str
    county_name: str = ""


@dataclass(frozen=True, slots=True)
class Text:
    x: float
    y: float  # baseline
    size: float
    text: str
    fill: str = INK
    bold: bool = False
    anchor: str = "middle"  # "start" | "middle"


@dataclass(frozen=True, slots=True)
class Box:
    x: float
    y: float
    w: float
    h: float
    fill: str
    radius: float = 0.0


@dataclass(frozen=True, slots=True)
class Circle:
    cx: float
    cy: float
    r: float
    fill: str


@dataclass(frozen=True, slots=True)
class QrBlock:
    x: float  # top-left of the symbol (quiet zone lies outside)
    y: float
    module: float  # mm per module
    size: int  # modules
    url: str


Shape = Text | Box | Circle | QrBlock


def poster_url(base_url: str, village_code: str) -> str:
    """Where the poster's QR points: installs the PWA with the village pre-filled."""
    return f"{base_url.rstrip('/')}/?v={village_code}"


_STEPS = (
    ("扫码", "用手机相机或微信扫一扫"),
    ("安装", "添加到主屏幕，没网也能用"),
    ("在线申请调解", "写下纠纷，调解员就近受理"),
)
_PRIVACY = (
    "隐私说明：扫码只打开解纷平台，不读取您的位置和通讯录；",
    "您填写的信息只用于调解，工作人员依法保密。",
)


def poster_layout(item: PosterItem) -> list[Shape]:
    """The poster as shapes on an A4 page in millimetres."""
    url = poster_url(item.base_url, item.village_code)
    size, _ = dark_runs(make_qr(url))
    module = QR_SYMBOL_MM / size
    area = item.county_name or item.town_name
    shapes: list[Shape] = [
        Box(0, 0, PAGE_W_MM, 48, BLUE),
        Text(PAGE_W_MM / 2, 24, 13, "有纠纷，扫码找调解", fill="#FFFFFF", bold=True),
        Text(PAGE_W_MM / 2, 39, 7, f"浙里解纷 · {area}", fill="#FFFFFF"),
    ]
    box_w, gap, top = 56.0, 7.0, 56.0
    left = (PAGE_W_MM - 3 * box_w - 2 * gap) / 2
    for i, (title, hint) in enumerate(_STEPS):
        x = left + i * (box_w + gap)
        shapes += [
            Box(x, top, box_w, 26, PALE, radius=3),
            Circle(x + 8, top + 8.5, 4.2, BLUE),
            Text(x + 8, top + 10.2, 5, str(i + 1), fill="#FFFFFF", bold=True),
            Text(x + 14.5, top + 10.6, 5.6 if len(title) < 5 else 4.8, title, bold=True, anchor="start"),
            Text(x + box_w / 2, top + 20.5, 3.4, hint, fill=GREY),
        ]
        if i < 2:
            shapes.append(Text(x + box_w + gap / 2, top + 15, 5, "→", fill=BLUE, bold=True))
    # Nothing may be drawn in the quiet zone: a scanner needs it to find the symbol.
    quiet = QUIET_ZONE * module
    qr_x, qr_y = (PAGE_W_MM - QR_SYMBOL_MM) / 2, max(_QR_TOP_MM, top + 27 + quiet)
    shapes.append(QrBlock(qr_x, qr_y, module, size, url))
    below = qr_y + QR_SYMBOL_MM + quiet
    shapes += [
        Text(PAGE_W_MM / 2, below + 3.5, 3.2, url, fill=GREY),
        Text(PAGE_W_MM / 2, below + 12.5, 8, f"{item.town_name} · {item.village_name}", bold=True),
        Text(PAGE_W_MM / 2, below + 22, 5.2, f"{item.town_name}司法所调解热线：{item.hotline}"),
        Text(PAGE_W_MM / 2, below + 29.5, 3.4, _PRIVACY[0], fill=GREY),
        Text(PAGE_W_MM / 2, below + 34.5, 3.4, _PRIVACY[1], fill=GREY),
    ]
    return shapes


def _fmt(v: float) -> str:
    return f"{v:.3f}".rstrip("0").rstrip(".")


def _svg_shape(s: Shape) -> str:
    if isinstance(s, Box):
        r = f' rx="{_fmt(s.radius)}"' if s.radius else ""
        return (
            f'<rect x="{_fmt(s.x)}" y="{_fmt(s.y)}" width="{_fmt(s.w)}" height="{_fmt(s.h)}"{r}'
            f' fill="{s.fill}"/>'
        )
    if isinstance(s, Circle):
        return f'<circle cx="{_fmt(s.cx)}" cy="{_fmt(s.cy)}" r="{_fmt(s.r)}" fill="{s.fill}"/>'
    if isinstance(s, Text):
        weight = ' font-weight="700"' if s.bold else ""
        return (
            f'<text x="{_fmt(s.x)}" y="{_fmt(s.y)}" font-size="{_fmt(s.size)}" text-anchor="{s.anchor}"'
            f' fill="{s.fill}"{weight}>{escape(s.text)}</text>'
        )
    _, runs = dark_runs(make_qr(s.url))
    d = "".join(f"M{r.x} {r.y}h{r.width}v1h-{r.width}z" for r in runs)
    quiet = QUIET_ZONE * s.module
    side = s.size * s.module + 2 * quiet
    return (
        f'<rect x="{_fmt(s.x - quiet)}" y="{_fmt(s.y - quiet)}" width="{_fmt(side)}" height="{_fmt(side)}"'
        ' fill="#FFFFFF"/>'
        f'<g id="qr" data-modules="{s.size}" data-url={quoteattr(s.url)}'
        f' transform="translate({_fmt(s.x)} {_fmt(s.y)}) scale({s.module:.6f})">'
        f'<path fill="#000000" shape-rendering="crispEdges" d="{d}"/></g>'
    )


def poster_svg(
    village_name: str,
    town_name: str,
    village_code: str,
    base_url: str,
    hotline: str,
    *,
    county_name: str = "",
) -> str:
    """One A4 poster as a standalone SVG document (sizes in millimetres)."""
    item = PosterItem(village_name, town_name, village_code, base_url, hotline, county_name)
    body = "\n".join(_svg_shape(s) for s in poster_layout(item))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_fmt(PAGE_W_MM)}mm" height="{_fmt(PAGE_H_MM)}mm"'
        f' viewBox="0 0 {_fmt(PAGE_W_MM)} {_fmt(PAGE_H_MM)}" font-family="{SVG_FONTS}">\n'
        f"<title>{escape(f'{town_name}{village_name} 解纷码海报')}</title>\n"
        f'<rect width="{_fmt(PAGE_W_MM)}" height="{_fmt(PAGE_H_MM)}" fill="#FFFFFF"/>\n'
        f"{body}\n</svg>\n"
    )


def _pdf_font() -> str:
    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    return PDF_FONT


def _pdf_shape(c: canvas.Canvas, s: Shape, font: str) -> None:
    def y(v: float) -> float:  # layout is top-down in mm; PDF is bottom-up in points
        return (PAGE_H_MM - v) * _MM

    if isinstance(s, Box):
        c.setFillColor(HexColor(s.fill))
        c.roundRect(s.x * _MM, y(s.y + s.h), s.w * _MM, s.h * _MM, s.radius * _MM, stroke=0, fill=1)
    elif isinstance(s, Circle):
        c.setFillColor(HexColor(s.fill))
        c.circle(s.cx * _MM, y(s.cy), s.r * _MM, stroke=0, fill=1)
    elif isinstance(s, Text):
        # CID fonts have no bold face: fake it by stroking the glyph outlines too.
        t = c.beginText()
        t.setFont(font, s.size * _MM)
        t.setTextRenderMode(2 if s.bold else 0)
        c.setFillColor(HexColor(s.fill))
        c.setStrokeColor(HexColor(s.fill))
        c.setLineWidth(s.size * _MM * 0.03)
        # STSong-Light's encoding has no U+00B7 and substitute fonts misplace U+30FB: a wide space.
        text = s.text.replace(" · ", "\u3000")
        width = pdfmetrics.stringWidth(text, font, s.size * _MM)
        x = s.x * _MM - (width / 2 if s.anchor == "middle" else 0)
        t.setTextOrigin(x, y(s.y))
        t.textOut(text)
        c.drawText(t)
    else:
        _, runs = dark_runs(make_qr(s.url))
        c.setFillColor(HexColor("#000000"))
        p = c.beginPath()
        for r in runs:
            p.rect(
                (s.x + r.x * s.module) * _MM,
                y(s.y + (r.y + 1) * s.module),
                r.width * s.module * _MM,
                s.module * _MM,
            )
        c.drawPath(p, stroke=0, fill=1)


def posters_pdf(items: Iterable[PosterItem], progress: Callable[[int], None] | None = None) -> bytes:
    """One A4 page per village, e.g. a whole township; ``progress`` gets the pages done so far."""
    font = _pdf_font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(PAGE_W_MM * _MM, PAGE_H_MM * _MM), invariant=True)
    c.setTitle("浙里解纷 · 村（社区）扫码海报")
    c.setCreator("Jiefen")
    done = 0
    for item in items:
        for shape in poster_layout(item):
            _pdf_shape(c, shape, font)
        c.showPage()
        done += 1
        if progress is not None:
            progress(done)
    if done == 0:
        raise ValueError("no villages to print")
    c.save()
    return buf.getvalue()
