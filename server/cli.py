"""The ``jiefen`` command (DESIGN.md §10)."""

from __future__ import annotations

import sys

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from server.settings import Settings


def _settings() -> Settings:
    from server.settings import SettingsError

    try:
        return Settings.from_env()
    except SettingsError as e:
        raise click.ClickException(f"配置有误：{e}") from None


def _refuse_bad_settings(settings: Settings) -> None:
    """Stop with every wrong setting listed, in Chinese (before anything starts)."""
    from server.settings_check import check_settings, errors

    bad = errors(check_settings(settings, keys=False))
    if bad:
        lines = "\n".join(f"  {x.name}：{x.message}" for x in bad)
        raise click.ClickException(f"配置有误，服务未启动：\n{lines}\n（运行 jiefen check 查看全部设置）")


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=False,
    )


@click.group(help="解纷 Jiefen：在线矛盾纠纷多元化解平台。Online dispute resolution server.")
def main() -> None:
    pass


@main.command(help="Migrate the database to head and serve the API and the PWA.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--demo", is_flag=True, help="Seed the demo area (JIEFEN_AREA, default 长兴县) if the database is empty."
)
@click.option("--workers", default=1, show_default=True, type=int, help="Server processes.")
def serve(host: str, port: int, demo: bool, workers: int) -> None:
    import os

    import uvicorn

    from server.migrate import upgrade

    # QR codes and push links must point where the app really answers, unless told otherwise.
    os.environ.setdefault("JIEFEN_BASE_URL", f"http://{host}:{port}")
    settings = _settings()
    _refuse_bad_settings(settings)
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    from server.settings_check import vapid_keys_status

    if (keys := vapid_keys_status(settings)).level == "error":
        raise click.ClickException(f"配置有误，服务未启动：{keys.name}：{keys.message}")
    if demo:
        _seed(settings)
    if not (settings.pwa_dist / "index.html").is_file():
        click.echo("提示：未找到前端构建 pwa/dist，请先运行 make pwa。", err=True)
    # uvicorn logs at "warning" only: server.asgi says when each process is ready to answer.
    click.echo(f"解纷 Jiefen 正在启动：http://{host}:{port}  (API 文档 /schema)")
    uvicorn.run(
        "server.asgi:app", host=host, port=port, workers=workers, log_level="warning", proxy_headers=False
    )


@main.command(help="Check every setting and print its status (exit 1 if any is wrong).")
def check() -> None:
    from server.settings_check import check_settings

    statuses = check_settings(_settings())
    marks = {"ok": "✓", "warn": "!", "error": "✗"}
    for x in statuses:
        click.echo(f"{marks[x.level]} {x.name}：{x.message}")
    if any(x.level == "error" for x in statuses):
        raise SystemExit(1)
    click.echo("配置检查通过。")


@main.group(help="Database commands.")
def db() -> None:
    pass


@db.command("upgrade", help="Migrate the database schema to the newest version.")
def db_upgrade() -> None:
    from server.migrate import upgrade

    settings = _settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    click.echo("数据库已升级到最新版本。")


@main.command(
    "seed-demo",
    help="Load the demo data of every county of an area (regions, organisations, mediators, staff, cases).",
)
@click.option(
    "--area",
    default=None,
    help="Administrative prefix: 330522 (长兴县), 3305 (湖州市), 33 (浙江省). Default: JIEFEN_AREA.",
)
@click.option(
    "--cases", default=600, show_default=True, type=int, help="Demo cases to file over the area (0: none)."
)
def seed_demo(area: str | None, cases: int) -> None:
    from server.migrate import upgrade
    from server.registry.area import Area, AreaError

    settings = _settings()
    try:
        served, prefix = Area.parse(settings.area), Area.parse(area or settings.area).prefix
    except AreaError as e:
        raise click.UsageError(str(e)) from None
    if not prefix.startswith(served.prefix):
        # The server would refuse every case of regions it does not serve.
        raise click.UsageError(
            f"{prefix} 不在服务区域 JIEFEN_AREA={settings.area} 内：请设置 JIEFEN_AREA={prefix}"
        )
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    _seed(settings, cases, prefix)


