"""Shared test vectors for the category model: text → n-grams, keyword scores, top categories.

The PWA (pwa/tests/classifyModel.test.ts) and pytest (tests/test_routing_categorizer.py) both check
them, so the browser's offline suggestion cannot drift from the server's decision.  Regenerate after
rebuilding the model or editing the rules:

    .venv/bin/python -m tests.classify_vectors
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from server.routing import load_rules
from server.routing.categorizer import Categorizer
from server.routing.classify import Classifier
from server.routing.learning import shipped_model_data
from server.routing.textfeatures import ngrams
from server.routing.training import load_model_json

PATH = Path(__file__).parent / "vectors" / "classify_model.json"

TEXTS = [
    "老板欠了三个月工资不给",
    "隔壁装修天天敲到半夜，吵得孩子睡不着",
    "不是工资的问题，是隔壁装修天天吵到半夜",
    "俺男人在外头打工三年没寄过一分钱回家，娃上学的钱都是我借的",
    "请问律师：父亲去世没留遗嘱，名下有一套房和２０万存款，后妈和我们三个子女怎么分？",
    "被车撞了，ＡＢＣ保险公司不赔",
    "工姿拖了半年，包工投跑了😡😡",
    "",
    "   \n\t ",
    "！！！？？？",
    "我们村那个事情",
    "买的东西坏了",
    "他打了我还欠我钱",
    "网格员记录：村民反映邻居家的狗咬伤了孩子，双方就医药费协商未果。" * 40,
    "𠮷野家的房子被占了",
    "Ｉ　ｌｏｖｅ　解纷 123 abc",
]


def compute() -> dict[str, Any]:
    rules = Classifier.from_rules(load_rules())
    model = load_model_json(shipped_model_data())
    cat = Categorizer(rules, model)
    cases = []
    for text in TEXTS:
        grams = sorted(ngrams(text))
        scores = rules.keyword_scores(text)[0]
        result = cat.classify(text)
        cases.append(
            {
                "text": text,
                "ngram_count": len(grams),
                "ngrams": grams if len(grams) <= 60 else grams[:60],
                "keyword_scores": {k: round(v, 6) for k, v in sorted(scores.items())},
                "category": result.category,
                "confidence": result.confidence,
                "unsure": result.unsure,
                "candidates": [list(c) for c in result.candidates],
                "matched": result.matched,
                "evidence": result.evidence,
            }
        )
    return {
        "description": "category model vectors: pytest and vitest both reproduce every field "
        "(probabilities to 3 decimals); regenerate with .venv/bin/python -m tests.classify_vectors",
        "rules_version": rules.version,
        "model_version": model.version,
        "cases": cases,
    }


if __name__ == "__main__":
    PATH.write_text(json.dumps(compute(), ensure_ascii=False, indent=1) + "\n", "utf-8")
    print(f"wrote {PATH}")
