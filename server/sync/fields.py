"""What each synced entity may hold, as data: entity → kind → field → value check (DESIGN.md §3).

A check returns ``None`` for a good value, else ``(code, detail)`` with a stable code
(``bad_value`` or ``too_large``) and a Chinese detail for the person who sees the rejection.
Only shape lives here; who may write which record is the server's scope layer.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from server import casecode
from server.vocabulary import CATEGORY_IDS
from server.vocabulary import STATES as CASE_STATES

Problem = tuple[str, str]

KEY_RE = r"[A-Za-z0-9_-]{1,64}"
CASE_CODE_RE = r"JF-[0-9]{6}-[0-9]{4}-[0-9A-HJKMNP-TV-Z]{7}"
HEX64_RE = r"[0-9a-f]{64}"

LEVELS = ("village", "town", "county", "court", "professional")

_SINGLE_LINE_BAD = re.compile(r"[\x00-\x1f\x7f]")
_MULTI_LINE_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Check(Protocol):
    """Anything that judges one JSON value (the field checks below)."""

    def check(self, value: Any) -> Problem | None:
        """None for a good ``value``, else ``(code, detail)``: ``bad_value`` or ``too_large`` and a
        Chinese detail. Never raises on bad input."""
        ...


@dataclass(frozen=True)
class Text:
    """A string of ``min_len``..``max_len`` code points, without control characters (newlines and
    tabs allowed when ``multiline``), matching ``pattern`` whole when given."""

    max_len: int  # in code points
    min_len: int = 0
    pattern: str | None = None
    multiline: bool = False
    nullable: bool = False

    def check(self, value: Any) -> Problem | None:
        """``too_large`` past ``max_len``; ``bad_value`` for a non-string, too short, a control
        character or a pattern miss; None (also for None when ``nullable``) otherwise."""
        if value is None and self.nullable:
            return None
        if not isinstance(value, str):
            return "bad_value", "应为文本"
        if len(value) > self.max_len:
            return "too_large", f"最多 {self.max_len} 个字符"
        if len(value) < self.min_len:
            return "bad_value", "不能为空" if self.min_len == 1 else f"至少 {self.min_len} 个字符"
        if (_MULTI_LINE_BAD if self.multiline else _SINGLE_LINE_BAD).search(value):
            return "bad_value", "含有不允许的控制字符"
        if self.pattern is not None and re.fullmatch(self.pattern, value) is None:
            return "bad_value", "格式不正确"
        return None


@dataclass(frozen=True)
class Choice:
    """One of a fixed set of strings (states, categories, roles)."""

    values: tuple[str, ...]
    nullable: bool = False

    def check(self, value: Any) -> Problem | None:
        """``bad_value`` unless ``value`` is one of ``values`` (or None when ``nullable``)."""
        if value is None and self.nullable:
            return None
        if not isinstance(value, str) or value not in self.values:
            return "bad_value", "不是允许的取值"
        return None


@dataclass(frozen=True)
class Number:
    """A finite JSON number in ``[lo, hi]`` (a whole number when ``integer``; never a boolean)."""

    lo: float
    hi: float
    integer: bool = False
    nullable: bool = False

    def check(self, value: Any) -> Problem | None:
        """``bad_value`` for a non-number, a boolean, NaN/inf, a fraction where ``integer``, or a
        value outside ``[lo, hi]``; None otherwise (also None when ``nullable``)."""
        if value is None and self.nullable:
            return None
        kinds = (int,) if self.integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds) or not math.isfinite(value):
            return "bad_value", "应为整数" if self.integer else "应为数字"
        if not self.lo <= value <= self.hi:
            return "bad_value", f"应在 {self.lo:.15g} 到 {self.hi:.15g} 之间"
        return None


@dataclass(frozen=True)
class Boolean:
    """``true`` or ``false`` (not 0/1)."""

    def check(self, value: Any) -> Problem | None:
        """``bad_value`` unless ``value`` is a bool."""
        return None if isinstance(value, bool) else ("bad_value", "应为是或否")


@dataclass(frozen=True)
class Obj:
    """A JSON object with these keys; other keys only when ``extra`` says how to check them."""

    required: Mapping[str, Check]
    optional: Mapping[str, Check] = field(default_factory=dict)
    extra: Check | None = None

    def check(self, value: Any) -> Problem | None:
        """``bad_value`` for a non-object, a missing required key or an unknown key; else the first
        key's problem with the key's name put before its detail."""
        if not isinstance(value, dict):
            return "bad_value", "应为对象"
        for name in self.required:
            if name not in value:
                return "bad_value", f"缺少 {name}"
        for name, item in value.items():
            sub = self.required.get(name) or self.optional.get(name) or self.extra
            if sub is None:
                return "bad_value", f"不允许的键 {name}"
            if (problem := sub.check(item)) is not None:
                return problem[0], f"{name}：{problem[1]}"
        return None


@dataclass(frozen=True)
class Loose:
    """Any JSON value up to a size, optionally of a ``shape``: data only the server writes."""

    max_bytes: int = 4096
    shape: Check | None = None

    def check(self, value: Any) -> Problem | None:
        """``too_large`` past ``max_bytes`` of UTF-8 JSON, else what ``shape`` says (None without)."""
        if len(json.dumps(value, ensure_ascii=False).encode()) > self.max_bytes:
            return "too_large", f"超过 {self.max_bytes} 字节"
        return None if self.shape is None else self.shape.check(value)


@dataclass(frozen=True)
class CaseCode:
    """A case code whose Luhn mod 32 check character matches (DESIGN.md §3)."""

    shape: Text = Text(22, 22, CASE_CODE_RE)

    def check(self, value: Any) -> Problem | None:
        """``bad_value`` for a wrong shape (``JF-YYYYMM-NNNN-XXXXXXX``) or check character."""
        if (problem := self.shape.check(value)) is not None:
            return problem
        return None if casecode.is_valid(value) else ("bad_value", "案件码校验位不对")


@dataclass(frozen=True)
class FieldSpec:
    """How one field's value is checked, and whether only the server may write it."""

    check: Check
    server_only: bool = False


