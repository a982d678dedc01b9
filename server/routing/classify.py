"""Keyword classification of a citizen's description into one of the 25 categories.

Rules are data (rules.json, or a row admins edit): per category, colloquial words with weights.
One Aho–Corasick automaton finds every keyword in one pass; overlapping hits keep the longest
(``装修公司`` beats ``装修``); a hit preceded by a denial (``不是工资的问题``) or followed by one
(``跟工资没关系``) within a few characters of the same clause does not count.  Each distinct word
counts once per category.  Building a classifier takes milliseconds, so rules reload at runtime.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import ahocorasick

from server.refusals import ProblemsError
from server.vocabulary import CATEGORY_IDS

OTHER = "other"
_MAX_WEIGHT = 10.0
_MAX_WORD_LEN = 20
# Punctuation ends a clause: a denial never reaches across it.
_BREAKS = frozenset("，。；！？,.;!?、\n")
# Contrast words restart the clause's polarity: 不是工资，是装修 / 不是工资而是装修.
_CONTRAST = frozenset("是但而却")
_AFTER_GAP = 3
_SAYING = frozenset("说讲称认")


class RulesError(ProblemsError):
    """The rules failed validation; ``errors`` are Chinese messages for the admin."""


@dataclass(frozen=True)
class Classification:
    """A category chosen for a dispute's text, with how sure and why."""

    category: str
    confidence: float
    """In [0, 1]: grows with the winner's score and with its margin over the runner-up."""
    matched: list[str]
    """The winning category's keywords, in order of first appearance."""
    reason: str
    """Short Chinese explanation, e.g. ``匹配关键词：欠工资、老板``."""
    candidates: tuple[tuple[str, float], ...] = ()
    """The likeliest categories with probabilities (model only); two or three when unsure."""
    evidence: list[str] = field(default_factory=list)
    """The learned model's strongest n-grams for the category (model only)."""
    unsure: bool = False
    """True when the filer should be asked to choose among ``candidates``."""


def _is_str_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _validate_negation(neg: object) -> list[str]:
    if not isinstance(neg, dict):
        return ["negation 必须是对象（含 before、after、window）"]
    errors = [
        f"negation.{key} 必须是非空字符串列表"
        for key in ("before", "after")
        if not _is_str_list(neg.get(key))
    ]
    window = neg.get("window")
    if not (isinstance(window, int) and not isinstance(window, bool) and 1 <= window <= 10):
        errors.append("negation.window 必须是 1 到 10 之间的整数")
    absence = neg.get("absence", [])
    if not (absence == [] or _is_str_list(absence)):
        errors.append("negation.absence 必须是字符串列表")
    return errors


def _validate_category(cid: str, spec: object) -> list[str]:
    if not isinstance(spec, dict):
        return [f"类别 {cid} 的规则必须是对象"]
    keywords = spec.get("keywords")
    if not isinstance(keywords, dict):
        return [f"类别 {cid} 缺少 keywords（关键词→权重）"]
    errors: list[str] = []
    for word, weight in keywords.items():
        if not word.strip() or len(word) > _MAX_WORD_LEN:
            errors.append(f"类别 {cid} 的关键词「{word}」为空或超过 {_MAX_WORD_LEN} 个字")
        if not (_is_number(weight) and 0 < weight <= _MAX_WEIGHT):
            errors.append(f"类别 {cid} 的关键词「{word}」权重必须是 0 到 {_MAX_WEIGHT:g} 之间的数")
    absent = spec.get("absence_negated", [])
    if not (absent == [] or _is_str_list(absent)):
        errors.append(f"类别 {cid} 的 absence_negated 必须是字符串列表")
    else:
        errors.extend(
            f"类别 {cid} 的 absence_negated 中「{w}」不在其关键词中" for w in absent if w not in keywords
        )
    return errors


def validate_rules(data: object) -> list[str]:
    """Every problem in ``data``, in Chinese; empty when the rules can be used."""
    if not isinstance(data, dict):
        return ["规则必须是 JSON 对象"]
    errors: list[str] = []
    if not (isinstance(data.get("version"), str) and data["version"].strip()):
        errors.append("缺少版本号 version")
    updated = data.get("updated")
    try:
        date.fromisoformat(updated if isinstance(updated, str) else "")
    except ValueError:
        errors.append("updated 必须是 YYYY-MM-DD 格式的日期")
    min_score = data.get("min_score", 1.0)
    if not (_is_number(min_score) and min_score >= 0):
        errors.append("min_score 必须是不小于 0 的数")
    errors.extend(_validate_negation(data.get("negation")))
    categories = data.get("categories")
    if not isinstance(categories, dict) or not categories:
        return [*errors, "categories 必须是非空对象（类别编号→规则）"]
    for cid, spec in categories.items():
        if cid not in CATEGORY_IDS:
            errors.append(f"未知类别编号 {cid}")
            continue
        errors.extend(_validate_category(cid, spec))
    return errors


def normalize(text: str) -> str:
    """Full-width letters/digits to half-width, lower case, no spaces: what the rules are written in."""
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int  # exclusive
    word: str


