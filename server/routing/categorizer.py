"""The category of a description: keyword rules and the learned model together, with reasons.

The keyword rules (admins read and edit them) give each category a score; the linear model adds a
fixed share of that score to what it learned from the text's character n-grams, so an admin's new
keyword moves the decision at once, and the model weighs it against everything else it knows.
The explanation shows both: the matched keywords and the model's strongest n-grams.

When the model is not sure (top probability below the model's ``ask_below``), ``candidates``
holds the two or three likeliest categories so the filer can be asked in plain words.
"""

from __future__ import annotations

from server.routing.classify import OTHER, Classification, Classifier
from server.routing.linear_model import LinearModel
from server.routing.textfeatures import vector
from server.vocabulary import CATEGORY_NAMES_ZH

MAX_CANDIDATES = 3
CANDIDATE_FLOOR = 0.08
"""A third category below this probability is not offered as a choice (it would only confuse)."""


class Categorizer:
    """Rules + model; ``classify`` is thread-safe (both parts are read-only)."""

    def __init__(self, rules: Classifier, model: LinearModel | None) -> None:
        self.rules = rules
        self.model = model
        self.version = rules.version + (f"+{model.version}" if model else "")

    def classify(self, text: str) -> Classification:
        """``text`` → category, confidence in [0, 1], matched keywords, model evidence, candidates."""
        if self.model is None:
            return self.rules.classify(text)
        scores, words, denied = self.rules.keyword_scores(text)
        x = vector(text)
        if not x:
            return Classification(OTHER, 0.0, [], "没有可判断的文字，请人工确认")
        ranked, evidence = self.model.analyse(x, scores)
        best = ranked[0]
        unsure = best.probability < self.model.ask_below
        # The best, the runner-up (a choice needs two), and a third only if it is plausible.
        rest = [r for r in ranked[1:] if r.category != OTHER]
        picked = [
            best,
            *rest[:1],
            *(r for r in rest[1 : MAX_CANDIDATES - 1] if r.probability >= CANDIDATE_FLOOR),
        ]
        candidates = tuple((r.category, round(r.probability, 3)) for r in picked)
        matched = words.get(best.category, [])
        parts = []
        if matched:
            parts.append(f"匹配关键词：{'、'.join(matched)}")
        if evidence:
            parts.append(f"模型依据：{'、'.join(evidence)}")
        parts.append(f"把握{round(best.probability * 100)}%")
        if unsure and len(candidates) > 1:
            others = "、".join(CATEGORY_NAMES_ZH.get(c, c) for c, _ in candidates[1:])
            parts.append(f"也可能是{others}，请人工确认")
        reason = "；".join(parts)
        if denied:
            reason += f"（已排除否定表述：{'、'.join(dict.fromkeys(denied))}）"
        return Classification(
            best.category,
            round(best.probability, 3),
            matched,
            reason,
            candidates=candidates if unsure else candidates[:1],
            evidence=evidence,
            unsure=unsure,
        )
