"""Classification accuracy: keyword rules + learned model on the frozen split of the written corpus.

The corpus (server/routing/corpus/<category>.txt) was written for this purpose; every third line of
each category's first batch is the frozen split (500 descriptions, 20 per category), never trained
or tuned on (hyper-parameters were chosen by cross-validation on the training split:
bench/classify_tune.py).  Reported: the frozen split (headline, per-category precision/recall, the
confusion matrix as a PNG), the keyword rules alone on the same split (same-run baseline), and
the training split (in-sample, for contrast).

    .venv/bin/python bench/classify_eval.py      # needs matplotlib (dev dependency)
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.routing import load_categories, load_rules  # noqa: E402
from server.routing.categorizer import Categorizer  # noqa: E402
from server.routing.classify import Classifier  # noqa: E402
from server.routing.learning import shipped_model_data  # noqa: E402
from server.routing.training import Example, Scores, evaluate, load_corpus, load_model_json  # noqa: E402
from server.vocabulary import CATEGORY_IDS  # noqa: E402

OUT = ROOT / "bench" / "results" / "classify_eval.md"
PNG = ROOT / "bench" / "results" / "classify_confusion.png"


def confusion_png(scores: Scores, path: Path, title: str) -> None:
    """Rows: true category; columns: predicted; counts in cells."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ids = list(CATEGORY_IDS)
    m = [[0] * len(ids) for _ in ids]
    for e, p in scores.pairs:
        m[ids.index(e)][ids.index(p)] += 1
    fig, ax = plt.subplots(figsize=(11, 10))
    ax.imshow(m, cmap="Blues")
    ax.set_xticks(range(len(ids)), ids, rotation=90, fontsize=8)
    ax.set_yticks(range(len(ids)), ids, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    for i, row in enumerate(m):
        for j, n in enumerate(row):
            if n:
                ax.text(
                    j, i, str(n), ha="center", va="center", fontsize=7, color="white" if n > 10 else "black"
                )
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def _timed(classify: Callable[[str], Any], examples: Sequence[Example]) -> tuple[Scores, float]:
    t = time.perf_counter()
    s = evaluate(classify, examples)
    return s, (time.perf_counter() - t) / max(1, len(examples)) * 1e6


def _row(name: str, what: str, s: Scores, us: float | None) -> str:
    timing = f"{us:.0f}" if us is not None else ""
    return f"| {name} | {what} | {len(s.pairs)} | {s.accuracy:.3f} | {s.to_other():.3f} | {timing} |"


def report() -> tuple[str, Scores]:
    rules = Classifier.from_rules(load_rules())
    model = load_model_json(shipped_model_data())
    both = Categorizer(rules, model)
    names = {c["id"]: c["name_zh"] for c in load_categories()["categories"]}
    corpus = load_corpus()
    frozen = [e for e in corpus if e.split == "frozen"]
    train = [e for e in corpus if e.split == "train"]
    f_both, us_both = _timed(both.classify, frozen)
    f_rules, us_rules = _timed(rules.classify, frozen)
    t_both = evaluate(both.classify, train)
    asked = sum(both.classify(e.text).unsure for e in frozen)
    worst = min(f_both.recall(c) for c in CATEGORY_IDS)
    lines = [
        f"# Classification eval (rules {rules.version}, model {model.version})",
        "",
        "`.venv/bin/python bench/classify_eval.py`. Frozen split: every third line of each category's",
        "first batch in `server/routing/corpus/` (20 per category), never trained or tuned on.",
        "",
        "| set | classifier | n | accuracy | to `other` (of real categories) | µs/text (this run) |",
        "|---|---|---:|---:|---:|---:|",
        _row("frozen", "rules + model", f_both, us_both),
        _row("frozen", "rules only (baseline)", f_rules, us_rules),
        _row("train (in-sample)", "rules + model", t_both, None),
        "",
        f"Lowest per-category recall on the frozen split: {worst:.2f}. The filer is asked to choose "
        f"(confidence below the model's `ask_below`) for {asked} of {len(frozen)} frozen texts.",
        "",
        "Per category on the frozen split (rules + model; rules alone in brackets):",
        "",
        "| category | 名称 | n | precision | recall |",
        "|---|---|---:|---:|---:|",
        *(
            f"| {c} | {names.get(c, c)} | {f_both.support(c)} | {f_both.precision(c):.2f} "
            f"({f_rules.precision(c):.2f}) | {f_both.recall(c):.2f} ({f_rules.recall(c):.2f}) |"
            for c in CATEGORY_IDS
        ),
        "",
        "Confusion matrix (frozen split): `classify_confusion.png`.",
        "",
        "## Misclassified on the frozen split: how many, expected → got",
        "",
        # Counts only: listing the texts would show whoever writes training data what to aim at,
        # and a frozen split is only worth something while nobody writes towards it.
        *(
            f"- {e} → {p}: {n}"
            for (e, p), n in sorted(Counter(x for x in f_both.pairs if x[0] != x[1]).items())
        ),
        "",
    ]
    return "\n".join(lines), f_both


def main() -> None:
    text, frozen = report()
    print(text)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, "utf-8")
    confusion_png(frozen, PNG, f"frozen split: accuracy {frozen.accuracy:.3f}")


if __name__ == "__main__":
    main()
