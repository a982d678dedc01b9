"""Training the linear category model from labelled descriptions (``jiefen rules train``).

Examples come from three places:
- the corpus we wrote (``corpus/<category>.txt``, one description a line); every third line of
  a category (lines 3, 6, 9…) is the **frozen split**, never trained or tuned on, only reported;
- the vocabulary (``vocabulary.json``): the causes of action (案由) of ``categories.json`` and
  the legal terms and everyday equivalents we listed per category, each a short example;
- the field: mediators' corrections and categories confirmed when a case closes
  (``server/routing/learning.py``), weighted ``FIELD_WEIGHT`` because they are real text.

scikit-learn fits a multinomial logistic regression (L2, lbfgs) over ``textfeatures.vector``;
the weights are pruned and rounded into the JSON artifact ``linear_model.LinearModel`` scores.
Deterministic for the same examples and library version.  Needs scikit-learn (a server
dependency; imported only here).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from server.routing import load_categories
from server.routing.classify import Classifier
from server.routing.config import CATEGORY_IDS
from server.routing.linear_model import FORMAT, LinearModel
from server.routing.textfeatures import vector

C = 10.0
"""Inverse L2 strength, chosen by 5-fold cross-validation on the training split (docs/routing.md)."""
PRUNE = 0.02
"""Weights smaller than this in magnitude are dropped (size; no measurable accuracy change)."""
VOCAB_WEIGHT = 0.5
FIELD_WEIGHT = 3.0
ASK_BELOW = 0.55
"""Below this top probability the filer is asked to choose (docs/routing.md: calibration)."""


@dataclass(frozen=True)
class Example:
    text: str
    category: str
    split: str  # "train" | "frozen" | "vocabulary" | "field"
    weight: float = 1.0


def load_corpus() -> list[Example]:
    """The written corpus, every category, with its train/frozen split (frozen: i % 3 == 2)."""
    root = resources.files(__package__).joinpath("corpus")
    out: list[Example] = []
    for cid in CATEGORY_IDS:
        lines = root.joinpath(f"{cid}.txt").read_text("utf-8").splitlines()
        texts = [t.strip() for t in lines if t.strip() and not t.lstrip().startswith("#")]
        out.extend(Example(t, cid, "frozen" if i % 3 == 2 else "train") for i, t in enumerate(texts))
    return out


def load_vocabulary() -> list[Example]:
    """Causes of action (案由, a cause listed under two categories is left out as ambiguous) and
    the hand-written legal terms and everyday equivalents of ``vocabulary.json``."""
    causes: dict[str, set[str]] = {}
    for c in load_categories()["categories"]:
        for cause in c["causes"]:
            causes.setdefault(cause, set()).add(c["id"])
    out = [
        Example(cause, next(iter(ids)), "vocabulary", VOCAB_WEIGHT)
        for cause, ids in causes.items()
        if len(ids) == 1
    ]
    data = json.loads(resources.files(__package__).joinpath("vocabulary.json").read_text("utf-8"))
    for cid, groups in data["categories"].items():
        for term in [*groups.get("legal", []), *groups.get("everyday", [])]:
            out.append(Example(term, cid, "vocabulary", VOCAB_WEIGHT))
    return out


def corpus_digest(examples: Iterable[Example]) -> str:
    """SHA-256 over the training examples (text, category, weight): names the data a model saw."""
    h = hashlib.sha256()
    for e in examples:
        h.update(f"{e.category}\t{e.weight:g}\t{e.text}\n".encode())
    return h.hexdigest()


def training_set(field: Sequence[Example] = ()) -> list[Example]:
    """Corpus train split + vocabulary + field examples (never the frozen split)."""
    return [e for e in load_corpus() if e.split == "train"] + load_vocabulary() + list(field)


def train(
    examples: Sequence[Example], rules: Classifier, *, c: float = C, prune: float = PRUNE, version: str = ""
) -> dict[str, Any]:
    """Fit the model; returns the JSON artifact (see ``linear_model``).  ``examples`` must cover
    at least two categories; raises ``ValueError`` otherwise."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    if len({e.category for e in examples}) < 2:
        raise ValueError("训练样本至少要覆盖两个类别")
    vec = DictVectorizer(sparse=True, sort=True)
    x = vec.fit_transform([vector(e.text, rules.keyword_scores(e.text)[0]) for e in examples])
    y = [e.category for e in examples]
    clf = LogisticRegression(C=c, max_iter=5000, tol=1e-6)
    clf.fit(x, y, sample_weight=[e.weight for e in examples])
    classes = [str(k) for k in clf.classes_]
    names = vec.get_feature_names_out()
    weights: dict[str, list[float | int]] = {}
    coef = clf.coef_.T  # (features, classes)
    for j, feature in enumerate(names):
        row: list[float | int] = []
        for i in range(len(classes)):
            w = round(float(coef[j, i]), 3)
            if abs(w) >= prune:
                row += [i, w]
        if row:
            weights[str(feature)] = row
    digest = corpus_digest(examples)
    return {
        "format": FORMAT,
        "version": version or f"m-{digest[:10]}",
        "trained_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "rules_version": rules.version,
        "corpus_sha256": digest,
        "examples": len(examples),
        "c": c,
        "ask_below": ASK_BELOW,
        "classes": classes,
        "bias": [round(float(b), 4) for b in clf.intercept_],
        "weights": weights,
    }


