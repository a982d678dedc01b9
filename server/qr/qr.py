"""QR codes for print (DESIGN §6): case trace QR and the modules the poster draws.

The PWA draws its own QR offline; these are for paper — a receipt handed over at the counter, a
poster on the village notice board.  Error correction M (15 %) survives a creased or slightly
dirty print without making the symbol much denser; the quiet zone is the 4 modules the standard
asks for.
"""

from __future__ import annotations

import io
from typing import NamedTuple

import segno

__all__ = ["QUIET_ZONE", "DarkRun", "case_qr_png", "case_qr_svg", "dark_runs", "make_qr"]

QUIET_ZONE = 4  # modules of light margin on each side (ISO/IEC 18004)


class DarkRun(NamedTuple):
    """A horizontal run of dark modules: row ``y``, columns ``x`` … ``x + width - 1``."""

    x: int
    y: int
    width: int


def make_qr(url: str) -> segno.QRCode:
    """The QR symbol of ``url`` at error level M, the smallest version that holds it."""
    # Always a full QR (never Micro QR, which phone cameras do not read) at exactly level M.
    return segno.make_qr(url, error="m", boost_error=False)


def dark_runs(qr: segno.QRCode) -> tuple[int, list[DarkRun]]:
    """The symbol's width in modules (without quiet zone) and its dark runs, row by row.

    Drawing runs instead of single modules keeps the SVG and PDF small and avoids hairline gaps
    between neighbouring squares when a printer rasterises them.
    """
    matrix = qr.matrix
    runs: list[DarkRun] = []
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                runs.append(DarkRun(start, y, x - start))
            else:
                x += 1
    return len(matrix), runs


def case_qr_svg(url: str, *, scale: float = 4, title: str | None = None) -> str:
    """A standalone SVG document of the QR for ``url`` (e.g. a case's trace URL)."""
    buf = io.BytesIO()
    make_qr(url).save(buf, kind="svg", scale=scale, border=QUIET_ZONE, xmldecl=False, title=title)
    return buf.getvalue().decode("utf-8")


def case_qr_png(url: str, scale: int = 8) -> bytes:
    """A black-on-white PNG of the QR for ``url``; ``scale`` is pixels per module."""
    if scale < 1:
        raise ValueError("scale must be at least 1 pixel per module")
    buf = io.BytesIO()
    make_qr(url).save(buf, kind="png", scale=scale, border=QUIET_ZONE)
    return buf.getvalue()
