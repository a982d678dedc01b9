"""``jiefen poster REGION_CODE -o FILE`` against the seeded test database."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from server.cli import main
from server.settings import Settings

TOWN = "330522001000"  # 雉城街道
VILLAGE = "330522001008"  # 雉城社区


def _run(settings: Settings, *args: str) -> tuple[int, str, str]:
    env = {
        "JIEFEN_DATABASE_URL": settings.database_url,
        "JIEFEN_VAR_DIR": str(settings.var_dir),
        "JIEFEN_BASE_URL": "https://jf.example.cn",
    }
    result = CliRunner().invoke(main, ["poster", *args], env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_village_svg(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "poster.svg"
    code, stdout, _ = _run(settings, VILLAGE, "-o", str(out))
    assert code == 0, stdout
    svg = out.read_text(encoding="utf-8")
    assert svg.startswith("<?xml") and "雉城社区" in svg
    assert f"https://jf.example.cn/?v={VILLAGE}" in svg
    assert "0572-62290" in svg  # the 司法所 hotline (fictitious demo numbers)
    assert "已生成海报" in stdout


def test_township_pdf(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "town.PDF"
    code, stdout, _ = _run(settings, TOWN, "--output", str(out))
    assert code == 0, stdout
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    assert len(reader.pages) > 5
    assert "雉城社区" in "".join(p.extract_text() for p in reader.pages)
    assert f"已生成 {len(reader.pages)} 页海报" in stdout


def test_village_pdf(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "v.pdf"
    assert _run(settings, VILLAGE, "-o", str(out))[0] == 0
    assert len(PdfReader(io.BytesIO(out.read_bytes())).pages) == 1


@pytest.mark.parametrize(
    ("region", "name", "message"),
    [
        (TOWN, "town.svg", "SVG 只能打印单个村（社区）"),
        ("330522999999", "x.pdf", "未找到该行政区划"),
        ("abc", "x.svg", "未找到该行政区划"),
        (VILLAGE, "x.png", "请以 .svg 或 .pdf 结尾"),
        (VILLAGE, "missing-dir/x.svg", "目录不存在"),
    ],
)
def test_errors_exit_2(settings: Settings, tmp_path: Path, region: str, name: str, message: str) -> None:
    out = tmp_path / name
    code, _, stderr = _run(settings, region, "-o", str(out))
    assert code == 2
    assert message in stderr and stderr.startswith("错误：")
    assert not out.exists()
