"""Render an ``Agreement`` as an A4 PDF with an embedded Chinese TrueType font, the case QR and the
parties' signature images.

The font must have TrueType outlines (reportlab embeds a subset of those; CFF/OpenType CJK fonts
such as Noto CJK it cannot embed, and its built-in STSong is a reference the reader must supply).
Default: WenQuanYi Micro Hei from Debian's ``fonts-wqy-microhei`` (Apache-2.0 or GPL-3+ with the
font exception; TrueType outlines, Chinese and Latin in one face — Droid Sans Fallback has no
digits or Latin letters, so case codes would print blank). Any other TrueType font (.ttf, or .ttc
with index 0) can be named with ``JIEFEN_AGREEMENT_FONT``.
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Callable
from pathlib import Path

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from server.agreement.draft import Agreement

DEFAULT_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
FONT_NAME = "JiefenCJK"
_lock = threading.Lock()
_MARGIN = 20 * mm
_BODY = 11
_LEADING = 17


class FontMissing(RuntimeError):
    """No usable Chinese TrueType font: install fonts-wqy-microhei or set JIEFEN_AGREEMENT_FONT."""


def font_path() -> Path:
    return Path(os.environ.get("JIEFEN_AGREEMENT_FONT") or DEFAULT_FONT)


def _register() -> None:
    with _lock:
        if FONT_NAME in pdfmetrics.getRegisteredFontNames():
            return
        path = font_path()
        if not path.is_file():
            raise FontMissing(f"找不到中文字体 {path}")
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), subfontIndex=0))


def wrap(text: str, width: float, size: float) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` points (Chinese breaks between any two
    characters; explicit newlines are kept)."""
    out: list[str] = []
    for para in text.split("\n"):
        line = ""
        for ch in para:
            if line and pdfmetrics.stringWidth(line + ch, FONT_NAME, size) > width:
                out.append(line)
                line = ""
            line += ch
        out.append(line)
    return out


def render(a: Agreement, qr_url: str, signature_png: Callable[[str], bytes | None]) -> bytes:
    """The PDF bytes. ``signature_png(sha256)`` returns a stored signature image, or None when it
    has not been uploaded yet (the line then says so)."""
    _register()
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, pageCompression=1)
    c.setTitle(f"人民调解协议书 {a.code}")
    c.setAuthor(a.org_name)
    page_w, page_h = A4
    width = page_w - 2 * _MARGIN
    y = page_h - _MARGIN

    def need(h: float) -> None:
        nonlocal y
        if y - h < _MARGIN:
            c.showPage()
            y = page_h - _MARGIN

    def para(text: str, size: float = _BODY, indent: float = 0) -> None:
        nonlocal y
        for line in wrap(text, width - indent, size):
            need(_LEADING)
            c.setFont(FONT_NAME, size)
            c.drawString(_MARGIN + indent, y - size, line)
            y -= size + (_LEADING - _BODY)

    qr = segno.make(qr_url, error="m")
    png = io.BytesIO()
    qr.save(png, kind="png", scale=4, border=2)
    png.seek(0)
    c.drawImage(ImageReader(png), page_w - _MARGIN - 28 * mm, y - 28 * mm, 28 * mm, 28 * mm)
    c.setFont(FONT_NAME, 20)
    c.drawCentredString(page_w / 2, y - 22, "人民调解协议书")
    y -= 40
    para(f"编号：{a.code}", 10)
    para(f"调解组织：{a.org_name}", 10)
    para(f"纠纷类别：{a.category_name}", 10)
    y = min(y, page_h - _MARGIN - 32 * mm)
    for title, body in (
        (
            "一、当事人基本情况",
            [f"{p.role}：{p.name}{'，' + p.particulars if p.particulars else ''}" for p in a.parties],
        ),
        ("二、纠纷主要事实、争议事项", [a.facts]),
        ("三、经调解，各方当事人自愿达成如下协议", [a.terms]),
        ("四、履行方式、期限", [a.performance_line()]),
        ("五、协议效力", list(a.closing)),
    ):
        y -= 6
        para(title, 12)
        for line in body:
            para(line, _BODY, indent=2 * _BODY)
    y -= 10
    para("当事人签名：", 12)
    for p in a.parties:
        need(26 * mm)
        c.setFont(FONT_NAME, _BODY)
        c.drawString(_MARGIN + 2 * _BODY, y - 14, f"{p.role}（签名）：{p.name}")
        image = signature_png(p.signature_blob) if p.signature_blob else None
        if image is not None:
            c.drawImage(
                ImageReader(io.BytesIO(image)), _MARGIN + 70 * mm, y - 22 * mm, 60 * mm, 20 * mm,
                preserveAspectRatio=True, mask="auto",
            )  # fmt: skip
            c.drawString(_MARGIN + 135 * mm, y - 14, f"已签名 {str(p.signed_at or '')[:10]}")
        else:
            c.drawString(_MARGIN + 135 * mm, y - 14, "已签名，图像待上传" if p.signature_blob else "未签名")
        y -= 24 * mm
    need(3 * _LEADING)
    para(f"人民调解员（签名）：{a.mediator_name}", _BODY)
    para(f"{a.org_name}（印章）", _BODY)
    para(f"日期：{a.resolved_at}", _BODY)
    c.setFont(FONT_NAME, 8)
    c.drawString(_MARGIN, _MARGIN / 2, f"扫码核对案件：{qr_url}")
    c.showPage()
    c.save()
    return buf.getvalue()
