"""A fake camera for Chromium: one YUV4MPEG2 frame (looped by the browser) showing a QR code.

Chromium plays it with ``--use-fake-device-for-media-stream --use-file-for-fake-video-capture=FILE``.
Only the luma (Y) plane carries the picture: 16 is black, 235 white; chroma planes stay neutral (128).
"""

from __future__ import annotations

from pathlib import Path

import segno

BLACK, WHITE, NEUTRAL = 16, 235, 128


def qr_y4m(text: str, path: Path, width: int = 640, height: int = 480, quiet: int = 4) -> Path:
    """Write ``text`` as a QR code centred on a white 4:2:0 frame; returns ``path``."""
    matrix = segno.make(text, error="m", micro=False).matrix
    n = len(matrix) + 2 * quiet
    scale = min(width, height) * 9 // 10 // n
    if scale < 3:
        raise ValueError(f"QR code of {len(matrix)} modules does not fit a {width}x{height} frame")
    y = bytearray([WHITE]) * (width * height)
    x0 = (width - len(matrix) * scale) // 2
    y0 = (height - len(matrix) * scale) // 2
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if not dark:
                continue
            for dy in range(scale):
                start = (y0 + r * scale + dy) * width + x0 + c * scale
                y[start : start + scale] = bytes([BLACK]) * scale
    chroma = bytes([NEUTRAL]) * ((width // 2) * (height // 2))
    header = f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + b"FRAME\n" + bytes(y) + chroma + chroma)
    return path
