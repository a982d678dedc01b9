"""Chinese labels the public trace shows: case states, timeline events, who acted.

States come from the workflow table (``server/routing/transitions.py``) so the trace and the staff
views never disagree; events and roles are kept here, in one place.
"""

from __future__ import annotations

from collections.abc import Mapping

from server.vocabulary import STATE_ZH

__all__ = ["EVENT_EN", "EVENT_ZH", "ROLE_ZH", "STATE_ZH", "actor_label", "event_label", "status_label"]

# Timeline events that are not a plain move to a state (those read as the state they lead to).
EVENT_ZH: Mapping[str, str] = {
    "created": "已提交",
    "submitted": "已提交",
    "filed": "已提交",
    "routed": "已分派",
    "assigned": "已分派",
    "reassigned": "已重新分派",
    "escalated": "已上移",
    "paused": "调解暂停",
    "resumed": "恢复调解",
    "category_corrected": "纠纷类别已更正",
    "correct_category": "纠纷类别已更正",
    "mediator_assigned": "已指定调解员",
    "deadline_warning": "办理期限提醒",
    "overdue": "已超过办理期限",
    "filing_suggested": "建议向人民法院起诉",
    "deadline_recomputed": "办理期限已按放假安排重新计算",
}
EVENT_EN: Mapping[str, str] = {
    "created": "Submitted",
    "submitted": "Submitted",
    "filed": "Submitted",
    "routed": "Assigned",
    "assigned": "Assigned",
    "reassigned": "Reassigned",
    "escalated": "Moved up a level",
    "paused": "Mediation paused",
    "resumed": "Mediation resumed",
    "category_corrected": "Category corrected",
    "correct_category": "Category corrected",
    "mediator_assigned": "Mediator named",
    "deadline_warning": "Deadline reminder",
    "overdue": "Past the deadline",
    "filing_suggested": "Court filing suggested",
    "deadline_recomputed": "Deadline recomputed for the holiday arrangement",
}
DEFAULT_EVENT_ZH = "案件进展"
DEFAULT_EVENT_EN = "Progress"

# Who acted, shown instead of any staff member's name.
ROLE_ZH: Mapping[str, str] = {
    "citizen": "当事人",
    "grid_worker": "网格员",
    "mediator": "调解员",
    "org_admin": "调解组织",
    "court_clerk": "人民法院",
    "admin": "管理员",
    "analyst": "管理员",
    "system": "系统",
}


def status_label(status: str | None) -> str:
    """A state's Chinese name for the public trace: 已提交 for none, 办理中 for one not listed."""
    if not status:
        return STATE_ZH["submitted"]
    return STATE_ZH.get(status, "办理中")


def event_label(event: str | None, to: str | None) -> str:
    """An event that is not a move (a pause, a correction…) by its name, even though it records the
    state the case stays in; a move reads as the state it leads to; anything else generically."""
    if event and event in EVENT_ZH and event not in STATE_ZH:
        return EVENT_ZH[event]
    if to and to in STATE_ZH:
        return STATE_ZH[to]
    if event and event in EVENT_ZH:
        return EVENT_ZH[event]
    if event and event in STATE_ZH:
        return STATE_ZH[event]
    return DEFAULT_EVENT_ZH


def actor_label(actor_role: str | None, actor: str | None = None) -> str:
    """The role of whoever acted; never the name. Unknown roles stay anonymous ("")."""
    if actor_role and actor_role in ROLE_ZH:
        return ROLE_ZH[actor_role]
    return ROLE_ZH["system"] if actor == "system" else ""
