"""Assignment: classify and route a new case, assign it to an organisation with its deadlines,
move it up a level, and keep mediators' open-case load and the SLA timers in step.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import update

from server.registry.models import Mediator as MediatorRow
from server.routing import sla
from server.routing.context import RoutingContext, case_text, iso, parse_dt, session_of
from server.routing.holidays import Arrangement, WorkCalendar
from server.routing.registry_cache import note_load
from server.routing.route import CaseFacts, RoutingDecision, escalate, route
from server.routing.timeline import record
from server.routing.timers import plan_timers
from server.sync.service import Writer
from server.vocabulary import CATEGORY_NAMES_ZH, WITH_ORG


def is_complete(view: Mapping[str, Any]) -> bool:
    """A filed case can be routed: it has a summary, a 12-digit village code and its case code."""
    return bool(view.get("summary")) and len(str(view.get("region") or "")) == 12 and bool(view.get("code"))


def facts(view: Mapping[str, Any], category: str) -> CaseFacts:
    """What routing decides on, read from a case view."""
    amount = view.get("amount")
    return CaseFacts(
        region=str(view["region"]),
        category=category,
        channel=str(view.get("channel") or "online"),
        amount=float(amount) if isinstance(amount, int | float) else None,
        applicants=int(view.get("applicants") or 1),
    )


def route_new(ctx: RoutingContext, w: Writer, key: str) -> None:
    """Classify a newly filed case (keeping the filer's own category, noting the system's guess),
    route it and assign it; all as server ops in the filing's transaction."""
    s = session_of(w)
    view = w.view("case", key)
    text = case_text(view)
    guess = ctx.rules.current(s).classify(text)
    chosen = view.get("category")
    if chosen:
        reason = f"申请人选择：{CATEGORY_NAMES_ZH.get(chosen, chosen)}"
        if guess.category != chosen:
            reason += f"（系统建议：{CATEGORY_NAMES_ZH.get(guess.category, guess.category)}，{guess.reason}）"
        category = chosen
    else:
        category, reason = guess.category, guess.reason
        w.server_put("case", key, "category", category)
    w.server_put("case", key, "category_reason", reason)
    w.server_put("case", key, "category_confidence", round(guess.confidence, 3))
    decision = route(facts(view, category), ctx.registry(s, w.head()), ctx.config_for(view))
    record(ctx, w, key, "submitted", None, "submitted", None, "system", "案件已提交")
    assign(ctx, w, key, decision, from_state="submitted")


def assign(ctx: RoutingContext, w: Writer, key: str, d: RoutingDecision, *, from_state: str) -> None:
    """Give the case to ``d``'s organisation (and mediator) with fresh deadlines; with no
    organisation only the routing reason is written."""
    now = ctx.now(w)
    view = w.view("case", key)
    # Every field of the case syncs to its filer: which mediator for what load stays out of it.
    reasons = "；".join(d.public_reasons)
    if d.org_id is None:
        w.server_put("case", key, "routing_reason", reasons)
        return
    old_mediator = view.get("mediator")
    category = str(view.get("category") or "other")
    dl = sla.deadlines(d.level, category, now, ctx.config_for(view), cal=ctx.cal(w))
    for f, v in (
        ("level", d.level),
        ("org", d.org_id),
        ("mediator", d.mediator_id),
        ("routing_reason", reasons),
        ("assigned_at", now.isoformat()),
        ("respond_by", iso(dl.respond_by)),
        ("resolve_by", iso(dl.resolve_by)),
        ("status", "assigned"),
    ):
        w.server_put("case", key, f, v)
    mark_provisional(w, key, dl)
    adjust_load(w, old_mediator, -1)
    adjust_load(w, d.mediator_id, +1)
    public = d.public_reasons
    if from_state == "escalated":
        public = public[1:]  # the first (why it climbed) is already the escalated event's reason
    record(
        ctx, w, key, "assigned", from_state, "assigned", None, "system", "；".join(public), org=d.org_id,
        mediator=d.mediator_id,  # 考核 credits the stint to the mediator routing picked
        **({"provisional": dl.provisional} if dl.provisional else {}),
    )  # fmt: skip
    replan(ctx, w, key, restart=True)
    ctx.notifier.case_assigned(w, key, w.view("case", key))


def adjust_load(w: Writer, mediator_id: Any, delta: int) -> None:
    """Add ``delta`` to a mediator's open-case count (nothing for no mediator)."""
    if mediator_id:
        s = session_of(w)
        s.execute(
            update(MediatorRow)
            .where(MediatorRow.id == mediator_id)
            .values(open_cases=MediatorRow.open_cases + delta)
        )
        note_load(s, str(mediator_id), delta)  # the routing cache folds it in at commit


