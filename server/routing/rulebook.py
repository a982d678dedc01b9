"""The classification in force: the newest active rule set in the database (else rules.json) and
the most recently published category model (else the shipped model.json), as one ``Categorizer``.

Admins edit rules through the API (a new version row) or reload the file, and publish models
(``jiefen rules publish``); every process notices a new version on its next classification, so no
deploy is needed: by two indexed reads of the newest ids, or, while the process listens to the
cross-process announcements (``watching``, crossproc.py), by the ``rules`` message each publication
sends at its commit — then a classification reads nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from server.crossproc import announce
from server.routing import learning, load_rules
from server.routing.categorizer import Categorizer
from server.routing.classify import Classifier
from server.routing.linear_model import LinearModel
from server.routing.models import CategoryModel, RuleSet
from server.vocabulary import CATEGORY_IDS

_PUBLISHING = "jiefen_publishing_rules"  # session.info: this transaction publishes a version
_local = [0]  # publications committed by this process: seen at once, before the NOTIFY arrives


@event.listens_for(Session, "after_commit")
def _count_publication(session: Session) -> None:
    if session.info.pop(_PUBLISHING, False):
        _local[0] += 1


@event.listens_for(Session, "after_rollback")
def _forget_publication(session: Session) -> None:
    session.info.pop(_PUBLISHING, None)


class Rulebook:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: int | None = -1
        self._model_version: int | None = -1
        self._classifier: Classifier | None = None
        self._model: LinearModel | None = None
        self._categorizer: Categorizer | None = None
        self._data: dict[str, Any] = {}
        self.watching: Callable[[], bool] = lambda: False
        self._fresh = False  # the cached versions are the newest (only trusted while watching)
        self._published = 0  # ``invalidate`` calls so far
        self._local_seen = -1  # ``_local`` when the cache was last read

    def invalidate(self) -> None:
        """A rule set or model was published (here or in another process): re-read on next use."""
        with self._lock:
            self._fresh = False
            self._published += 1

    def current(self, s: Session) -> Categorizer:
        """Rules + model in force (rebuilt only when a newer version was published)."""
        with self._lock:
            fresh = self._fresh and self._local_seen == _local[0] and self._categorizer is not None
            if fresh and self.watching():
                return self._categorizer  # type: ignore[return-value]
            published = self._published  # a message arriving during the reads below wins
            local = _local[0]
        watching = self.watching()
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
            # A transaction that publishes sees its own version before it commits (or rolls back).
            self._fresh = watching and published == self._published and not s.info.get(_PUBLISHING)
            self._local_seen = local
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
        announce(s, "rules")  # every process's Rulebook re-reads at this commit
        s.info[_PUBLISHING] = True
        return row
