"""``jiefen holidays``: load a year's official holiday arrangement (and list what is loaded)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from server.settings import Settings


@click.group(help="Holiday arrangements (放假安排) deadlines are counted with.")
def holidays() -> None:
    pass


@holidays.command("load", help="Load FILE (a year's arrangement, JSON; format in docs/routing.md).")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load(file: Path) -> None:
    from server.db import Database
    from server.migrate import upgrade
    from server.routing.calendar_store import load_arrangement
    from server.routing.config_file import load_config
    from server.routing.holidays import ArrangementError
    from server.routing.service import RoutingService
    from server.sync.service import ServerReplica

    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise click.ClickException(f"{file} 不是 UTF-8 编码的 JSON：{e}") from None
    settings = Settings.from_env()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    database = Database(settings.database_url)
    try:
        routing = RoutingService(database, load_config(settings.routing_config))
        r = load_arrangement(database, routing, ServerReplica(), raw, "cli")
    except ArrangementError as e:
        raise click.ClickException("放假安排有误，未载入：\n  " + "\n  ".join(e.errors)) from None
    finally:
        database.dispose()
    click.echo(
        f"已载入{r.year}年放假安排（第 {r.version} 版，{r.source}）；"
        f"重新计算了 {r.recomputed} 件暂定期限的案件。运行中的服务无需重启。"
    )


@holidays.command("list", help="List the loaded arrangements (newest version of a year is in force).")
def list_loaded() -> None:
    from server.db import Database
    from server.migrate import upgrade
    from server.routing.calendar_store import list_years

    settings = Settings.from_env()
    upgrade(settings.database_url)
    database = Database(settings.database_url)
    try:
        rows = list_years(database)
    finally:
        database.dispose()
    if not rows:
        click.echo("尚未载入任何年份；未收录的年份按法定节日暂定计算期限。")
    for row in rows:
        click.echo(f"{row['year']}  第{row['version']}版  {row['loaded_at']}  {row['source']}")


from server.routing.rules_cli import rules  # noqa: E402  (jiefen rules …: the category model)

commands = [holidays, rules]
