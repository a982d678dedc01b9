"""The learned category model at run time: a linear model over character n-grams plus keyword scores.

The artifact is plain JSON (``model.json`` shipped, or a row admins publish), scored here in pure
Python with numpy — no scikit-learn or network at run time; the PWA scores the same JSON
(``pwa/src/lib/linearModel.ts``).  Shape::

    {"format": "jiefen-linear-1", "version": "…", "classes": ["marriage_family", …],
     "bias": [b_0, …], "weights": {"feature": [class_index, weight, class_index, weight, …]},
     "keyword_weight": 0.1, "keyword_cap": 10, "temperature": 5, "ask_below": 0.5,
     "corpus_sha256": "…", "rules_version": "…", "trained_at": "…"}

Score of class c = bias_c + Σ_f x_f·w_fc + keyword_weight·min(keyword score of c, keyword_cap);
probabilities are softmax(temperature · scores) (temperature fitted by cross-validation so that
the probabilities are honest).  The explanation of a decision is its n-grams with the largest
positive contribution x_f·w_fc, next to the matched keywords.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

FORMAT = "jiefen-linear-1"


class ModelError(ValueError):
    """The model JSON is not a usable model (Chinese message for the admin)."""


@dataclass(frozen=True)
class Ranked:
    """A category and the model's probability for it, in [0, 1]."""

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
    for key in ("keyword_weight", "keyword_cap", "temperature", "ask_below"):
        if key in data and not (_finite(data[key]) and data[key] >= 0):
            errors.append(f"{key} 必须是不小于 0 的数")
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
    """Built once from the JSON artifact into a dense weight matrix (numpy; features × classes);
    read-only afterwards (thread-safe)."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.version = str(data.get("version", ""))
        self.classes: list[str] = list(data["classes"])
        self.ask_below = float(data.get("ask_below", 0.5))
        self.keyword_weight = float(data.get("keyword_weight", 0.0))
        self.keyword_cap = float(data.get("keyword_cap", 10.0))
        self.temperature = float(data.get("temperature", 1.0))
        self._bias = np.array([float(b) for b in data["bias"]])
        weights: Mapping[str, list[float]] = data["weights"]
        self._index = {f: j for j, f in enumerate(weights)}
        self._w = np.zeros((len(weights), len(self.classes)))
        for j, row in enumerate(weights.values()):
            for i in range(0, len(row), 2):
                self._w[j, int(row[i])] = float(row[i + 1])

    @classmethod
    def from_json(cls, data: Mapping[str, Any], known: frozenset[str]) -> LinearModel:
        """Validate and build; raises ``ModelError`` with Chinese messages."""
        errors = validate_model(data, known)
        if errors:
            raise ModelError("；".join(errors[:10]))
        return cls(data)

    def _rows(self, x: Mapping[str, float]) -> tuple[list[int], list[str], Any]:
        get = self._index.get
        pairs = [(j, f) for f in x if (j := get(f)) is not None]
        return [j for j, _ in pairs], [f for _, f in pairs], np.array([x[f] for _, f in pairs])

    def _scores(self, rows: list[int], values: Any, keywords: Mapping[str, float]) -> Any:
        out = self._bias.copy()
        if rows:
            out += values @ self._w[rows]
        if self.keyword_weight:
            for i, cid in enumerate(self.classes):
                kw = keywords.get(cid, 0.0)
                if kw > 0:
                    out[i] += self.keyword_weight * min(kw, self.keyword_cap)
        return out

    def scores(self, x: Mapping[str, float], keywords: Mapping[str, float]) -> list[float]:
        """Raw class scores for the sparse vector ``x`` and the rules' keyword scores per category."""
        rows, _, values = self._rows(x)
        return [float(v) for v in self._scores(rows, values, keywords)]

    def rank(self, x: Mapping[str, float], keywords: Mapping[str, float]) -> list[Ranked]:
        """Every class with its probability, most likely first (ties: class order)."""
        return self.analyse(x, keywords, 0)[0]

    def analyse(
        self, x: Mapping[str, float], keywords: Mapping[str, float], limit: int = 5
    ) -> tuple[list[Ranked], list[str]]:
        """``rank`` and the ``evidence`` for the most likely class, in one pass."""
        rows, names, values = self._rows(x)
        s = self._scores(rows, values, keywords)
        p = np.exp(self.temperature * (s - s.max()))
        p /= p.sum()
        order = sorted(range(len(s)), key=lambda i: (-s[i], i))
        ranked = [Ranked(self.classes[i], float(p[i])) for i in order]
        evidence = self._evidence(rows, names, values, order[0], limit) if limit else []
        return ranked, evidence

    def evidence(self, x: Mapping[str, float], category: str, limit: int = 5) -> list[str]:
        """The n-grams that pushed hardest towards ``category`` (positive contribution x_f·w_fc),
        longest first among overlapping ones: ``["工钱", "包工头", …]``."""
        rows, names, values = self._rows(x)
        return self._evidence(rows, names, values, self.classes.index(category), limit)

    def _evidence(self, rows: list[int], names: list[str], values: Any, c: int, limit: int) -> list[str]:
        if not rows:
            return []
        contrib = values * self._w[rows, c]
        ranked = sorted(
            ((float(v), f) for v, f in zip(contrib, names, strict=True) if v > 0 and len(f) > 1),
            key=lambda t: (-t[0], -len(t[1]), t[1]),
        )
        shown: list[str] = []
        for _, f in ranked:
            if any(f in s or s in f for s in shown):
                continue  # "工资" adds nothing next to "欠工资"
            shown.append(f)
            if len(shown) == limit:
                break
        return shown