def move_up(
    ctx: RoutingContext, w: Writer, key: str, why: str, *, actor_role: str = "system"
) -> RoutingDecision | None:
    """Move a case one level up; at the top, suggest court filing instead (returns None)."""
    view = w.view("case", key)
    s = session_of(w)
    d = escalate(
        facts(view, str(view.get("category") or "other")),
        str(view.get("level") or "village"),
        ctx.registry(s, w.head()),
        ctx.config_for(view),
        why,
    )
    old = str(view.get("status"))
    if d is None or d.level == "court" or d.org_id is None:
        reason = "；".join(d.reasons) if d else f"{why}，已无更高层级"
        record(ctx, w, key, "filing_suggested", old, old, None, actor_role, reason)
        return None
    w.server_put("case", key, "status", "escalated")
    record(ctx, w, key, "escalated", old, "escalated", None, actor_role, d.reasons[0])
    assign(ctx, w, key, d, from_state="escalated")
    return d


def court_org(ctx: RoutingContext, w: Writer, case: Mapping[str, Any]) -> str | None:
    """The court that takes the case's 司法确认 and filing: the court of its county (the basic
    court where the mediation organisation sits, 民事诉讼法 第二百零五条): the county of the
    organisation holding the case, else of its region."""
    registry = ctx.registry(session_of(w))
    holder = registry.org(str(case["org"])) if case.get("org") else None
    county = (holder.region if holder is not None else str(case.get("region") or ""))[:6]
    for org in registry.orgs_at("court", county, "court"):
        return org.id
    return None


def replan(ctx: RoutingContext, w: Writer, key: str, *, restart: bool = False) -> None:
    """Bring the case's SLA timer rows in step with its state (``timers.plan_timers``)."""
    view = w.view("case", key)
    plan_timers(
        session_of(w),
        key,
        view,
        ctx.now(w),
        ctx.config_for(view).warn_fraction,
        restart=restart,
        cal=ctx.cal(w),
    )


def mark_provisional(w: Writer, key: str, dl: sla.Deadlines) -> None:
    """Note on the case when its deadlines are provisional (a year's holidays not loaded yet)."""
    if dl.provisional or w.view("case", key).get("deadline_provisional"):
        w.server_put("case", key, "deadline_provisional", dl.provisional)


def recompute_deadlines(
    ctx: RoutingContext, w: Writer, key: str, cal: WorkCalendar, loaded: Arrangement
) -> bool:
    """Recount a case's provisional deadlines with ``cal`` after ``loaded`` was stored.

    A deadline only moves later (DESIGN §11: never earlier than promised); the provisional note
    stays while another year the periods touch is still unloaded.  Returns whether it changed.
    """
    view = w.view("case", key)
    status = view.get("status")
    assigned_at = parse_dt(view.get("assigned_at"))
    if not view.get("deadline_provisional") or assigned_at is None:
        return False
    category = str(view.get("category") or "other")
    if status in ("confirmation_requested", "filing_requested"):
        stage: sla.Stage = "confirmation" if status == "confirmation_requested" else "filing"
        start = parse_dt(view.get("requested_at")) or assigned_at
        dl = sla.deadlines("court", category, start, ctx.config_for(view), stage=stage, cal=cal)
    elif status in WITH_ORG:
        accepted = parse_dt(view.get("accepted_at")) if status == "accepted" else None
        dl = sla.deadlines(
            str(view.get("level")), category, assigned_at, ctx.config_for(view), accepted_at=accepted, cal=cal
        )
    else:
        w.server_put("case", key, "deadline_provisional", None)
        return True
    moved: dict[str, str | None] = {}
    for name, fresh in (("respond_by", dl.respond_by), ("resolve_by", dl.resolve_by)):
        old = parse_dt(view.get(name))
        if old is not None and fresh > old:
            moved[name] = iso(fresh)
            w.server_put("case", key, name, moved[name])
    w.server_put("case", key, "deadline_provisional", dl.provisional)
    why = f"已载入{loaded.year}年放假安排（{loaded.source}），" + (
        "期限按新的工作日重新计算" if moved else "期限不变"
    )
    if dl.provisional:
        why += "；" + dl.provisional
    record(ctx, w, key, "deadline_recomputed", None, None, None, "system", why, **moved)
    replan(ctx, w, key)
    return True
