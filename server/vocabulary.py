"""The case vocabulary every domain shares: categories, workflow states and the sets of states
that mean "open". A leaf: it imports nothing from the project, so sync, routing, notify, qr and the
cockpit can all depend on it without depending on each other.

The workflow itself (who may move a case from which state to which) is ``routing/transitions.py``.
"""

from __future__ import annotations

from typing import Literal

# The 25 categories of DESIGN.md §4 (contract): id → Chinese name.  案由 live in categories.json.
CATEGORY_NAMES_ZH: dict[str, str] = {
    "marriage_family": "婚姻家庭",
    "inheritance": "继承",
    "neighbor": "邻里纠纷",
    "homestead_housing": "房屋宅基地",
    "land_forest": "山林土地",
    "requisition_demolition": "征地拆迁",
    "labor": "劳动争议",
    "wage_arrears": "拖欠工资",
    "traffic_accident": "道路交通事故",
    "medical": "医疗纠纷",
    "property_management": "物业纠纷",
    "consumer": "消费纠纷",
    "private_lending": "民间借贷",
    "contract": "合同纠纷",
    "tenancy": "房屋租赁",
    "construction": "建设工程",
    "personal_injury": "人身损害",
    "property_damage": "财产损害",
    "business": "生产经营",
    "environment": "环境污染",
    "finance_insurance": "金融保险",
    "company": "公司股权",
    "intellectual_property": "知识产权",
    "village_affairs": "村务集体",
    "other": "其他",
}
CATEGORY_IDS: tuple[str, ...] = tuple(CATEGORY_NAMES_ZH)

State = Literal[
    "submitted",
    "assigned",
    "accepted",
    "resolved",
    "failed",
    "withdrawn",
    "declined",
    "escalated",
    "confirmation_requested",
    "confirmed",
    "confirmation_denied",
    "filing_requested",
    "filed",
]
STATE_ZH: dict[str, str] = {
    "submitted": "已提交",
    "assigned": "已分派",
    "accepted": "已受理",
    "resolved": "调解成功",
    "failed": "调解不成",
    "withdrawn": "已撤回",
    "declined": "不予受理",
    "escalated": "已上移",
    "confirmation_requested": "已申请司法确认",
    "confirmed": "已司法确认",
    "confirmation_denied": "司法确认被驳回",
    "filing_requested": "已申请诉讼立案",
    "filed": "已立案",
}
STATE_EN: dict[str, str] = {
    "submitted": "Submitted",
    "assigned": "Assigned",
    "accepted": "Being mediated",
    "resolved": "Resolved",
    "failed": "Not resolved",
    "withdrawn": "Withdrawn",
    "declined": "Declined",
    "escalated": "Moved up a level",
    "confirmation_requested": "Judicial confirmation requested",
    "confirmed": "Judicially confirmed",
    "confirmation_denied": "Confirmation denied",
    "filing_requested": "Lawsuit filing requested",
    "filed": "Filed in court",
}
STATES: tuple[str, ...] = tuple(STATE_ZH)

# "Open" has two meanings, each named once:
OPEN_STATES = frozenset({"submitted", "assigned", "accepted", "escalated"})
"""Mediation not over yet: the case counts as open in the cockpit, the filer may still withdraw,
and it stays in its organisation's sync scope (DESIGN.md §2)."""
CLOSED_STATES = frozenset(STATES) - OPEN_STATES
"""Mediation over (with or without a court stage following)."""
WITH_ORG = frozenset({"assigned", "accepted"})
"""The case sits with a mediation organisation whose clocks run: it may be paused, it counts in
the mediator's load, and a breach escalates it."""
AWAITING_COURT = frozenset({"confirmation_requested", "filing_requested"})
"""Before the court (司法确认 or 诉讼立案 applied for): closed for mediation, a court clock runs."""
FINISHED = CLOSED_STATES - AWAITING_COURT
"""Nothing is pending any more: the ``cases`` row gets its ``closed_at``."""
