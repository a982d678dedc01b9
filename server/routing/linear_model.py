"""The learned category model at run time: a multinomial logistic regression over text features.

The artifact is plain JSON (``model.json`` shipped, or a row admins publish), scored here in pure
Python — no scikit-learn, numpy or network at run time; the PWA scores the same JSON
(``pwa/src/lib/linearModel.ts``).  Shape::

    {"format": "jiefen-linear-1", "version": "…", "classes": ["marriage_family", …],
     "bias": [b_0, …], "weights": {"feature": [class_index, weight, class_index, weight, …]},
     "corpus_sha256": "…", "rules_version": "…", "trained_at": "…", "ask_below": 0.55}

Score of class c = bias_c + Σ_f x_f·w_fc; probabilities are the softmax of the scores.  The
explanation of a decision is its features with the largest positive contribution x_f·w_fc.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from server.routing.textfeatures import KEYWORD_PREFIX

FORMAT = "jiefen-linear-1"


class ModelError(ValueError):
    """The model JSON is not a usable model (Chinese message for the admin)."""


@dataclass(frozen=True)
class Ranked:
    category: str
    probability: float


def validate_model(data: object, known: frozenset[str]) -> list[str]:
    """Every problem with ``data`` as a model, in Chinese; empty when usable."""
    if not isinstance(data, dict):
        return ["模型必须是 JSON 对象"]
    if data.get("format") != FORMAT:
        return [f"模型格式必须是 {FORMAT}"]
    classes = data.get("classes")
    bias = data.get("bias")
    weights = data.get("weights")
    if not (isinstance(classes, list) and classes and all(isinstance(c, str) for c in classes)):
        return ["classes 必须是类别编号列表"]
    errors = [f"未知类别编号 {c}" for c in classes if c not in known]
    if not (isinstance(bias, list) and len(bias) == len(classes) and all(_finite(b) for b in bias)):
        errors.append("bias 必须是与 classes 等长的数列")
    if not isinstance(weights, dict):
        return [*errors, "weights 必须是对象（特征→[类别序号, 权重, …]）"]
    for feature, row in weights.items():
        ok = isinstance(row, list) and len(row) % 2 == 0
        ok = ok and all(
            isinstance(row[i], int) and 0 <= row[i] < len(classes) and _finite(row[i + 1])
            for i in range(0, len(row), 2)
        )
        if not ok:
            errors.append(f"特征「{feature[:20]}」的权重格式有误")
            break
    return errors


def _finite(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


class LinearModel:
    """Built once from the JSON artifact; read-only afterwards (thread-safe)."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.version = str(data.get("version", ""))
        self.classes: list[str] = list(data["classes"])
        self.bias: list[float] = [float(b) for b in data["bias"]]
        self.ask_below = float(data.get("ask_below", 0.55))
        self._rows: dict[str, list[tuple[int, float]]] = {
            f: [(int(row[i]), float(row[i + 1])) for i in range(0, len(row), 2)]
            for f, row in data["weights"].items()
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], known: frozenset[str]) -> LinearModel:
        """Validate and build; raises ``ModelError`` with Chinese messages."""
        errors = validate_model(data, known)
        if errors:
            raise ModelError("；".join(errors[:10]))
        return cls(data)

    def scores(self, x: Mapping[str, float]) -> list[float]:
        """Raw class scores (logits) for the sparse vector ``x``."""
        out = list(self.bias)
        rows = self._rows
        for f, v in x.items():
            row = rows.get(f)
            if row is not None:
                for i, w in row:
                    out[i] += v * w
        return out

    def rank(self, x: Mapping[str, float]) -> list[Ranked]:
        """Every class with its softmax probability, most likely first (ties: class order)."""
        s = self.scores(x)
        top = max(s)
        exps = [math.exp(v - top) for v in s]
        total = sum(exps)
        order = sorted(range(len(s)), key=lambda i: (-s[i], i))
        return [Ranked(self.classes[i], exps[i] / total) for i in order]

    def evidence(self, x: Mapping[str, float], category: str, limit: int = 5) -> list[str]:
        """The n-grams that pushed hardest towards ``category`` (positive contribution), longest
        first among overlapping ones: ``["工钱", "包工头", …]``.  Keyword features are left out
        (the matched keywords are shown on their own)."""
        c = self.classes.index(category)
        contrib: list[tuple[float, str]] = []
        for f, v in x.items():
            if f.startswith(KEYWORD_PREFIX):
                continue
            for i, w in self._rows.get(f, ()):
                if i == c and v * w > 0:
                    contrib.append((v * w, f))
        contrib.sort(key=lambda t: (-t[0], -len(t[1]), t[1]))
        shown: list[str] = []
        for _, f in contrib:
            if len(f) < 2 or any(f in s or s in f for s in shown):
                continue  # one character explains nothing; "工资" adds nothing next to "欠工资"
            shown.append(f)
            if len(shown) == limit:
                break
        return shown
