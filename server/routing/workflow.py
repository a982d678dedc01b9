"""Workflow intents: a transition (accept, decline, resolve…, 司法确认, filing), a pause or resume of
the clocks, a category correction. Each is checked against the transition table and the case's
current state; a refusal comes back to the client as a ``Rejection`` and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from server.accounts.principal import Principal
from server.routing import learning, sla, transitions
from server.routing.assignment import adjust_load, court_org, mark_provisional, move_up, replan
from server.routing.context import RoutingContext, case_text, iso, parse_dt, session_of
from server.routing.models import CategoryCorrection
from server.routing.timeline import record
from server.sync import scopes
from server.sync.ops import Op, Rejection
from server.sync.service import Writer
from server.vocabulary import CATEGORY_NAMES_ZH, WITH_ORG


def handles(p: Principal, case: Mapping[str, Any]) -> bool:
    """``p`` works for the organisation the case is with (or is an admin of the case's area)."""
    if p.role not in transitions.INTENT_ROLES:
        return False
    return scopes.admin_covers(p, case) or (p.role != "admin" and p.org_id == case.get("org"))


def transition(
    ctx: RoutingContext, w: Writer, p: Principal, op: Op, case: Mapping[str, Any], value: Mapping[str, Any]
) -> Rejection | None:
    """Move the case to ``value["to"]`` with its effects: deadlines, mediator load, timers, timeline,
    notifications; a decline escalates at once. Returns None when done, else the ``Rejection`` of
    ``transitions.check_transition`` (``unknown_state``, ``not_allowed``, ``role_forbidden``,
    ``not_filer``, ``not_assigned_org``, ``not_case_court``, ``missing_field``; a Chinese message)
    with nothing written."""
    to = str(value.get("to", ""))
    old = str(case.get("status", "submitted"))
    role = transitions.workflow_role(p.role)
    is_filer = case.get("filer") == p.user_id
    assigned = scopes.admin_covers(p, case) or (p.org_id is not None and p.org_id == case.get("org"))
    case_court = p.role == "court_clerk" and p.org_id is not None and p.org_id == case.get("court_org")
    refusal = transitions.check_transition(old, to, role, is_filer, assigned, value, is_case_court=case_court)
    if refusal is not None:
        return Rejection(op.id, refusal.code, refusal.message_zh)
    key = op.key
    reason = str(value.get("reason") or value.get("agreement") or "")
    now = ctx.now(w)
    if to == "escalated":
        w.server_put("case", key, "status", "escalated")
        if move_up(ctx, w, key, f"因{reason}" if reason else "", actor_role=p.role) is None:
            w.server_put("case", key, "status", old)
        ctx.notifier.status_changed(w, key, w.view("case", key), old, "escalated")
        return None
    w.server_put("case", key, "status", to)
    extra: dict[str, Any] = {
        k: value[k] for k in ("agreement", "performance", "perform_by", "ruling", "docket_no") if value.get(k)
    }
    if to == "confirmation_requested" and case.get("code"):
        # The request carries the signed agreement the court is asked to confirm.
        extra["attachment"] = f"/api/v1/cases/{case['code']}/agreement.pdf"
    record(ctx, w, key, to, old, to, p, p.role, reason, **extra)
    if to == "accepted":
        w.server_put("case", key, "accepted_at", now.isoformat())
        if not case.get("mediator") and p.mediator_id:
            w.server_put("case", key, "mediator", p.mediator_id)
            adjust_load(w, p.mediator_id, +1)
        dl = sla.deadlines(
            str(case.get("level")),
            str(case.get("category") or "other"),
            parse_dt(case.get("assigned_at")) or now,
            ctx.config_for(case),
            accepted_at=now,
            cal=ctx.cal(w),
        )
        w.server_put("case", key, "respond_by", None)
        w.server_put("case", key, "resolve_by", iso(dl.resolve_by))
        mark_provisional(w, key, dl)
    elif to in ("confirmation_requested", "filing_requested"):
        court = court_org(ctx, w, case)
        stage: sla.Stage = "confirmation" if to == "confirmation_requested" else "filing"
        category = str(case.get("category") or "other")
        dl = sla.deadlines("court", category, now, ctx.config_for(case), stage=stage, cal=ctx.cal(w))
        w.server_put("case", key, "court_org", court)
        w.server_put("case", key, "requested_at", now.isoformat())
        w.server_put("case", key, "respond_by", iso(dl.respond_by))
        w.server_put("case", key, "resolve_by", iso(dl.resolve_by))
        mark_provisional(w, key, dl)
    elif to in transitions.TERMINAL or to in ("resolved", "failed", "confirmation_denied"):
        w.server_put("case", key, "respond_by", None)
        w.server_put("case", key, "resolve_by", None)
        if to == "resolved":  # the mediator closed it under this category: a confirmed label
            learning.record_example(
                session_of(w), key, case_text(case), str(case.get("category") or ""), "closing", p.user_id
            )
        if case.get("deadline_provisional"):
            w.server_put("case", key, "deadline_provisional", None)
        if old in WITH_ORG:
            adjust_load(w, case.get("mediator"), -1)
    replan(ctx, w, key)
    if to == "declined":
        # Declining at one level hands the case to the next: the parties read a move, not a refusal.
        moved = move_up(ctx, w, key, "调解组织不予受理")
        if moved is not None and moved.org_id is not None:
            name = ctx.org_name(w, moved.org_id)
            why = f"原调解组织未受理（{reason}），" if reason else ""
            ctx.notifier.status_changed(
                w, key, w.view("case", key), old, "escalated", reason=f"{why}案件已转交{name}继续调解。"
            )
            return None
    ctx.notifier.status_changed(w, key, w.view("case", key), old, to)
    return None


def pause(
    ctx: RoutingContext,
    w: Writer,
    p: Principal,
    op: Op,
    case: Mapping[str, Any],
    value: Mapping[str, Any],
    *,
    stop: bool,
) -> Rejection | None:
    """Stop (``stop``) or restart the case's clocks; on restart the deadlines move later by the
    paused time (``sla.apply_pause``, working days by the loaded calendar). Returns None when done,
    else a ``Rejection``: ``not_assigned_org`` for someone outside the case's organisation,
    ``not_allowed`` in a state that cannot pause or when already paused (resumed)."""
    if not handles(p, case):
        return Rejection(op.id, "not_assigned_org", "该案件未分派给您所在的机构")
    if case.get("status") not in transitions.INTENT_STATES["pause" if stop else "resume"]:
        return Rejection(op.id, "not_allowed", "只有已分派或已受理的案件可以暂停计时")
    if bool(case.get("paused")) == stop:
        return Rejection(op.id, "not_allowed", "案件已暂停计时" if stop else "案件未在暂停中")
    now, key = ctx.now(w), op.key
    reason = str(value.get("reason") or "")
    if stop:
        w.server_put("case", key, "paused", True)
        w.server_put("case", key, "paused_at", now.isoformat())
        record(ctx, w, key, "paused", case.get("status"), case.get("status"), p, p.role, reason)
    else:
        since = parse_dt(case.get("paused_at")) or now
        for f in ("respond_by", "resolve_by"):
            due = parse_dt(case.get(f))
            if due is not None:
                moved = sla.apply_pause(due, since, now, cal=ctx.cal(w))
                w.server_put("case", key, f, iso(moved))
        w.server_put("case", key, "paused", False)
        w.server_put("case", key, "paused_at", None)
        record(ctx, w, key, "resumed", case.get("status"), case.get("status"), p, p.role, reason)
    replan(ctx, w, key)
    return None


def correct_category(
    ctx: RoutingContext, w: Writer, p: Principal, op: Op, case: Mapping[str, Any], value: Mapping[str, Any]
) -> Rejection | None:
    """A mediator corrects the case's category; the correction is kept for rule review. Returns
    None when done, else a ``Rejection`` (``not_assigned_org``, or ``not_allowed`` once mediation
    has ended)."""
    if not handles(p, case):
        return Rejection(op.id, "not_assigned_org", "该案件未分派给您所在的机构")
    if case.get("status") not in transitions.INTENT_STATES["correct_category"]:
        return Rejection(op.id, "not_allowed", "调解结束后不能再更正纠纷类别")
    new = str(value["category"])
    reason = str(value.get("reason") or "")
    learning.record_example(session_of(w), op.key, case_text(case), new, "correction", p.user_id)
    session_of(w).add(
        CategoryCorrection(
            case_key=op.key,
            from_category=case.get("category"),
            to_category=new,
            reason=reason,
            text=case_text(case),
            by_user=p.user_id,
        )
    )
    w.server_put("case", op.key, "category", new)
    w.server_put(
        "case",
        op.key,
        "category_reason",
        f"调解员更正为{CATEGORY_NAMES_ZH.get(new, new)}" + (f"：{reason}" if reason else ""),
    )
    record(
        ctx,
        w,
        op.key,
        "category_corrected",
        case.get("status"),
        case.get("status"),
        p,
        p.role,
        reason,
        category=new,
    )
    return None
