"""The case workflow of DESIGN.md §3 as one table: who may move a case from which state to which,
and what the move must carry.

``escalated`` is a waypoint: the case moves up a level (an event on the timeline), then the system
assigns it at the new level (``escalated → assigned``).  ``declined`` is also a waypoint: the system
escalates it, or it stays declined when there is no level left.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from server.vocabulary import OPEN_STATES, STATE_ZH, STATES, WITH_ORG

Role = Literal["citizen", "grid_worker", "mediator", "org_admin", "court_clerk", "system"]

# What a person does to move a case into each state: a stable id (the PWA's button test id) and
# the words on the button.  Targets only the system reaches (assigned) have none.
ACTION: dict[str, tuple[str, str, str]] = {
    "accepted": ("accept", "受理", "Accept"),
    "declined": ("decline", "不予受理", "Decline"),
    "escalated": ("escalate", "转上级调解组织", "Move up a level"),
    "resolved": ("resolve", "调解成功", "Resolved"),
    "failed": ("fail", "调解不成", "Not resolved"),
    "withdrawn": ("withdraw", "撤回申请", "Withdraw application"),
    "confirmation_requested": ("request-confirmation", "申请司法确认", "Apply for judicial confirmation"),
    "confirmed": ("confirm-ruling", "确认有效（填写裁定书文号）", "Confirm (enter ruling no.)"),
    "confirmation_denied": ("deny-confirmation", "驳回司法确认", "Deny confirmation"),
    "filing_requested": ("request-filing", "申请诉讼立案", "Ask the court to file the case"),
    "filed": ("file-docket", "立案（填写案号）", "File (enter docket no.)"),
}
FIELD_ZH = {
    "reason": "原因",
    "agreement": "调解协议内容",
    "org": "受理机构",
    "ruling": "确认裁定书文号",
    "docket_no": "立案案号",
}
# Roles that act only on cases they filed themselves.
FILER_ROLES: frozenset[str] = frozenset({"citizen", "grid_worker"})
# Roles that act only on cases assigned to their organisation (an admin counts as assigned).
ORG_ROLES: frozenset[str] = frozenset({"mediator", "org_admin"})


@dataclass(frozen=True)
class Rule:
    """Who may make one move, and which intent fields it requires."""

    roles: frozenset[Role]
    required: tuple[str, ...] = ()
    by_case_court: bool = False
    """A court move: only a clerk of the court the case was sent to (``court_org``, chosen when
    confirmation or filing was requested) may make it."""


def _r(*roles: Role, needs: tuple[str, ...] = (), court: bool = False) -> Rule:
    return Rule(frozenset(roles), needs, court)


_ORG: tuple[Role, Role] = ("mediator", "org_admin")

TRANSITIONS: dict[tuple[str, str], Rule] = {
    ("submitted", "assigned"): _r("system", needs=("org",)),
    ("assigned", "accepted"): _r(*_ORG),
    ("assigned", "declined"): _r(*_ORG, needs=("reason",)),
    ("assigned", "escalated"): _r("system", "org_admin", needs=("reason",)),
    ("accepted", "resolved"): _r(*_ORG, needs=("agreement",)),
    ("accepted", "failed"): _r(*_ORG, needs=("reason",)),
    ("accepted", "escalated"): _r("system", *_ORG, needs=("reason",)),
    ("declined", "escalated"): _r("system", "org_admin", needs=("reason",)),
    ("escalated", "assigned"): _r("system", needs=("org",)),
    # The filer may withdraw until the mediation has an outcome.
    ("submitted", "withdrawn"): _r("citizen", "grid_worker"),
    ("assigned", "withdrawn"): _r("citizen", "grid_worker"),
    ("accepted", "withdrawn"): _r("citizen", "grid_worker"),
    ("declined", "withdrawn"): _r("citizen", "grid_worker"),
    ("escalated", "withdrawn"): _r("citizen", "grid_worker"),
    # 司法确认: the parties apply (the mediator often files it for them), the court decides.
    ("resolved", "confirmation_requested"): _r("citizen", "grid_worker", "mediator"),
    ("confirmation_requested", "confirmed"): _r("court_clerk", needs=("ruling",), court=True),
    ("confirmation_requested", "confirmation_denied"): _r("court_clerk", needs=("reason",), court=True),
    # 诉讼立案 after a failed mediation or a refused confirmation.
    ("failed", "filing_requested"): _r("citizen", "grid_worker", "mediator"),
    ("confirmation_denied", "filing_requested"): _r("citizen", "grid_worker", "mediator"),
    ("filing_requested", "filed"): _r("court_clerk", needs=("docket_no",), court=True),
}
TERMINAL: frozenset[str] = frozenset(s for s in STATES if not any(f == s for f, _ in TRANSITIONS))
"""States no one can move a case out of."""
# An administrator acts in the workflow as an organisation's administrator would, on any case.
ACTS_AS: dict[str, Role] = {"admin": "org_admin"}
# Case intents that are not moves: who may send them, and in which states (routing/service.py).
INTENT_ROLES: frozenset[str] = frozenset({"mediator", "org_admin", "admin"})
INTENT_STATES: dict[str, frozenset[str]] = {
    "pause": WITH_ORG,
    "resume": WITH_ORG,
    "correct_category": OPEN_STATES,
}

# The 人民调解协议书 exists once a case is resolved (server/agreement); parties sign it until the court
# decides; the filer rates the service once there is an outcome (server/assessment/rating.py).
AGREEMENT_STATES = frozenset({"resolved", "confirmation_requested", "confirmed", "confirmation_denied"})
SIGN_STATES = frozenset({"resolved", "confirmation_requested"})
OUTCOME_STATES = frozenset(
    {
        "resolved",
        "failed",
        "confirmation_requested",
        "confirmed",
        "confirmation_denied",
        "filing_requested",
        "filed",
    }
)
# Party intents: (roles, states). Who exactly (the filer, the handling staff) the server checks per case.
PARTY_INTENTS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "sign": (frozenset({"mediator", "org_admin", "admin", "citizen", "grid_worker"}), SIGN_STATES),
    "rate": (frozenset({"citizen", "grid_worker"}), OUTCOME_STATES),
}


@dataclass(frozen=True)
class Refusal:
    """Why a move was refused: a stable code and a Chinese message for the person who tried it."""

    code: str
    """Stable: unknown_state, not_allowed, role_forbidden, not_filer, not_assigned_org,
    not_case_court, missing_field."""
    message_zh: str


def moves_from(state: str) -> list[str]:
    """The states a case may move to from ``state`` (by anyone), in table order."""
    return [to for (frm, to) in TRANSITIONS if frm == state]


def workflow_role(role: str) -> str:
    """The role the transition table knows ``role`` by (``admin`` acts as ``org_admin``)."""
    return ACTS_AS.get(role, role)


def check_transition(
    from_state: str,
    to: str,
    actor_role: str,
    is_filer: bool,
    is_assigned_org: bool,
    payload: Mapping[str, Any] | None = None,
    *,
    is_case_court: bool = False,
) -> Refusal | None:
    """None when the move is allowed; otherwise why not, in Chinese for the UI.

    ``is_assigned_org``: the actor belongs to the organisation the case is assigned to;
    ``is_case_court``: the actor belongs to the court the case was sent to (``court_org``).
    """
    for s in (from_state, to):
        if s not in STATE_ZH:
            return Refusal("unknown_state", f"未知的案件状态：{s}")
    rule = TRANSITIONS.get((from_state, to))
    if rule is None and from_state == to:
        # The usual case of two offline devices making the same move: say who got there first.
        return Refusal("not_allowed", f"案件已是“{STATE_ZH[to]}”状态，可能已由其他人员处理")
    if rule is None:
        return Refusal("not_allowed", f"案件当前为“{STATE_ZH[from_state]}”，不能变为“{STATE_ZH[to]}”")
    if actor_role not in rule.roles:
        return Refusal("role_forbidden", f"您的角色无权将案件变为“{STATE_ZH[to]}”")
    if actor_role in FILER_ROLES and not is_filer:
        return Refusal("not_filer", "只有提交该案件的人可以进行此操作")
    if actor_role in ORG_ROLES and not is_assigned_org:
        return Refusal("not_assigned_org", "该案件未分派给您所在的机构")
    if rule.by_case_court and not is_case_court:
        return Refusal("not_case_court", "该案件未送交您所在的法院")
    data = payload or {}
    missing = [f for f in rule.required if not (isinstance(data.get(f), str) and data[f].strip())]
    if missing:
        return Refusal("missing_field", f"请填写{'、'.join(FIELD_ZH.get(f, f) for f in missing)}")
    return None