@dataclass(frozen=True)
class EntitySpec:
    """``put`` fields are LWW registers, ``sets`` map a set field to its element check,
    ``create`` checks the whole value of an immutable record, ``intent`` maps intent names."""

    put: Mapping[str, FieldSpec] = field(default_factory=dict)
    sets: Mapping[str, FieldSpec] = field(default_factory=dict)
    intent: Mapping[str, FieldSpec] = field(default_factory=dict)
    create: FieldSpec | None = None

    @property
    def kinds(self) -> frozenset[str]:
        """The op kinds this entity accepts (``put``, ``add``/``remove``, ``intent``, ``create``)."""
        kinds = {"put"} if self.put else set()
        kinds |= {"add", "remove"} if self.sets else set()
        kinds |= {"intent"} if self.intent else set()
        kinds |= {"create"} if self.create is not None else set()
        return frozenset(kinds)


def _f(check: Check) -> FieldSpec:
    return FieldSpec(check)


def _server(check: Check | None = None) -> FieldSpec:
    return FieldSpec(check or Loose(), server_only=True)


# Server-written case fields whose shape belongs to routing/SLA: any JSON value up to 4 KiB.
_SERVER_LOOSE_CASE_FIELDS = (
    "category_reason", "org", "mediator", "respond_by", "resolve_by", "routing_reason", "court_org",
    "warned", "filer", "paused_at", "assigned_at", "accepted_at", "category_confidence",
    "deadline_provisional", "requested_at",
    "signatures", "rating",
)  # fmt: skip
KEY = Text(64, 1, KEY_RE)
HEX64 = Text(64, 64, HEX64_RE)

PHONE_RE = r"\+?[0-9][0-9-]{0,19}"
"""The characters a phone number may be written with (digits, dashes between groups, a leading +)."""
_MOBILE = re.compile(r"(?:86)?1[3-9][0-9]{9}")
_LANDLINE = re.compile(r"0[1-9][0-9]{8,10}")


def is_phone(value: str) -> bool:
    """A mainland mobile (11 digits from 13–19, optionally +86) or a landline with its area code (0,
    2–3 more digits, then 7–8 digits), dashes between groups allowed: 13812345678, +86-139-0572-8866,
    0572-6021234. Shapes only; whether the number exists is the SMS gateway's business."""
    if re.fullmatch(PHONE_RE, value) is None or len(value) > 20:
        return False
    digits = value.lstrip("+").replace("-", "")
    if value.startswith("+") and not digits.startswith("86"):
        return False
    return bool(_MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(digits))