class Classifier:
    """Built once from rules data; ``classify`` is thread-safe (read-only after construction)."""

    def __init__(
        self,
        version: str,
        weights: dict[str, list[tuple[str, float]]],
        absence_words: dict[str, frozenset[str]],
        negation: Mapping[str, Any],
        min_score: float,
        order: dict[str, int],
    ) -> None:
        self.version = version
        self._weights = weights
        self._absence_words = absence_words
        self._before: tuple[str, ...] = tuple(negation["before"])
        self._after: tuple[str, ...] = tuple(negation["after"])
        self._absence: tuple[str, ...] = tuple(negation.get("absence", []))
        self._window: int = int(negation["window"])
        self._min_score = min_score
        self._order = order
        self._automaton = ahocorasick.Automaton()
        for word in weights:
            self._automaton.add_word(word, word)
        self._automaton.make_automaton()

    @classmethod
    def from_rules(cls, data: Mapping[str, Any]) -> Classifier:
        """Validate and build; raises ``RulesError`` (Chinese messages) on bad rules."""
        errors = validate_rules(data)
        if errors:
            raise RulesError(errors)
        weights: dict[str, list[tuple[str, float]]] = {}
        absence: dict[str, frozenset[str]] = {}
        order: dict[str, int] = {}
        for i, (cid, spec) in enumerate(data["categories"].items()):
            order[cid] = i
            for word, weight in spec["keywords"].items():
                weights.setdefault(normalize(word), []).append((cid, float(weight)))
            absence[cid] = frozenset(normalize(w) for w in spec.get("absence_negated", []))
        return cls(
            str(data["version"]),
            weights,
            absence,
            data["negation"],
            float(data.get("min_score", 1.0)),
            order,
        )

    def _hits(self, text: str) -> list[_Hit]:
        found = [_Hit(end - len(word) + 1, end + 1, word) for end, word in self._automaton.iter(text) if word]
        found.sort(key=lambda h: (h.start, -(h.end - h.start)))
        kept: list[_Hit] = []
        for hit in found:
            if kept and hit.start < kept[-1].end:
                # Overlap: keep the longer of the two (the more specific phrase).
                if hit.end - hit.start > kept[-1].end - kept[-1].start:
                    kept[-1] = hit
                continue
            kept.append(hit)
        return kept

    @staticmethod
    def _clean(gap: str) -> bool:
        return not any(c in _BREAKS or c in _CONTRAST for c in gap)

    def _denied(self, text: str, hit: _Hit) -> bool:
        lo = max(0, hit.start - self._window)
        before = text[lo : hit.start]
        for cue in self._before:
            at = before.rfind(cue)
            while at != -1:
                absolute = lo + at
                # "是不是工伤" asks a question; it does not deny.
                is_question = cue.startswith("不") and absolute > 0 and text[absolute - 1] == cue[1:2]
                if not is_question and self._clean(before[at + len(cue) :]):
                    return True
                at = before.rfind(cue, 0, at)
        # "跟工资没关系" denies the topic, but "医院说跟他们没关系" is the other side's claim: a
        # trailing cue counts only right after the word and never across a verb of saying.
        after = text[hit.end : hit.end + _AFTER_GAP + 5]
        for cue in self._after:
            at = after.find(cue)
            if at != -1 and at <= _AFTER_GAP and self._clean(after[:at]) and not _SAYING & set(after[:at]):
                return True
        return False

    def _absent(self, text: str, hit: _Hit) -> bool:
        before = text[max(0, hit.start - 4) : hit.start]
        # "没有受伤", "没怎么伤": an absence cue right before (at most two characters between).
        for cue in self._absence:
            at = before.rfind(cue)
            if at != -1 and len(before) - (at + len(cue)) <= 2 and self._clean(before[at + len(cue) :]):
                return True
        return False

    def keyword_scores(self, text: str) -> tuple[dict[str, float], dict[str, list[str]], list[str]]:
        """Per category: summed keyword weight and matched words (first-appearance order); and the
        words not counted because a negation denied them.  Categories without a hit are absent."""
        norm = normalize(text)
        scores: dict[str, float] = {}
        words: dict[str, list[str]] = {}
        denied: list[str] = []
        for hit in self._hits(norm):
            if self._denied(norm, hit):
                denied.append(hit.word)
                continue
            for cid, weight in self._weights[hit.word]:
                if hit.word in self._absence_words[cid] and self._absent(norm, hit):
                    continue
                seen = words.setdefault(cid, [])
                if hit.word not in seen:
                    seen.append(hit.word)
                    scores[cid] = scores.get(cid, 0.0) + weight
        return scores, words, denied

    def classify(self, text: str) -> Classification:
        """The category of a dispute description, with the matched words as the reason (Chinese) and a
        confidence in [0, 1]; ``other`` when no rule scores enough. Negated phrases are excluded."""
        scores, words, denied = self.keyword_scores(text)
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], self._order[kv[0]]))
        note = f"（已排除否定表述：{'、'.join(dict.fromkeys(denied))}）" if denied else ""
        if not ranked or ranked[0][1] < self._min_score:
            return Classification(OTHER, 0.0, [], f"未匹配到足够的关键词，归为其他，请人工确认{note}")
        best, top = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        confidence = (1 - math.exp(-top / 3)) * (top / (top + runner_up))
        matched = words[best]
        return Classification(best, round(confidence, 3), matched, f"匹配关键词：{'、'.join(matched)}{note}")
