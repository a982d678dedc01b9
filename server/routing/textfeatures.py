"""Features of a description for the linear category model: character n-grams and keyword scores.

Chinese has no spaces, and villagers write with homophone typos and dialect words that no
dictionary segments well; character 1–3-grams cover every word of up to three characters, degrade
gracefully on a typo (``工姿`` still shares ``工``), and are computed the same way in the browser
(``pwa/src/lib/textfeatures.ts``; shared vectors in ``tests/vectors/classify_features.json``).

A text becomes a sparse vector: each distinct n-gram weighs ``1/sqrt(n_distinct)`` (unit length,
so a long text with several facts does not outvote a short one by length).  Pure functions.
"""

from __future__ import annotations

import math
import unicodedata

MAX_CHARS = 1000
"""Only the first 1000 characters (after normalising) count: bounded cost per classification."""


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


def ngrams(text: str) -> set[str]:
    """The distinct character n-grams (n = 1..3) of ``text``."""
    out: set[str] = set()
    for seg in _segments(normalize_chars(text)):
        size = len(seg)
        out.update(seg)
        out.update(seg[i : i + 2] for i in range(size - 1))
        out.update(seg[i : i + 3] for i in range(size - 2))
    return out


def vector(text: str) -> dict[str, float]:
    """The sparse feature vector ``{ngram: 1/sqrt(N)}`` over the N distinct n-grams of ``text``."""
    grams = ngrams(text)
    if not grams:
        return {}
    return dict.fromkeys(grams, 1.0 / math.sqrt(len(grams)))
