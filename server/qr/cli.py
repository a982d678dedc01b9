"""``jiefen poster REGION_CODE -o FILE``: village posters as SVG (one village) or PDF (village or town)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from server.settings import Settings


def _fail(message: str) -> NoReturn:
    click.echo(f"错误：{message}", err=True)
    sys.exit(2)


@click.command(help="Print village posters: FILE.svg for one village, FILE.pdf for a village or a township.")
@click.argument("region_code")
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Output file; .svg or .pdf decides the format.",
)
def poster(region_code: str, output: Path) -> None:
    from server.db import Database
    from server.migrate import upgrade
    from server.qr import service
    from server.qr.poster import posters_pdf

    suffix = output.suffix.lower()
    if suffix not in (".svg", ".pdf"):
        _fail(f"不支持的文件类型“{output.suffix or '（无后缀）'}”：请以 .svg 或 .pdf 结尾")
    code = region_code.strip()
    if not output.parent.is_dir():
        _fail(f"目录不存在：{output.parent}")
    settings = Settings.from_env()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    database = Database(settings.database_url)
    try:
        with database.read_session() as s:
            items = service.poster_items(s, code, settings.base_url, allow_town=suffix == ".pdf")
    except service.PosterError as e:
        _fail(f"{e.message}（{code}）")
    finally:
        database.dispose()
    if suffix == ".svg":
        output.write_text(service.poster_svg_of(items[0]), encoding="utf-8")
        click.echo(f"已生成海报：{output}（{items[0].town_name}{items[0].village_name}）")
        return
    if len(items) == 1:
        data = posters_pdf(items)
    else:
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()
        ) as bar:
            task = bar.add_task(f"{items[0].town_name} 海报", total=len(items))
            data = posters_pdf(items, progress=lambda done: bar.update(task, completed=done))
    output.write_bytes(data)
    click.echo(f"已生成 {len(items)} 页海报：{output}")


commands = [poster]