def _seed(settings: Settings, cases: int = 600, area: str | None = None) -> None:
    from server.db import Database
    from server.demo.cases import seed_demo_cases
    from server.registry.area import Area
    from server.registry.seed import seed_demo as run

    database = Database(settings.database_url)
    with _progress() as bar:
        tasks: dict[str, object] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done)  # type: ignore[arg-type]

        counts = run(database, report, area or settings.area)
        served = Area.parse(settings.area)
        demo = seed_demo_cases(database, cases, progress=report, area=served) if cases else None
    database.dispose()
    if counts["regions"]:
        click.echo(
            f"演示数据已载入：{counts['regions']} 个行政区划，{counts['orgs']} 个组织，"
            f"{counts['mediators']} 名调解员，{counts['users']} 个工作人员账号。"
        )
    else:
        click.echo("数据库中已有行政区划与组织，跳过。")
    if demo is not None and demo.rejected:
        click.echo(f"注意：{demo.rejected} 项演示操作被服务器拒绝（见服务器日志）。", err=True)
    if demo is not None and demo.cases:
        click.echo(f"演示案件：{demo.cases} 件（近 12 个月）。示例追踪链接：")
        click.echo(f"  {settings.base_url}/t/{demo.sample_code}#k={demo.sample_token}")


@main.command("create-user", help="Create a staff account (role: grid_worker, mediator, org_admin, ...).")
@click.argument("username")
@click.option("--password", required=True, help="At least 8 characters.")
@click.option(
    "--role", required=True, help="citizen|grid_worker|mediator|org_admin|court_clerk|analyst|admin"
)
@click.option("--org", "org_id", default=None, help="Organisation id (see GET /api/v1/orgs).")
@click.option("--region", default=None, help="A grid worker's village code (12 digits).")
@click.option("--name", default="", help="Display name.")
def create_user(
    username: str, password: str, role: str, org_id: str | None, region: str | None, name: str
) -> None:
    from server.accounts.service import AccountError
    from server.accounts.service import create_user as create
    from server.db import Database
    from server.migrate import upgrade

    settings = _settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    database = Database(settings.database_url)
    try:
        with database.session() as s:
            user = create(s, username, password, role, name=name, org_id=org_id, region=region)
            if role == "mediator" and org_id:
                from server.registry.models import Mediator

                s.add(
                    Mediator(
                        id=f"med-{user.id}",
                        org_id=org_id,
                        name=name or username,
                        user_id=user.id,
                        specialities=[],
                        capacity=20,
                    )
                )
                from server.crossproc import announce

                announce(s, "registry")  # running servers' routing sees the new mediator
        click.echo(f"已创建用户 {username}（{role}）")
    except AccountError as e:
        click.echo(f"错误：{e.message}", err=True)
        sys.exit(2)
    finally:
        database.dispose()


@main.command(
    "export-shared",
    help="Write what the PWA takes from the server (workflow, labels, categories, OpenAPI) into "
    "pwa/src/generated/; --check only reports stale files.",
)
@click.option("--check", is_flag=True, help="Exit 1 if a generated file differs; write nothing.")
def export_shared(check: bool) -> None:
    from server.shared import generated_files

    stale = []
    for path, text in generated_files().items():
        if path.exists() and path.read_text("utf-8") == text:
            continue
        stale.append(path)
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, "utf-8")
    for path in stale:
        click.echo(f"{'stale' if check else 'wrote'}: {path}")
    if check and stale:
        sys.exit(1)


def _register_domain_commands() -> None:
    """Domains add their own commands (``commands`` list in ``server/<domain>/cli.py``)."""
    import importlib

    for name in ("server.qr.cli", "server.notify.cli", "server.routing.cli", "server.cockpit.cli"):
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name != name:
                raise
            continue
        for cmd in mod.commands:
            main.add_command(cmd)


_register_domain_commands()

if __name__ == "__main__":
    main()
