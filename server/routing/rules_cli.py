"""``jiefen rules …``: train the category model from the field's labels, list and publish versions."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from server.settings import Settings


@contextmanager
def _database() -> Iterator[Any]:
    from server.db import Database
    from server.migrate import upgrade

    settings = Settings.from_env()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    database = Database(settings.database_url)
    try:
        yield database
    finally:
        database.dispose()


def format_report(report: dict[str, Any]) -> str:
    """The per-category change report of a trained model as a plain-text table (Chinese headings)."""
    from server.vocabulary import CATEGORY_NAMES_ZH

    old, new = report["frozen_accuracy"]
    lines = [
        f"基于：{report['based_on']}；语料 {report['examples']['corpus']} 条，"
        f"现场标注 {report['examples']['field']} 条",
        f"冻结集准确率：{old:.3f} → {new:.3f}",
        f"{'类别':<10}{'冻结集召回':>12}{'冻结集精确':>12}{'现场样本':>6}{'现场判对':>10}{'转入':>5}{'转出':>5}",
    ]
    for r in report["categories"]:
        changed = (
            r["frozen_recall"][0] != r["frozen_recall"][1]
            or r["frozen_precision"][0] != r["frozen_precision"][1]
            or r["field_examples"]
            or r["moved_in"]
            or r["moved_out"]
        )
        if not changed:
            continue
        lines.append(
            f"{CATEGORY_NAMES_ZH.get(r['category'], r['category']):<10}"
            f"{r['frozen_recall'][0]:>6.2f}→{r['frozen_recall'][1]:<5.2f}"
            f"{r['frozen_precision'][0]:>6.2f}→{r['frozen_precision'][1]:<5.2f}"
            f"{r['field_examples']:>6}{r['field_right'][0]:>6}→{r['field_right'][1]:<3}"
            f"{r['moved_in']:>5}{r['moved_out']:>5}"
        )
    return "\n".join(lines)


@click.group(help="Classification rules and the learned category model.")
def rules() -> None:
    pass


@rules.command(
    help="Train a new model from the corpus and every correction / closing label; stores it unpublished."
)
@click.option("--publish", "publish_now", is_flag=True, help="Publish it at once.")
def train(publish_now: bool) -> None:
    from server.routing import learning
    from server.routing.rulebook import Rulebook

    with _database() as database, database.session() as s:
        row = learning.train_draft(s, Rulebook().current(s).rules, by_user=None)
        click.echo(f"已训练模型 #{row.id}（{row.version}）")
        click.echo(format_report(row.report))
        if publish_now:
            learning.publish(s, row.id, by_user=None)
            click.echo(f"已发布模型 #{row.id}")
        else:
            click.echo(f"发布：jiefen rules publish {row.id}")


@rules.command(name="models", help="List trained models, newest first; * marks the one in force.")
def list_models() -> None:
    from sqlalchemy import select

    from server.routing import learning
    from server.routing.models import CategoryModel

    with _database() as database, database.read_session() as s:
        active = learning.active_model_id(s)
        rows = list(s.scalars(select(CategoryModel).order_by(CategoryModel.id.desc()).limit(50)))
        if active is None:
            click.echo("* 随软件发布的模型（server/routing/model.json）")
        for r in rows:
            mark = "*" if r.id == active else " "
            acc = r.report.get("frozen_accuracy", [0, 0])[1]
            published = r.published_at.isoformat() if r.published_at else "未发布"
            trained = f"{r.created_at:%Y-%m-%d %H:%M}"
            click.echo(f"{mark} #{r.id} {r.version} 冻结集 {acc:.3f} 训练于 {trained} {published}")


@rules.command(help="Publish model ID (also rolls back to an older one).")
@click.argument("model_id", type=int)
def publish(model_id: int) -> None:
    from server.routing import learning
    from server.routing.linear_model import ModelError

    with _database() as database, database.session() as s:
        try:
            row = learning.publish(s, model_id, by_user=None)
        except (LookupError, ModelError) as e:
            click.echo(f"错误：{e}", err=True)
            sys.exit(2)
        click.echo(f"已发布模型 #{row.id}（{row.version}）")
