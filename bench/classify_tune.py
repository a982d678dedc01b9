"""How the model's settings were chosen: 5-fold cross-validation on the corpus's training split only
(the frozen split is never read here).  Reproduces the figures in docs/routing.md.

    .venv/bin/python bench/classify_tune.py      # several minutes; needs jieba (dev dependency)

Compared: the SVM's C; the share of the keyword rules' score added (``KEYWORD_WEIGHT``); pruning
(size against accuracy); character n-grams against jieba words and both together; and whether the
latest written batch (``BATCH``) helps: fixed folds over the training texts written before it, the
batch always in training or never, so both numbers are measured on the same held-out texts.
"""

from __future__ import annotations

import logging
import math
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402

from server.routing import load_rules, training  # noqa: E402
from server.routing.categorizer import Categorizer  # noqa: E402
from server.routing.classify import Classifier  # noqa: E402
from server.routing.training import Example, evaluate, load_corpus, load_model_json, load_vocabulary  # noqa: E402

OUT = ROOT / "bench" / "results" / "classify_tune.md"
RULES = Classifier.from_rules(load_rules())
TRAIN = [e for e in load_corpus() if e.split == "train"]
VOCAB = load_vocabulary()
BATCH = "# --- batch 6"
"""Comment line that opens the latest corpus batch in each category file (training only)."""
FOLDS = list(StratifiedKFold(5, shuffle=True, random_state=0).split(TRAIN, [e.category for e in TRAIN]))


def cv(fit: Callable[[list[Example]], Any], classify: Callable[[Any, str], str]) -> float:
    accs = []
    for a, b in FOLDS:
        m = fit([TRAIN[i] for i in a] + VOCAB)
        accs.append(np.mean([classify(m, TRAIN[i].text) == TRAIN[i].category for i in b]))
    return float(np.mean(accs))


def shipped_pipeline(**kw: Any) -> float:
    def fit(ex: list[Example]) -> Categorizer:
        data = training.train(ex, RULES, **{k: v for k, v in kw.items() if k in ("c", "prune")})
        if "keyword_weight" in kw:
            data["keyword_weight"] = kw["keyword_weight"]
        return Categorizer(RULES, load_model_json(data))

    return cv(fit, lambda m, t: m.classify(t).category)


def words_pipeline(analyzer: str) -> float:
    """LinearSVC over jieba words, or characters + words (not the shipped path: server only)."""
    import jieba
    from scipy import sparse
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.svm import LinearSVC

    from server.routing.textfeatures import ngrams, normalize_chars

    jieba.setLogLevel(logging.WARNING)

    def feats(text: str) -> dict[str, float]:
        out: set[str] = set()
        if analyzer in ("chars+words", "chars"):
            out |= ngrams(text)
        if analyzer in ("chars+words", "words"):
            out |= {"w:" + w for w in jieba.lcut(normalize_chars(text)) if w.strip()}
        return dict.fromkeys(out, 1 / math.sqrt(len(out))) if out else {}

    def fit(ex: list[Example]) -> Any:
        df = Counter(f for e in ex for f in feats(e.text))
        vec = DictVectorizer()
        x = sparse.csr_matrix(
            vec.fit_transform([{f: v for f, v in feats(e.text).items() if df[f] >= 2} for e in ex])
        )
        x.indices, x.indptr = x.indices.astype(np.int32), x.indptr.astype(np.int32)
        return vec, LinearSVC(C=training.C).fit(
            x, [e.category for e in ex], sample_weight=[e.weight for e in ex]
        )

    def classify(m: Any, text: str) -> str:
        vec, clf = m
        x = sparse.csr_matrix(vec.transform([feats(text)]))
        x.indices, x.indptr = x.indices.astype(np.int32), x.indptr.astype(np.int32)
        return str(clf.predict(x)[0])

    return cv(fit, classify)


def batch_texts(marker: str = BATCH) -> set[str]:
    """Every description after ``marker`` in the corpus files (the batch and anything later)."""
    out: set[str] = set()
    for path in sorted((ROOT / "server" / "routing" / "corpus").glob("*.txt")):
        after = False
        for line in path.read_text("utf-8").splitlines():
            after = after or line.startswith(marker)
            if after and line.strip() and not line.startswith("#"):
                out.add(line.strip())
    return out


def batch_gain(seeds: tuple[int, ...] = (0, 1)) -> tuple[float, float]:
    """CV accuracy on the texts written before ``BATCH`` (5 folds × ``seeds``), trained without and
    with the batch; the held-out texts are the same for both."""
    new = batch_texts()
    early = [e for e in TRAIN if e.text not in new]
    batch = [e for e in TRAIN if e.text in new]
    out = []
    for extra in ([], batch):
        right = total = 0
        for seed in seeds:
            for a, b in StratifiedKFold(5, shuffle=True, random_state=seed).split(
                early, [e.category for e in early]
            ):
                data = training.train([early[i] for i in a] + extra + VOCAB, RULES)
                cat = Categorizer(RULES, load_model_json(data))
                right += sum(cat.classify(early[i].text).category == early[i].category for i in b)
                total += len(b)
        out.append(right / total)
    return out[0], out[1]


def main() -> None:
    rows: list[tuple[str, float]] = []

    def add(name: str, acc: float) -> None:
        rows.append((name, acc))
        print(f"{name}: {acc:.3f}", flush=True)

    add(
        "rules alone",
        float(np.mean([evaluate(RULES.classify, [TRAIN[i] for i in b]).accuracy for _, b in FOLDS])),
    )
    for c in (1.0, 2.0, 4.0):
        add(f"shipped features, C={c:g}", shipped_pipeline(c=c))
    for kw in (0.0, 0.1, 0.2):
        add(f"keyword weight {kw:g}", shipped_pipeline(keyword_weight=kw))
    for prune in (0.01, 0.1, 0.2):
        add(f"prune {prune:g}", shipped_pipeline(prune=prune))
    without, with_batch = batch_gain()
    add(f"texts before `{BATCH[6:]}`, trained without it", without)
    add(f"texts before `{BATCH[6:]}`, trained with it", with_batch)
    for analyzer in ("chars", "words", "chars+words"):
        add(f"SVM without keywords, {analyzer} (jieba for words)", words_pipeline(analyzer))
    lines = [
        "# Classifier settings by 5-fold cross-validation on the training split",
        "",
        "`.venv/bin/python bench/classify_tune.py`; the frozen split is not used.",
        "",
        "| setting | CV accuracy |",
        "|---|---:|",
        *(f"| {n} | {a:.3f} |" for n, a in rows),
        "",
    ]
    OUT.write_text("\n".join(lines), "utf-8")


if __name__ == "__main__":
    main()
