"""``jiefen cockpit rebuild-rollup``: recount the cockpit's roll-up from the cases (repair)."""

from __future__ import annotations

import time

import click

from server.settings import Settings


@click.group(help="The data cockpit (数据驾驶舱).")
def cockpit() -> None:
    pass


@cockpit.command(
    "rebuild-rollup",
    help="Recount the cockpit's per-day and per-month counts (cockpit_counts) from the cases and "
    "their timelines, in one transaction. Safe while the server runs; for repair or after a bulk load.",
)
def rebuild_rollup() -> None:
    from server.cockpit import rollup
    from server.db import Database
    from server.migrate import upgrade
    from server.sync.store.sql import SqlStore

    settings = Settings.from_env()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    database = Database(settings.database_url)
    try:
        t = time.perf_counter()
        with database.session() as s:
            # Sync writers keep the counts in step under this lock (PostgreSQL); SQLite's single
            # writer lock is already held by the session.
            SqlStore(s).lock_for_write()
            rows = rollup.rebuild(s)
        click.echo(f"已重建数据驾驶舱汇总：{rows} 行，用时 {time.perf_counter() - t:.1f} 秒。")
    finally:
        database.dispose()


commands = [cockpit]
