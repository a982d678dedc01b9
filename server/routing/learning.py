"""Learning from the field: labelled examples in, trained model versions out, publish and roll back.

- ``record_example``: a mediator's correction, or the category a case had when it was resolved,
  becomes a labelled description (``category_examples``).
- ``train_draft``: corpus train split + vocabulary + every field example (the latest label per
  case) → a new model row, unpublished, with a per-category report of what it would change.
- ``publish``: makes a row the model in force (every process picks it up on its next
  classification); publishing an older row rolls back.  ``active_model_row`` says which is in force.
"""

from __future__ import annotations

import json
from datetime import datetime
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.crossproc import announce
from server.db import utcnow
from server.routing.categorizer import Categorizer
from server.routing.classify import Classifier
from server.routing.linear_model import LinearModel
from server.routing.models import CategoryExample, CategoryModel
from server.vocabulary import CATEGORY_IDS

SOURCES = ("correction", "closing")
MAX_TEXT = 5000


def shipped_model_data() -> dict[str, Any]:
    """The model built from the corpus and checked in (server/routing/model.json)."""
    data: dict[str, Any] = json.loads(resources.files(__package__).joinpath("model.json").read_text("utf-8"))
    return data


def record_example(
    s: Session, case_key: str, text: str, category: str, source: str, by_user: str | None
) -> None:
    """Store one labelled description; ignores empty text and unknown categories (nothing to learn)."""
    if source not in SOURCES:
        raise ValueError(f"unknown example source {source!r}")
    text = text.strip()[:MAX_TEXT]
    if category not in CATEGORY_IDS or not text.strip("。 "):
        return
    s.add(CategoryExample(case_key=case_key, text=text, category=category, source=source, by_user=by_user))


def field_examples(s: Session) -> list[tuple[str, str, str]]:
    """(case_key, text, category) — the newest label per case (a closing after a correction wins)."""
    latest: dict[str, tuple[str, str, str]] = {}
    for row in s.scalars(select(CategoryExample).order_by(CategoryExample.id)):
        latest[row.case_key] = (row.case_key, row.text, row.category)
    return list(latest.values())


def active_model_row(s: Session) -> CategoryModel | None:
    """The most recently published model row, or None (then the shipped model is in force)."""
    return s.scalars(
        select(CategoryModel)
        .where(CategoryModel.published_at.is_not(None))
        .order_by(CategoryModel.published_at.desc(), CategoryModel.id.desc())
        .limit(1)
    ).first()


def active_model_id(s: Session) -> int | None:
    """One indexed read: the id of the model in force (None: shipped)."""
    return s.scalar(
        select(CategoryModel.id)
        .where(CategoryModel.published_at.is_not(None))
        .order_by(CategoryModel.published_at.desc(), CategoryModel.id.desc())
        .limit(1)
    )


def train_draft(s: Session, rules: Classifier, by_user: str | None) -> CategoryModel:
    """Train on corpus + vocabulary + field examples; store the result unpublished with its report.

    Report: ``{"examples": {...counts}, "categories": [per-category changes], "frozen": {...}}``
    comparing the new model with the one in force (``training.change_report``)."""
    from server.routing import training

    field = [
        training.Example(text, cid, "field", training.FIELD_WEIGHT) for _, text, cid in field_examples(s)
    ]
    data = training.train(training.training_set(field), rules)
    current_row = active_model_row(s)
    current = Categorizer(
        rules, training.load_model_json(current_row.data if current_row else shipped_model_data())
    )
    new = Categorizer(rules, training.load_model_json(data))
    frozen = [e for e in training.load_corpus() if e.split == "frozen"]
    per_category = training.change_report(current, new, frozen, field)
    report = {
        "based_on": current_row.version if current_row else "shipped:" + current.version,
        "examples": {"corpus": sum(e.split == "train" for e in training.load_corpus()), "field": len(field)},
        "frozen_accuracy": [
            round(training.evaluate(current.classify, frozen).accuracy, 3),
            round(training.evaluate(new.classify, frozen).accuracy, 3),
        ],
        "categories": per_category,
    }
    row = CategoryModel(version=str(data["version"]), data=data, report=report, created_by=by_user)
    s.add(row)
    s.flush()
    return row


def publish(s: Session, model_id: int, by_user: str | None, now: datetime | None = None) -> CategoryModel:
    """Make row ``model_id`` the model in force; raises LookupError (unknown id) or ModelError."""
    row = s.get(CategoryModel, model_id) if 0 < model_id < 2**63 else None
    if row is None:
        raise LookupError(f"没有编号为 {model_id} 的模型")
    LinearModel.from_json(row.data, frozenset(CATEGORY_IDS))
    row.published_at = now or utcnow()
    row.published_by = by_user
    s.flush()
    announce(s, "rules")  # every process's Rulebook re-reads at this commit (rulebook.py)
    s.info["jiefen_publishing_rules"] = True
    return row
