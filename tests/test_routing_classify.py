"""Keyword classification: accuracy on the evaluation set, negation, rule validation and reload."""

from __future__ import annotations

import contextlib
import copy
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.routing import load_categories, load_rules
from server.routing.classify import Classifier, RulesError, validate_rules
from server.routing.config import RoutingConfig
from server.vocabulary import CATEGORY_IDS, CATEGORY_NAMES_ZH

EVAL = Path(__file__).parent / "data" / "classification_eval.jsonl"
CLASSIFIER = Classifier.from_rules(load_rules())


def rows() -> list[dict[str, str]]:
    return [json.loads(line) for line in EVAL.read_text("utf-8").splitlines() if line.strip()]


def accuracy(examples: list[dict[str, str]]) -> tuple[float, dict[str, float]]:
    hits: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    for row in examples:
        totals[row["category"]] += 1
        hits[row["category"]] += CLASSIFIER.classify(row["text"]).category == row["category"]
    return sum(hits.values()) / sum(totals.values()), {c: hits[c] / totals[c] for c in totals}


def test_evaluation_set_covers_every_category() -> None:
    counts = Counter(r["category"] for r in rows())
    assert len(rows()) >= 250
    assert set(counts) == set(CATEGORY_IDS)
    assert min(counts.values()) >= 10


def test_accuracy_on_the_main_set() -> None:
    overall, per_category = accuracy([r for r in rows() if r.get("split") != "fresh"])
    assert overall >= 0.85
    assert {c: a for c, a in per_category.items() if a < 0.6} == {}


def test_accuracy_on_sentences_written_after_the_rules_froze() -> None:
    # Two per category: too few for per-category claims; this is the honest generalisation check.
    overall, _ = accuracy([r for r in rows() if r.get("split") == "fresh"])
    assert overall >= 0.6


@pytest.mark.parametrize(
    ("text", "category", "not_matched"),
    [
        ("不是工资的问题，是隔壁装修天天吵到半夜", "neighbor", "工资"),
        ("跟工资没关系，就是楼上半夜敲敲打打", "neighbor", "工资"),
        ("并非借钱，是我们几个合伙开店分红的事", "business", "借钱"),
        ("不涉及拆迁，就是邻居家的狗整晚叫", "neighbor", "拆迁"),
    ],
)
def test_denied_keywords_do_not_count(text: str, category: str, not_matched: str) -> None:
    result = CLASSIFIER.classify(text)
    assert result.category == category
    assert not_matched not in result.matched
    assert f"已排除否定表述：{not_matched}" in result.reason


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("老板没有给工资，已经三个月了", "wage_arrears"),  # 没有 here is the complaint, not a denial
        ("孩子打针后一直发烧，医院说跟他们没关系", "medical"),  # the other side's denial
        ("是不是工伤我也不懂，反正厂里不给赔", "labor"),  # a question, not a denial
        ("不是我不想还，是对方高利贷利滚利", "private_lending"),  # the denial is about something else
    ],
)
def test_words_that_look_like_negation_but_are_not(text: str, category: str) -> None:
    assert CLASSIFIER.classify(text).category == category


def test_absence_of_injury_is_not_an_injury() -> None:
    result = CLASSIFIER.classify("两家吵了几句，人没有受伤")
    assert result.category != "personal_injury"


def test_explanation_lists_the_matched_words() -> None:
    result = CLASSIFIER.classify("老板欠工资不给，包工头也跑了")
    assert result.category == "wage_arrears"
    assert result.matched[:2] == ["老板", "欠工资"]
    assert result.reason.startswith("匹配关键词：老板、欠工资")


def test_nothing_recognisable_is_other_with_zero_confidence() -> None:
    for text in ("", "你好", "请问怎么办"):
        result = CLASSIFIER.classify(text)
        assert (result.category, result.confidence, result.matched) == ("other", 0.0, [])
        assert "人工确认" in result.reason