@dataclass
class Scores:
    """Accuracy and per-category precision/recall of predictions against labels."""

    pairs: list[tuple[str, str]]  # (expected, predicted)

    @property
    def accuracy(self) -> float:
        return sum(e == p for e, p in self.pairs) / len(self.pairs) if self.pairs else 0.0

    def recall(self, cid: str) -> float:
        got = [p for e, p in self.pairs if e == cid]
        return sum(p == cid for p in got) / len(got) if got else 0.0

    def precision(self, cid: str) -> float:
        got = [e for e, p in self.pairs if p == cid]
        return sum(e == cid for e in got) / len(got) if got else 0.0

    def support(self, cid: str) -> int:
        return sum(e == cid for e, _ in self.pairs)

    def to_other(self) -> float:
        """Share of texts that belong to a real category but were put in ``other``."""
        real = [p for e, p in self.pairs if e != "other"]
        return sum(p == "other" for p in real) / len(real) if real else 0.0


def evaluate(classify: Any, examples: Sequence[Example]) -> Scores:
    """``classify(text) -> Classification`` over ``examples``."""
    return Scores([(e.category, classify(e.text).category) for e in examples])


def change_report(
    old: Any, new: Any, frozen: Sequence[Example], field: Sequence[Example]
) -> list[dict[str, Any]]:
    """Per category, what publishing the new model would change: frozen-split precision/recall
    before → after, field examples of the category and how many of them each model gets right,
    and how many field texts move into / out of the category."""
    f_old, f_new = evaluate(old.classify, frozen), evaluate(new.classify, frozen)
    moved_in: Counter[str] = Counter()
    moved_out: Counter[str] = Counter()
    right_old: Counter[str] = Counter()
    right_new: Counter[str] = Counter()
    for e in field:
        a, b = old.classify(e.text).category, new.classify(e.text).category
        right_old[e.category] += a == e.category
        right_new[e.category] += b == e.category
        if a != b:
            moved_out[a] += 1
            moved_in[b] += 1
    field_n = Counter(e.category for e in field)
    return [
        {
            "category": cid,
            "frozen_recall": [round(f_old.recall(cid), 3), round(f_new.recall(cid), 3)],
            "frozen_precision": [round(f_old.precision(cid), 3), round(f_new.precision(cid), 3)],
            "field_examples": field_n[cid],
            "field_right": [right_old[cid], right_new[cid]],
            "moved_in": moved_in[cid],
            "moved_out": moved_out[cid],
        }
        for cid in CATEGORY_IDS
    ]


def load_model_json(data: dict[str, Any]) -> LinearModel:
    return LinearModel.from_json(data, frozenset(CATEGORY_IDS))
