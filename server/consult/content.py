"""The consultation content as data: validate it, load the shipped file, render one category.

The file (guidance.json) holds per category ``what`` (这是什么纠纷), ``usual`` (通常怎么处理),
``prepare`` (需要准备什么), ``limits`` (时限, each with the article it comes from) and ``bases``
(法律依据: law, article, the point stated). Laws are named once under ``laws`` and cited by key,
so a citation can only name a law the reviewers listed. Every statement of a time limit carries
its article: nothing the app tells a villager about deadlines is uncited.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date
from importlib import resources
from typing import Any

from server.refusals import ProblemsError
from server.vocabulary import CATEGORY_IDS

ARTICLE_RE = re.compile(r"第[一二三四五六七八九十百千零]+条")
_MAX_TEXT = 400
SECTION_TITLES = {
    "what": "这是什么纠纷",
    "usual": "通常怎么处理",
    "prepare": "需要准备什么",
    "limits": "要注意的时限",
}


class GuidanceError(ProblemsError):
    """The content failed validation; ``errors`` are Chinese messages for the admin."""


def load_guidance() -> dict[str, Any]:
    """The shipped content (server/consult/guidance.json); admins' edits live in the database."""
    data: dict[str, Any] = json.loads(
        resources.files(__package__).joinpath("guidance.json").read_text("utf-8")
    )
    return data


def _text(value: object, limit: int = _MAX_TEXT) -> bool:
    return isinstance(value, str) and bool(value.strip()) and len(value) <= limit and "\x00" not in value


def _cite(where: str, item: object, laws: Mapping[str, Any], *, point: str) -> list[str]:
    if not isinstance(item, dict):
        return [f"{where} 必须是对象"]
    errors = []
    if item.get("law") not in laws:
        errors.append(f"{where} 引用了未列出的法律「{item.get('law')}」")
    if not (isinstance(item.get("article"), str) and ARTICLE_RE.fullmatch(item["article"])):
        errors.append(f"{where} 的条文号应写作「第二十七条」的形式")
    if not _text(item.get(point)):
        errors.append(f"{where} 缺少 {point}（不超过 {_MAX_TEXT} 字）")
    return errors


def _category(cid: str, spec: object, laws: Mapping[str, Any]) -> list[str]:
    if not isinstance(spec, dict):
        return [f"类别 {cid} 必须是对象"]
    errors = [f"类别 {cid} 缺少 {k}" for k in ("what", "usual") if not _text(spec.get(k))]
    prepare = spec.get("prepare")
    if not (isinstance(prepare, list) and prepare and all(_text(p, 100) for p in prepare)):
        errors.append(f"类别 {cid} 的 prepare 必须是非空的短句列表")
    for key, point in (("limits", "text"), ("bases", "point")):
        items = spec.get(key)
        if not (isinstance(items, list) and items):
            errors.append(f"类别 {cid} 的 {key} 不能为空")
            continue
        for i, item in enumerate(items):
            errors.extend(_cite(f"类别 {cid} 的 {key}[{i}]", item, laws, point=point))
    return errors


def validate_guidance(data: object) -> list[str]:
    """Every problem in ``data`` (Chinese); empty when it can be published. All 25 categories are
    required so that no consultation ever answers with nothing."""
    if not isinstance(data, dict):
        return ["咨询内容必须是 JSON 对象"]
    errors: list[str] = []
    if not _text(data.get("version"), 32):
        errors.append("缺少版本号 version（不超过 32 字）")
    try:
        date.fromisoformat(data["updated"] if isinstance(data.get("updated"), str) else "")
    except ValueError:
        errors.append("updated 必须是 YYYY-MM-DD 格式的日期")
    laws = data.get("laws")
    if not (isinstance(laws, dict) and laws and all(_text(v, 60) for v in laws.values())):
        return [*errors, "laws 必须是非空对象（简称→法律全称）"]
    common = data.get("common", {})
    if not isinstance(common, dict):
        errors.append("common 必须是对象")
    else:
        for k, item in common.items():
            errors.extend(_cite(f"common.{k}", item, laws, point="text"))
    topics = data.get("topics", [])
    if not isinstance(topics, list) or len(topics) > 60:
        errors.append("topics 必须是不超过 60 项的列表")
    else:
        for i, t in enumerate(topics):
            ok = isinstance(t, dict) and _text(t.get("label"), 20) and _text(t.get("text"), 200)
            if not ok or t.get("category") not in CATEGORY_IDS:
                errors.append(f"topics[{i}] 需要 label（≤20字）、text（≤200字）和有效的 category")
    categories = data.get("categories")
    if not isinstance(categories, dict):
        return [*errors, "categories 必须是对象（类别编号→内容）"]
    errors.extend(f"缺少类别 {cid} 的内容" for cid in CATEGORY_IDS if cid not in categories)
    for cid, spec in categories.items():
        if cid not in CATEGORY_IDS:
            errors.append(f"未知类别编号 {cid}")
            continue
        errors.extend(_category(cid, spec, laws))
    return errors


def law_name(data: Mapping[str, Any], key: str) -> str:
    return str(data["laws"].get(key, key))


def render(data: Mapping[str, Any], category: str) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """(sections, legal bases) of ``category`` with laws spelled out.

    Sections: ``[{"id": "what"|"usual"|"prepare"|"limits"|"mediation", "title", "items": [str]}]``;
    a limit item ends with its citation, e.g. ``…一年…（《中华人民共和国劳动争议调解仲裁法》第二十七条）``.
    Legal bases: ``[{"law": "《…》", "article": "第…条", "point": "…"}]``, the category's own and
    then the common ones (free mediation, the agreement, 司法确认), each law+article once.
    """
    spec = data["categories"][category]

    def cited(item: Mapping[str, Any], point: str) -> str:
        return f"{item[point]}（{law_name(data, item['law'])}{item['article']}）"

    sections: list[dict[str, Any]] = [
        {"id": "what", "title": SECTION_TITLES["what"], "items": [spec["what"]]},
        {"id": "usual", "title": SECTION_TITLES["usual"], "items": [spec["usual"]]},
        {"id": "prepare", "title": SECTION_TITLES["prepare"], "items": list(spec["prepare"])},
        {
            "id": "limits",
            "title": SECTION_TITLES["limits"],
            "items": [cited(x, "text") for x in spec["limits"]],
        },
    ]
    common = list(data.get("common", {}).values())
    if common:
        sections.append(
            {"id": "mediation", "title": "关于人民调解", "items": [cited(x, "text") for x in common]}
        )
    bases: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for item, point in [*((b, "point") for b in spec["bases"]), *((x, "text") for x in spec["limits"]),
                        *((x, "text") for x in common)]:  # fmt: skip
        key = (item["law"], item["article"])
        if key not in seen:
            seen.add(key)
            bases.append(
                {"law": law_name(data, item["law"]), "article": item["article"], "point": item[point]}
            )
    return sections, bases
