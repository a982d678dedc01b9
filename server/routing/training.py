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
from server.routing.linear_model import FORMAT, LinearModel
from server.routing.textfeatures import vector
from server.vocabulary import CATEGORY_IDS

C = 2.0
"""SVM regularisation, chosen by 5-fold cross-validation on the training split (docs/routing.md)."""
MIN_DF = 2
"""An n-gram must occur in at least two training examples to get a weight (smaller, no loss)."""
PRUNE = 0.1
"""Weights smaller than this in magnitude are dropped: a third of the size for half a point of
cross-validated accuracy (docs/routing.md); the rest are rounded to two decimals."""
KEYWORD_WEIGHT = 0.1
"""Share of the keyword rules' score added to the model's score (cross-validated; docs/routing.md)."""
TEMPERATURE = 5.0
"""Softmax temperature fitted by cross-validation (lowest log-loss): honest probabilities."""
ASK_BELOW = 0.5
"""Below this top probability the filer is asked to choose (about 5% of texts; docs/routing.md)."""
VOCAB_WEIGHT = 0.5
FIELD_WEIGHT = 3.0
TRAIN_ONLY_MARK = "# --- train only"


@dataclass(frozen=True)
class Example:
    text: str
    category: str
    split: str  # "train" | "frozen" | "vocabulary" | "field"
    weight: float = 1.0


def load_corpus() -> list[Example]:
    """The written corpus, every category, with its train/frozen split: of the first batch (the
    lines before ``TRAIN_ONLY_MARK``) every third line is frozen; lines after the mark (the
    rules-era evaluation set and batches written later) are all for training."""
    root = resources.files(__package__).joinpath("corpus")
    out: list[Example] = []
    for cid in CATEGORY_IDS:
        lines = root.joinpath(f"{cid}.txt").read_text("utf-8").splitlines()
        i, train_only = 0, False
        for line in lines:
            text = line.strip()
            if text.startswith(TRAIN_ONLY_MARK):
                train_only = True
            if not text or text.startswith("#"):
                continue
            frozen = not train_only and i % 3 == 2
            out.append(Example(text, cid, "frozen" if frozen else "train"))
            i += 1
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
    at least two categories; raises ``ValueError`` otherwise.  ``rules`` only names the rules
    version the model was tuned with (keyword scores are added at run time, not learned)."""
    import numpy as np
    from scipy import sparse
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.svm import LinearSVC

    if len({e.category for e in examples}) < 2:
        raise ValueError("训练样本至少要覆盖两个类别")
    vectors = [vector(e.text) for e in examples]
    df = Counter(f for v in vectors for f in v)
    kept = [{f: x for f, x in v.items() if df[f] >= MIN_DF} for v in vectors]
    vec = DictVectorizer(sparse=True, sort=True)
    x = sparse.csr_matrix(vec.fit_transform(kept))
    x.indices, x.indptr = x.indices.astype(np.int32), x.indptr.astype(np.int32)  # liblinear wants int32
    clf = LinearSVC(C=c)
    clf.fit(x, [e.category for e in examples], sample_weight=[e.weight for e in examples])
    classes = [str(k) for k in clf.classes_]
    names = vec.get_feature_names_out()
    weights: dict[str, list[float | int]] = {}
    coef = clf.coef_.T  # (features, classes)
    for j, feature in enumerate(names):
        row: list[float | int] = []
        for i in range(len(classes)):
            w = round(float(coef[j, i]), 2)
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
        "keyword_weight": KEYWORD_WEIGHT,
        "keyword_cap": 10.0,
        "temperature": TEMPERATURE,
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


def main() -> None:
    """Rebuild the shipped model (server/routing/model.json) from the corpus and vocabulary."""
    from pathlib import Path

    from server.routing import load_rules

    data = train(training_set(), Classifier.from_rules(load_rules()))
    path = Path(__file__).with_name("model.json")
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", "utf-8")
    print(f"wrote {path} ({path.stat().st_size // 1000} kB, {len(data['weights'])} features)")


if __name__ == "__main__":
    main()
