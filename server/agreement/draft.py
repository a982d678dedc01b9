"""Draft the 人民调解协议书 from a resolved case: pure, no I/O.

The structure follows 《人民调解法》第二十八条 (a written agreement may be made) and 第二十九条
(it may state: the parties' basic particulars; the main facts of the dispute, the matters in
dispute and each party's responsibility; the content agreed, the manner and time of performance;
it takes effect once every party has signed, sealed or fingerprinted it and the mediator has
signed it under the committee's seal). 第三十一条 (binding) and 第三十三条 (司法确认 within 30 days)
close the document.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

ROLE_ZH = {"applicant": "申请人", "respondent": "被申请人", "third_party": "第三人"}
CLOSING = (
    "本协议经各方当事人签名（或按指印），人民调解员签名并加盖人民调解委员会印章之日起生效"
    "（《中华人民共和国人民调解法》第二十九条）。",
    "本协议具有法律约束力，当事人应当按照约定履行（《中华人民共和国人民调解法》第三十一条）。",
    "双方当事人认为有必要的，可以自本协议生效之日起三十日内共同向人民法院申请司法确认"
    "（《中华人民共和国人民调解法》第三十三条）。",
)


@dataclass(frozen=True)
class PartyLine:
    """One party as the agreement names it, with its signature (a blob hash) once signed."""

    key: str
    role: str
    """``申请人`` | ``被申请人`` | ``第三人``."""
    name: str
    particulars: str
    """Phone, ID number and address as given, joined; empty when none was given."""
    signature_blob: str | None = None
    signed_at: str | None = None


@dataclass(frozen=True)
class Agreement:
    """A 人民调解协议书 drawn from a resolved case (texts in Chinese, times ISO strings)."""

    code: str
    org_name: str
    mediator_name: str
    category_name: str
    parties: list[PartyLine]
    facts: str
    terms: str
    performance: str
    perform_by: str | None
    resolved_at: str
    closing: tuple[str, ...] = field(default=CLOSING)

    @property
    def all_signed(self) -> bool:
        """True when there are parties and every one has signed."""
        return bool(self.parties) and all(p.signature_blob for p in self.parties)

    def text(self) -> str:
        """The agreement as plain text (the PDF prints the same sections)."""
        lines = ["人民调解协议书", f"编号：{self.code}", f"调解组织：{self.org_name}", "一、当事人基本情况"]
        lines += [f"{p.role}：{p.name}{'，' + p.particulars if p.particulars else ''}" for p in self.parties]
        lines += ["二、纠纷主要事实、争议事项", self.facts, "三、达成的协议内容", self.terms]
        lines += ["四、履行方式、期限", self.performance_line()]
        lines += list(self.closing)
        return "\n".join(lines)

    def performance_line(self) -> str:
        """Section four: how the terms are performed and by when (``perform_by``, YYYY-MM-DD), or
        immediate performance when neither was given."""
        due = f"履行期限：{self.perform_by} 前履行完毕。" if self.perform_by else ""
        return (self.performance + ("；" if self.performance and due else "") + due) or "按协议内容即时履行。"


def _particulars(party: Mapping[str, Any]) -> str:
    parts = [
        f"{label}{party[k]}"
        for k, label in (("id_number", "身份证号："), ("phone", "电话："), ("address", "住址："))
        if party.get(k)
    ]
    return "，".join(parts)


def draft(
    case: Mapping[str, Any],
    parties: Sequence[Mapping[str, Any]],
    resolved: Mapping[str, Any],
    org_name: str,
    mediator_name: str,
    category_name: str,
) -> Agreement:
    """``case``: the case view; ``parties``: party views with ``key`` added; ``resolved``: the
    timeline event of the move to ``resolved`` (``agreement``, ``performance``, ``perform_by``, ``at``).
    Parties are ordered applicants, respondents, third parties, then by key."""
    signatures = case.get("signatures") or {}
    order = {"applicant": 0, "respondent": 1, "third_party": 2}
    lines = []
    for p in sorted(parties, key=lambda p: (order.get(str(p.get("role")), 3), str(p["key"]))):
        sig = signatures.get(p["key"]) if isinstance(signatures, dict) else None
        lines.append(
            PartyLine(
                key=str(p["key"]),
                role=ROLE_ZH.get(str(p.get("role")), "当事人"),
                name=str(p.get("name") or "（未填写姓名）"),
                particulars=_particulars(p),
                signature_blob=sig.get("blob") if isinstance(sig, dict) else None,
                signed_at=sig.get("at") if isinstance(sig, dict) else None,
            )
        )
    facts = str(case.get("summary") or "")
    if case.get("description"):
        facts += "。" + str(case["description"]) if facts else str(case["description"])
    return Agreement(
        code=str(case.get("code") or ""),
        org_name=org_name,
        mediator_name=mediator_name,
        category_name=category_name,
        parties=lines,
        facts=facts or "（未填写）",
        terms=str(resolved.get("agreement") or ""),
        performance=str(resolved.get("performance") or ""),
        perform_by=resolved.get("perform_by") or None,
        resolved_at=str(resolved.get("at") or "")[:10],
    )
