"""The classification rules in force: the newest active rule set in the database, else rules.json.

Admins edit rules through the API (a new version row) or reload the file; every process notices a
new version on its next classification (one indexed read of the newest id), so no deploy is needed.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.routing import load_rules
from server.routing.classify import Classifier
from server.routing.models import RuleSet


class Rulebook:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: int | None = -1
        self._classifier: Classifier | None = None
        self._data: dict[str, Any] = {}

    def current(self, s: Session) -> Classifier:
        newest = s.scalar(select(RuleSet.id).where(RuleSet.active).order_by(RuleSet.id.desc()).limit(1))
        with self._lock:
            if self._classifier is None or newest != self._version:
                data = s.get(RuleSet, newest).data if newest is not None else load_rules()  # type: ignore[union-attr]
                self._classifier = Classifier.from_rules(data)
                self._data, self._version = data, newest
            return self._classifier

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
