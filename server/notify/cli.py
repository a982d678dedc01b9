"""``jiefen vapid``: print the Web Push public key, making the key pair on first use."""

from __future__ import annotations

import click

from server.settings import Settings


@click.command(help="Print the VAPID public key (base64url), making the key pair on first use.")
def vapid() -> None:
    from server.db import Database
    from server.migrate import upgrade
    from server.notify.keys import load_or_create

    settings = Settings.from_env()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)  # the key lives in the database: its table must exist
    database = Database(settings.database_url)
    try:
        click.echo(load_or_create(database).public_key)
    finally:
        database.dispose()


commands = [vapid]