@dataclass(frozen=True)
class Phone:
    """A party's phone number: empty (not given) or ``is_phone``; anything else is refused whole,
    never trimmed to its digits (139abc1234x is a typo to ask about, not 1391234)."""

    def check(self, value: Any) -> Problem | None:
        """``bad_value`` (with what to type instead) for a non-string or a non-empty non-phone."""
        if not isinstance(value, str):
            return "bad_value", "应为文本"
        if value and not is_phone(value):
            return (
                "bad_value",
                "电话号码格式不正确：请填写 11 位手机号，或带区号的固定电话（如 0572-6021234）",
            )
        return None


REASON = Text(500, multiline=True)

SCHEMA: Mapping[str, EntitySpec] = {
    "case": EntitySpec(
        put={
            "code": _f(CaseCode()),
            "summary": _f(Text(200, 1)),
            "description": _f(Text(5000, multiline=True)),
            "region": _f(Text(12, 12, "[0-9]{12}")),
            "channel": _f(Choice(("online", "in_person"))),
            "amount": _f(Number(0, 1e12, nullable=True)),
            "applicants": _f(Number(1, 10000, integer=True)),
            "category": _f(Choice(CATEGORY_IDS, nullable=True)),  # the filer's choice or the server's
            "trace_hash": _f(HEX64),
            "paused": _server(Boolean()),  # changed only through pause/resume intents
            "status": _server(Choice(CASE_STATES)),
            "level": _server(Choice(LEVELS)),
            **{name: _server() for name in _SERVER_LOOSE_CASE_FIELDS},
        },
        sets={"evidence": _f(HEX64), "tags": _f(Text(32, 1))},
        intent={
            "transition": _f(
                Obj(
                    {"to": Choice(CASE_STATES)},
                    {  # the extras routing/transitions.py asks of some moves
                        "reason": REASON,
                        "agreement": Text(5000, multiline=True),
                        "ruling": Text(100, 1),
                        "docket_no": Text(100, 1),
                        "org": Text(64, 1),
                        # 人民调解协议书 (人民调解法 第二十九条): how and by when the terms are performed.
                        "performance": Text(1000, multiline=True),
                        "perform_by": Text(10, 10, r"[0-9]{4}-[0-9]{2}-[0-9]{2}"),
                    },
                )
            ),
            "pause": _f(Obj({"reason": REASON})),
            "resume": _f(Obj({"reason": REASON})),
            "correct_category": _f(Obj({"category": Choice(CATEGORY_IDS)}, {"reason": REASON})),
            "sign": _f(Obj({"party": KEY, "blob": HEX64})),
            "rate": _f(Obj({"stars": Number(1, 5, integer=True)}, {"comment": Text(500, multiline=True)})),
        },
    ),
    "party": EntitySpec(
        put={
            "case": _f(KEY),
            "role": _f(Choice(("applicant", "respondent", "third_party"))),
            "name": _f(Text(50)),
            "phone": _f(Phone()),
            "id_number": _f(Text(18, pattern="[0-9X]*")),
            "address": _f(Text(200)),
        }
    ),
    "message": EntitySpec(create=_f(Obj({"case": KEY, "body": Text(2000, 1, multiline=True)}))),
    "timeline": EntitySpec(
        create=_server(Loose(8192, Obj({"case": KEY, "event": Text(64, 1)}, extra=Loose())))
    ),
    "notification": EntitySpec(
        put={"read": _f(Boolean())},
        create=_server(Loose(8192, Obj({"user": Text(64, 1)}, extra=Loose()))),
    ),
}


def field_spec(entity: str, kind: str, field_name: str | None) -> FieldSpec | None:
    """The spec for one (entity, kind, field); ``field_name`` is None for ``create``."""
    spec = SCHEMA.get(entity)
    if spec is None:
        return None
    if kind == "create":
        return spec.create if field_name is None else None
    table = {"put": spec.put, "add": spec.sets, "remove": spec.sets, "intent": spec.intent}.get(kind, {})
    return table.get(field_name) if field_name is not None else None


def is_server_only(entity: str, kind: str, field_name: str | None) -> bool:
    """True when the (entity, kind, field) exists and only the server may write it."""
    found = field_spec(entity, kind, field_name)
    return found is not None and found.server_only


SERVER_ONLY: frozenset[tuple[str, str, str | None]] = frozenset(
    {(e, "put", f) for e, s in SCHEMA.items() for f, fs in s.put.items() if fs.server_only}
    | {(e, "create", None) for e, s in SCHEMA.items() if s.create is not None and s.create.server_only}
)
