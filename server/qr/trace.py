"""The public trace of a case (DESIGN §6) — pure: masking and the view whoever holds the QR sees.

Whoever holds a case's QR sees its progress, never the personal data behind it: names shrink to
the surname, phone numbers to their last four digits; ID numbers, addresses, the description,
reasons and staff names are never part of the view.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec

from server.qr.labels import actor_label, event_label, status_label
from server.vocabulary import CATEGORY_NAMES_ZH

__all__ = [
    "COMPOUND_SURNAMES",
    "CaseFacts",
    "TraceEvent",
    "TraceParty",
    "TraceView",
    "build_trace",
    "mask_name",
    "mask_phone",
]

# Two-character surnames common enough that keeping only the first character would mislead.
_COMPOUND = (
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 令狐 长孙 宇文 司徒 司空 夏侯 轩辕 端木 独孤 南宫"
    " 西门 百里 呼延 闻人 澹台 公冶 太史 申屠 万俟 钟离 赫连 濮阳 东郭 左丘 第五 拓跋 完颜 单于"
    " 淳于 仲孙 叔孙 东门 公羊 谷梁 梁丘 乐正 段干 巫马 漆雕 颛孙 壤驷 宗政 羊舌 微生"
)
COMPOUND_SURNAMES = frozenset(_COMPOUND.split())
_PARTY_ROLES = ("applicant", "respondent", "third_party")


def mask_name(name: object) -> str:
    """张三 → 张*，欧阳娜娜 → 欧阳*；a one-character name is fully hidden."""
    text = "".join(str(name or "").split())
    if not text:
        return ""
    if len(text) > 2 and text[:2] in COMPOUND_SURNAMES:
        return f"{text[:2]}*"
    if len(text) == 1:
        return "*"
    return f"{text[0]}*"


def mask_phone(phone: object) -> str:
    """13812345678 → ****5678; too short to keep four digits private → ****; none → ""."""
    digits = "".join(ch for ch in str(phone or "") if ch.isdigit())
    if not digits:
        return ""
    return f"****{digits[-4:]}" if len(digits) >= 8 else "****"


class TraceEvent(msgspec.Struct):
    """One timeline entry as the public sees it: what happened, when (ISO time) and by which role."""

    event: str
    to: str | None
    label: str
    at: str | None
    actor: str


class TraceParty(msgspec.Struct):
    """A party with name and phone masked (``mask_name``, ``mask_phone``)."""

    role: str
    name: str
    phone: str


class TraceView(msgspec.Struct):
    """What a case's QR trace shows: status, category, organisation, deadlines (ISO times), the
    timeline and the masked parties. Nothing else of the case leaves the server this way."""

    code: str
    status: str
    status_label: str
    category: str | None
    category_name: str | None
    org_name: str | None
    level: str | None
    submitted_at: str | None
    respond_by: str | None
    resolve_by: str | None
    timeline: list[TraceEvent]
    parties: list[TraceParty]
    deadline_provisional: str | None = None
    """Set while the deadlines are provisional (the year's holiday arrangement is not loaded)."""


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What the ``cases`` projection knows about a case (no personal data in here)."""

    code: str
    status: str
    category: str | None
    level: str | None
    created_at: datetime | None
    respond_by: datetime | None
    resolve_by: datetime | None
    deadline_provisional: str | None = None


def _iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC, whatever zone the value carries: the same instant always reads the same
    (a follower's trace record is compared with the last one to decide whether to rewrite it)."""
    if value is None:
        return None
    return (value.astimezone(UTC) if value.tzinfo is not None else value).isoformat()


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _event(view: Mapping[str, Any]) -> TraceEvent:
    event, to = _text(view.get("event")) or "", _text(view.get("to"))
    return TraceEvent(
        event=event,
        to=to,
        label=event_label(event, to),
        at=_text(view.get("at")),
        actor=actor_label(_text(view.get("actor_role")), _text(view.get("actor"))),
    )


def _party(view: Mapping[str, Any]) -> TraceParty:
    role = view.get("role")
    return TraceParty(
        role=role if role in _PARTY_ROLES else "third_party",
        name=mask_name(view.get("name")),
        phone=mask_phone(view.get("phone")),
    )


def build_trace(
    case: CaseFacts,
    org_name: str | None,
    parties: Iterable[Mapping[str, Any]],
    timeline: Iterable[Mapping[str, Any]],
) -> TraceView:
    """The masked public view; ``timeline`` in the order it happened, ``parties`` as filed."""
    events = [_event(v) for v in timeline]
    events.sort(key=lambda e: e.at or "")  # stable: equal times keep their given order
    order = {r: i for i, r in enumerate(_PARTY_ROLES)}
    people = sorted((_party(v) for v in parties), key=lambda p: order[p.role])
    return TraceView(
        code=case.code,
        status=case.status,
        status_label=status_label(case.status),
        category=case.category,
        category_name=CATEGORY_NAMES_ZH.get(case.category) if case.category else None,
        org_name=org_name,
        level=case.level,
        submitted_at=_iso(case.created_at),
        respond_by=_iso(case.respond_by),
        resolve_by=_iso(case.resolve_by),
        timeline=events,
        parties=people,
        deadline_provisional=case.deadline_provisional,
    )
