"""Routing and workflow applied to the op log: the sync ``Hooks`` of the server.

- A case filed through sync is classified and routed in the same transaction that stores it; the
  decision is written as server ops (so the filer's phone learns its organisation on the same pull).
- Intents (accept, decline, resolve…, pause/resume, category corrections) are checked against the
  transition table and the current state; a refused intent comes back to the client as a rejection.
- Every move writes a timeline record, updates the SLA timers and tells the people concerned.

The work is done by ``assignment.py`` (route, assign, escalate), ``workflow.py`` (intents),
``timeline.py`` and ``timers.py``; this class is the façade sync and the scheduler call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from server.accounts.principal import Principal
from server.agreement import signing
from server.assessment import rating
from server.db import Database
from server.registry.area import Area
from server.routing import assignment, workflow
from server.routing.calendar_store import CalendarCache
from server.routing.config import RoutingConfig
from server.routing.context import Notifier, NullNotifier, RoutingContext, session_of
from server.routing.holidays import Arrangement, WorkCalendar
from server.routing.registry_view import DbRegistry, unserved_in
from server.routing.route import RoutingDecision
from server.routing.rulebook import Rulebook
from server.sync import scopes
from server.sync.ops import Op, Rejection
from server.sync.service import Writer
from server.vocabulary import WITH_ORG


class RoutingService:
    """The sync hooks (``after_batch``, ``on_intent``) and the SLA scheduler's ``on_timer``."""

    def __init__(
        self,
        db: Database,
        config: RoutingConfig | None = None,
        notifier: Notifier | None = None,
        clock: Callable[[], datetime] | None = None,
        area: Area | None = None,
    ) -> None:
        self.ctx = RoutingContext(db, config or RoutingConfig(), notifier or NullNotifier(), clock, area)
        # The working-day calendars (statutory holidays) as loaded in the database; one shared cache.
        self.calendars: CalendarCache = self.ctx.calendars

    @property
    def db(self) -> Database:
        """The database the hooks and timers write to."""
        return self.ctx.db

    @property
    def config(self) -> RoutingConfig:
        """Routing settings: SLA policies per level and category, warning lead times."""
        return self.ctx.config

    @property
    def rules(self) -> Rulebook:
        """The classification rules in force (admins publish new versions)."""
        return self.ctx.rules

    @property
    def notifier(self) -> Notifier:
        """Where case events are announced (inbox, push, SMS); a null notifier until wired."""
        return self.ctx.notifier

    @notifier.setter
    def notifier(self, notifier: Notifier) -> None:
        self.ctx.notifier = notifier

    @property
    def clock(self) -> Callable[[], datetime] | None:
        """Pins the time every effect uses (tests, demo seeding); None: the unit of work's time."""
        return self.ctx.clock

    @clock.setter
    def clock(self, clock: Callable[[], datetime] | None) -> None:
        self.ctx.clock = clock

    def now(self, w: Writer | None = None) -> datetime:
        """The time effects use (aware UTC): ``clock`` when pinned, else ``w``'s unit-of-work time,
        else the wall clock."""
        return self.ctx.now(w)

    def registry(self, s: Session) -> DbRegistry:
        """The organisation registry (cached per process) reading mediators' load through ``s``."""
        return self.ctx.registry(s)

    def refresh_registry(self) -> None:
        """Reload organisations on next use (crossproc.py calls it on a change)."""
        self.ctx.refresh_registry()

    @property
    def area(self) -> Area:
        """The area this deployment serves (``JIEFEN_AREA``)."""
        return self.ctx.area

    # -- sync hooks --------------------------------------------------------------------------
    def after_batch(self, w: Writer, new_cases: set[str], touched_cases: set[str]) -> None:
        """Route every complete, submitted, unassigned case this batch filed or touched."""
        for key in sorted(new_cases | touched_cases):
            view = w.view("case", key)
            if view.get("status") == "submitted" and not view.get("org") and assignment.is_complete(view):
                self.route_new(w, key)

    def unserved(self, w: Writer, regions: set[str], counties: set[str]) -> set[str]:
        """The served area (``JIEFEN_AREA``) and the registry decide what is served: a village or
        town it holds inside the area, a county it holds inside the area."""
        outside = {r for r in regions if not self.area.covers_region(r)}
        outside |= {c for c in counties if not self.area.covers_county(c)}
        return outside | unserved_in(session_of(w), regions - outside, counties - outside)

    def on_intent(self, w: Writer, p: Principal, op: Op, case: Mapping[str, Any]) -> Rejection | None:
        """Apply one intent op of ``p`` to ``case`` (its current view); a refusal is returned."""
        value = op.value if isinstance(op.value, dict) else {}
        if not scopes.reads_case(p, case):
            return Rejection(op.id, "forbidden", scopes.MESSAGES["forbidden"])
        if op.field == "transition":
            return workflow.transition(self.ctx, w, p, op, case, value)
        if op.field in ("pause", "resume"):
            return workflow.pause(self.ctx, w, p, op, case, value, stop=op.field == "pause")
        if op.field == "correct_category":
            return workflow.correct_category(self.ctx, w, p, op, case, value)
        if op.field == "sign":
            return signing.sign(w, p, op, case, self.ctx.now(w))
        if op.field == "rate":
            return rating.rate(w, session_of(w), p, op, case, self.ctx.now(w))
        return Rejection(op.id, "not_supported", "服务器暂不支持此操作")

    # -- routing -----------------------------------------------------------------------------
    def route_new(self, w: Writer, key: str) -> None:
        """Classify, route and assign a newly filed case (``assignment.route_new``)."""
        assignment.route_new(self.ctx, w, key)

    def escalate(
        self, w: Writer, key: str, why: str, *, actor_role: str = "system"
    ) -> RoutingDecision | None:
        """Move a case one level up; at the top, suggest court filing instead (returns None)."""
        return assignment.move_up(self.ctx, w, key, why, actor_role=actor_role)

    def recompute_deadlines(self, w: Writer, key: str, cal: WorkCalendar, loaded: Arrangement) -> bool:
        """Recount a provisional case's deadlines after a holiday year was loaded (never earlier)."""
        return assignment.recompute_deadlines(self.ctx, w, key, cal, loaded)

    # -- timers ------------------------------------------------------------------------------
    def on_timer(self, w: Writer, case_key: str, kind: str) -> None:
        """A due SLA timer (``respond_warn|respond_breach|resolve_warn|resolve_breach``) takes effect.

        A warning marks the case ``warned`` and tells the organisation; a breach of a case still with
        its organisation escalates it one level, then tells everyone concerned.
        """
        view = dict(w.view("case", case_key))
        clock = kind.split("_")[0]
        if kind.endswith("_warn"):
            w.server_put("case", case_key, "warned", kind)
            self.notifier.deadline_warning(w, case_key, view, clock)
            return
        escalated_to: str | None = None
        if view.get("status") in WITH_ORG:
            why = "超过受理期限未答复" if kind == "respond_breach" else "超过调解期限未办结"
            decision = self.escalate(w, case_key, why)
            if decision is not None and decision.org_id:
                org = self.registry(session_of(w)).org(decision.org_id)
                escalated_to = org.name if org else decision.org_id
        self.notifier.deadline_breached(w, case_key, view, clock, escalated_to)


__all__ = ["Notifier", "NullNotifier", "RoutingService"]