def test_full_width_and_spaces_do_not_hide_keywords() -> None:
    assert CLASSIFIER.classify("拨打１２３１５投诉 商 家").category == "consumer"


@given(st.text(alphabet=st.sampled_from("欠工资老板隔壁装修不是没有借钱，。的了是"), max_size=40))
def test_confidence_is_between_0_and_1(text: str) -> None:
    result = CLASSIFIER.classify(text)
    assert 0.0 <= result.confidence <= 1.0
    assert result.category in CATEGORY_IDS


def test_a_clear_description_is_more_confident_than_a_mixed_one() -> None:
    clear = CLASSIFIER.classify("老板拖欠工资，包工头卷钱跑了，我们讨薪没人管")
    mixed = CLASSIFIER.classify("老板欠工资，房东又要涨房租")
    assert clear.confidence > mixed.confidence


def test_shipped_rules_are_valid_and_versioned() -> None:
    rules = load_rules()
    assert validate_rules(rules) == []
    assert rules["version"] and rules["updated"]
    assert set(rules["categories"]) == set(CATEGORY_IDS)


def _broken(edit: str) -> dict[str, Any]:
    data = copy.deepcopy(load_rules())
    if edit == "unknown_category":
        data["categories"]["divorce"] = {"keywords": {"离婚": 3}}
    elif edit == "zero_weight":
        data["categories"]["neighbor"]["keywords"]["噪音"] = 0
    elif edit == "text_weight":
        data["categories"]["neighbor"]["keywords"]["噪音"] = "高"
    elif edit == "bad_date":
        data["updated"] = "昨天"
    elif edit == "no_version":
        del data["version"]
    elif edit == "bad_window":
        data["negation"]["window"] = 0
    elif edit == "absence_not_keyword":
        data["categories"]["personal_injury"]["absence_negated"] = ["不存在的词"]
    return data


@pytest.mark.parametrize(
    ("edit", "message_part"),
    [
        ("unknown_category", "未知类别编号 divorce"),
        ("zero_weight", "权重"),
        ("text_weight", "权重"),
        ("bad_date", "updated"),
        ("no_version", "版本号"),
        ("bad_window", "window"),
        ("absence_not_keyword", "不在其关键词中"),
    ],
)
def test_bad_edits_are_refused_with_chinese_errors(edit: str, message_part: str) -> None:
    data = _broken(edit)
    errors = validate_rules(data)
    assert any(message_part in e for e in errors), errors
    with pytest.raises(RulesError) as raised:
        Classifier.from_rules(data)
    assert raised.value.errors == errors


def test_a_refused_edit_leaves_the_running_rules_in_place() -> None:
    active = CLASSIFIER
    with contextlib.suppress(RulesError):
        active = Classifier.from_rules(_broken("zero_weight"))
    assert active is CLASSIFIER
    assert active.classify("隔壁装修噪音吵到半夜").category == "neighbor"


def test_validate_rejects_non_objects() -> None:
    assert validate_rules([]) == ["规则必须是 JSON 对象"]


def test_rules_reload_fast_enough_for_runtime_edits() -> None:
    rules = load_rules()
    started = time.perf_counter()
    for _ in range(10):
        Classifier.from_rules(rules)
    assert (time.perf_counter() - started) / 10 < 0.05


def test_categories_file_matches_the_contract_and_the_config() -> None:
    data = load_categories()
    assert data["version"] and data["updated"] and "2026" in data["causes_source"]
    cats = {c["id"]: c for c in data["categories"]}
    assert list(cats) == list(CATEGORY_IDS)
    assert {cid: c["name_zh"] for cid, c in cats.items()} == CATEGORY_NAMES_ZH
    assert all(c["causes"] and c["name_en"] for c in cats.values())
    professional = {cid: c["body_kind"] for cid, c in cats.items() if c["professional"]}
    assert professional == RoutingConfig().professional_kinds
