"""Classification accuracy on tests/data/classification_eval.jsonl.

The first 275 lines (11 per category) were written together with the first draft of the rules, so
both their halves (even lines = tuning, odd lines = held-out) flatter the rules a little; phrases
lifted from those sentences were removed again.  The lines marked ``"split": "fresh"`` (2 per
category) were written after the rules were frozen and are the honest held-out measure; rules must
not be tuned on them.  Prints a table and writes bench/results/classify_eval.md.

    .venv/bin/python bench/classify_eval.py
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.routing import load_categories, load_rules  # noqa: E402
from server.routing.classify import Classifier  # noqa: E402

DATA = ROOT / "tests" / "data" / "classification_eval.jsonl"
OUT = ROOT / "bench" / "results" / "classify_eval.md"


@dataclass
class Scores:
    total: int = 0
    correct: int = 0
    tp: Counter[str] = field(default_factory=Counter)
    predicted: Counter[str] = field(default_factory=Counter)
    actual: Counter[str] = field(default_factory=Counter)
    misses: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def precision(self, cat: str) -> float:
        return self.tp[cat] / self.predicted[cat] if self.predicted[cat] else 0.0

    def recall(self, cat: str) -> float:
        return self.tp[cat] / self.actual[cat] if self.actual[cat] else 0.0


def load_rows() -> list[dict[str, str]]:
    return [json.loads(line) for line in DATA.read_text("utf-8").splitlines() if line.strip()]


def load_examples() -> list[tuple[str, str]]:
    return [(r["text"], r["category"]) for r in load_rows()]


def evaluate(classifier: Classifier, examples: list[tuple[str, str]]) -> Scores:
    s = Scores()
    for text, expected in examples:
        got = classifier.classify(text).category
        s.total += 1
        s.actual[expected] += 1
        s.predicted[got] += 1
        if got == expected:
            s.correct += 1
            s.tp[got] += 1
        else:
            s.misses.append((expected, got, text))
    return s


def halves(rows: list[dict[str, str]]) -> dict[str, list[tuple[str, str]]]:
    """The splits reported: tuning (even), held-out (odd), fresh (written after the rules), all."""
    base = [(r["text"], r["category"]) for r in rows if r.get("split") != "fresh"]
    fresh = [(r["text"], r["category"]) for r in rows if r.get("split") == "fresh"]
    return {
        "tuning (even lines)": base[0::2],
        "held-out (odd lines)": base[1::2],
        "fresh (after rules froze)": fresh,
        "all": base + fresh,
    }


def report() -> str:
    classifier = Classifier.from_rules(load_rules())
    names = {c["id"]: c["name_zh"] for c in load_categories()["categories"]}
    rows = load_rows()
    results = {name: evaluate(classifier, part) for name, part in halves(rows).items()}
    full = results["all"]
    lines = [
        f"# Classification eval (rules {classifier.version}, {len(rows)} descriptions)",
        "",
        "| half | n | accuracy |",
        "|---|---:|---:|",
        *(f"| {name} | {s.total} | {s.accuracy:.3f} |" for name, s in results.items()),
        "",
        "| category | 名称 | n | precision | recall |",
        "|---|---|---:|---:|---:|",
        *(
            f"| {cat} | {names.get(cat, cat)} | {full.actual[cat]} | {full.precision(cat):.2f} | "
            f"{full.recall(cat):.2f} |"
            for cat in names
        ),
        "",
        "## Misclassified (expected → got)",
        "",
        *(f"- {exp} → {got}: {text}" for exp, got, text in full.misses),
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    text = report()
    print(text)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, "utf-8")


if __name__ == "__main__":
    main()
