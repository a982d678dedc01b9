"""The classification in force: the newest active rule set in the database (else rules.json) and
the most recently published category model (else the shipped model.json), as one ``Categorizer``.

Admins edit rules through the API (a new version row) or reload the file, and publish models
(``jiefen rules publish``); every process notices a new version on its next classification (two
indexed reads of the newest ids), so no deploy is needed.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.routing import learning, load_rules
from server.routing.categorizer import Categorizer
from server.routing.classify import Classifier
from server.routing.linear_model import LinearModel
from server.routing.models import CategoryModel, RuleSet
from server.vocabulary import CATEGORY_IDS


class Rulebook:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: int | None = -1
        self._model_version: int | None = -1
        self._classifier: Classifier | None = None
        self._model: LinearModel | None = None
        self._categorizer: Categorizer | None = None
        self._data: dict[str, Any] = {}

    def current(self, s: Session) -> Categorizer:
        """Rules + model in force (rebuilt only when a newer version was published)."""
        newest = s.scalar(select(RuleSet.id).where(RuleSet.active).order_by(RuleSet.id.desc()).limit(1))
        model_id = learning.active_model_id(s)
        with self._lock:
            if self._classifier is None or newest != self._version:
                data = s.get(RuleSet, newest).data if newest is not None else load_rules()  # type: ignore[union-attr]
                self._classifier = Classifier.from_rules(data)
                self._data, self._version = data, newest
                self._categorizer = None
            if self._model is None or model_id != self._model_version:
                row = s.get(CategoryModel, model_id) if model_id is not None else None
                model_data = row.data if row is not None else learning.shipped_model_data()
                self._model = LinearModel.from_json(model_data, frozenset(CATEGORY_IDS))
                self._model_version = model_id
                self._categorizer = None
            if self._categorizer is None:
                self._categorizer = Categorizer(self._classifier, self._model)
            return self._categorizer

    def data(self, s: Session) -> dict[str, Any]:
        self.current(s)
        return self._data

    @staticmethod
    def publish(s: Session, data: dict[str, Any], by_user: str | None) -> RuleSet:
        """Store ``data`` as the active version; raises RulesError (Chinese messages) if invalid."""
        Classifier.from_rules(data)
        row = RuleSet(version=str(data.get("version", "")), data=data, active=True, created_by=by_user)
        s.add(row)
        s.flush()
        return row
