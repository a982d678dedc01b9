"""Features of a description for the linear category model: character n-grams and keyword scores.

Chinese has no spaces, and villagers write with homophone typos and dialect words that no
dictionary segments well; character 1–3-grams cover every word of up to three characters, degrade
gracefully on a typo (``工姿`` still shares ``工``), and are computed the same way in the browser
(``pwa/src/lib/textfeatures.ts``; shared vectors in ``tests/vectors/classify_features.json``).

A text becomes a sparse vector: each distinct n-gram weighs ``1/sqrt(n_distinct)`` (so a long text
with several facts does not outvote a short one by length), plus one feature per category,
``kw:<id>``, holding the keyword rules' score for it times ``KEYWORD_SCALE``.  Pure functions.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping

MAX_CHARS = 1000
"""Only the first 1000 characters (after normalising) count: bounded cost per classification."""
NGRAM_MIN, NGRAM_MAX = 1, 3
KEYWORD_SCALE = 0.2
KEYWORD_CAP = 10.0
KEYWORD_PREFIX = "kw:"


def normalize_chars(text: str) -> str:
    """NFKC (full-width → half-width), lower case, whitespace removed, ASCII digits → ``0``."""
    norm = "".join(unicodedata.normalize("NFKC", text).lower().split())[:MAX_CHARS]
    return "".join("0" if "0" <= c <= "9" else c for c in norm)


def _segments(norm: str) -> list[str]:
    """Runs of letters and numbers; punctuation and symbols separate runs (no n-gram spans them)."""
    out: list[str] = []
    run: list[str] = []
    for c in norm:
        if c.isalnum():
            run.append(c)
        elif run:
            out.append("".join(run))
            run = []
    if run:
        out.append("".join(run))
    return out


def ngrams(text: str) -> list[str]:
    """Distinct character n-grams (n = 1..3) of ``text`` in order of first appearance."""
    seen: dict[str, None] = {}
    for seg in _segments(normalize_chars(text)):
        for i in range(len(seg)):
            for n in range(NGRAM_MIN, NGRAM_MAX + 1):
                if i + n > len(seg):
                    break
                seen.setdefault(seg[i : i + n], None)
    return list(seen)


def vector(text: str, keyword_scores: Mapping[str, float]) -> dict[str, float]:
    """The sparse feature vector: ``{ngram: 1/sqrt(N)} ∪ {"kw:<category>": scale·min(score, cap)}``."""
    grams = ngrams(text)
    out: dict[str, float] = {}
    if grams:
        value = 1.0 / math.sqrt(len(grams))
        out = dict.fromkeys(grams, value)
    for cid, score in keyword_scores.items():
        if score > 0:
            out[KEYWORD_PREFIX + cid] = KEYWORD_SCALE * min(score, KEYWORD_CAP)
    return out
