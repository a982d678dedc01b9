"""Routing and workflow applied to the op log: the sync ``Hooks`` of the server.

- A case filed through sync is classified and routed in the same transaction that stores it; the
  decision is written as server ops (so the filer's phone learns its organisation on the same pull).
- Intents (accept, decline, resolve…, pause/resume, category corrections) are checked against the
  transition table and the current state; a refused intent comes back to the client as a rejection.
- Every move writes a timeline record, updates the SLA timers and tells the people concerned.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import update
from sqlalchemy.orm import Session

from server.accounts.principal import Principal
from server.db import Database
from server.registry.models import Mediator as MediatorRow
from server.routing import sla, transitions
from server.routing.calendar_store import CalendarCache
from server.routing.config import RoutingConfig
from server.routing.holidays import Arrangement, WorkCalendar
from server.routing.models import CategoryCorrection
from server.routing.registry_view import DbRegistry, load_orgs
from server.routing.route import CaseFacts, Registry, RoutingDecision, escalate, route
from server.routing.rulebook import Rulebook
from server.routing.timers import plan_timers
from server.sync.ops import Op, Rejection
from server.sync.service import Writer
from server.sync.store import SqlStore
from server.vocabulary import CATEGORY_NAMES_ZH, WITH_ORG


class Notifier(Protocol):
    def case_assigned(self, w: Writer, case_key: str, view: Mapping[str, Any]) -> None: ...
    def status_changed(
        self,
        w: Writer,
        case_key: str,
        view: Mapping[str, Any],
        old: str,
        new: str,
        *,
        reason: str | None = None,
    ) -> None:
        """Tell the parties the case moved ``old`` → ``new``; ``reason`` replaces the stock hint."""
        ...

    def deadline_warning(self, w: Writer, case_key: str, view: Mapping[str, Any], kind: str) -> None: ...
    def deadline_breached(
        self, w: Writer, case_key: str, view: Mapping[str, Any], kind: str, escalated_to: str | None
    ) -> None: ...


class NullNotifier:
    def case_assigned(self, w: Writer, case_key: str, view: Mapping[str, Any]) -> None:
        pass

    def status_changed(
        self,
        w: Writer,
        case_key: str,
        view: Mapping[str, Any],
        old: str,
        new: str,
        *,
        reason: str | None = None,
    ) -> None:
        pass

    def deadline_warning(self, w: Writer, case_key: str, view: Mapping[str, Any], kind: str) -> None:
        pass

    def deadline_breached(
        self, w: Writer, case_key: str, view: Mapping[str, Any], kind: str, escalated_to: str | None
    ) -> None:
        pass


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt else None


def _dt(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


class RoutingService:
    def __init__(
        self,
        db: Database,
        config: RoutingConfig | None = None,
        notifier: Notifier | None = None,
        clock: Any = None,
    ) -> None:
        self.db = db
        self.config = config or RoutingConfig()
        self.notifier: Notifier = notifier or NullNotifier()
        self.rules = Rulebook()
        self.calendars = CalendarCache()
        self._orgs: Registry | None = None
        self._lock = threading.Lock()
        # Effects use the unit of work's time (a request's, or the timer scan's); tests may pin a clock.
        self.clock: Any = clock

    def now(self, w: Writer | None = None) -> datetime:
        if self.clock is not None:
            return self.clock()  # type: ignore[no-any-return]
        if w is not None:
            return datetime.fromtimestamp(w.now_ms / 1000, UTC)
        return datetime.now(UTC)

    # -- registry --------------------------------------------------------------------------
    def registry(self, s: Session) -> DbRegistry:
        with self._lock:
            if self._orgs is None:
                self._orgs = Registry(load_orgs(s), [])
            return DbRegistry(self._orgs, s)

    def refresh_registry(self) -> None:
        with self._lock:
            self._orgs = None

    # -- sync hooks --------------------------------------------------------------------------
    def after_batch(self, w: Writer, new_cases: set[str], touched_cases: set[str]) -> None:
        for key in sorted(new_cases | touched_cases):
            view = w.view("case", key)
            if view.get("status") == "submitted" and not view.get("org") and _complete(view):
                self.route_new(w, key)

    def on_intent(self, w: Writer, p: Principal, op: Op, case: Mapping[str, Any]) -> Rejection | None:
        value = op.value if isinstance(op.value, dict) else {}
        if op.field == "transition":
            return self._transition(w, p, op, case, value)
        if op.field in ("pause", "resume"):
            return self._pause(w, p, op, case, value, pause=op.field == "pause")
        if op.field == "correct_category":
            return self._correct(w, p, op, case, value)
        return Rejection(op.id, "not_supported", "服务器暂不支持此操作")

    # -- routing -----------------------------------------------------------------------------
    def route_new(self, w: Writer, key: str) -> None:
        s = _session(w)
        view = w.view("case", key)
        text = f"{view.get('summary', '')}。{view.get('description', '')}"
        guess = self.rules.current(s).classify(text)
        chosen = view.get("category")
        if chosen:
            reason = f"申请人选择：{CATEGORY_NAMES_ZH.get(chosen, chosen)}"
            if guess.category != chosen:
                reason += (
                    f"（系统建议：{CATEGORY_NAMES_ZH.get(guess.category, guess.category)}，{guess.reason}）"
                )
            category = chosen
        else:
            category, reason = guess.category, guess.reason
            w.server_put("case", key, "category", category)
        w.server_put("case", key, "category_reason", reason)
        w.server_put("case", key, "category_confidence", round(guess.confidence, 3))
        decision = route(_facts(view, category), self.registry(s), self.config)
        self._timeline(w, key, "submitted", None, "submitted", None, "system", "案件已提交")
        self._assign(w, key, decision, from_state="submitted")

    def _assign(self, w: Writer, key: str, d: RoutingDecision, *, from_state: str) -> None:
        now = self.now(w)
        view = w.view("case", key)
        reasons = "；".join(d.reasons)
        if d.org_id is None:
            w.server_put("case", key, "routing_reason", reasons)
            return
        old_mediator = view.get("mediator")
        category = str(view.get("category") or "other")
        dl = sla.deadlines(d.level, category, now, self.config, cal=self._cal(w))
        for f, v in (
            ("level", d.level),
            ("org", d.org_id),
            ("mediator", d.mediator_id),
            ("routing_reason", reasons),
            ("assigned_at", now.isoformat()),
            ("respond_by", _iso(dl.respond_by)),
            ("resolve_by", _iso(dl.resolve_by)),
            ("status", "assigned"),
        ):
            w.server_put("case", key, f, v)
        self._provisional(w, key, dl)
        self._load(w, old_mediator, -1)
        self._load(w, d.mediator_id, +1)
        public = d.public_reasons
        if from_state == "escalated":
            public = public[1:]  # the first (why it climbed) is already the escalated event's reason
        self._timeline(
            w, key, "assigned", from_state, "assigned", None, "system", "；".join(public), org=d.org_id,
            **({"provisional": dl.provisional} if dl.provisional else {}),
        )  # fmt: skip
        self._replan(w, key, restart=True)
        self.notifier.case_assigned(w, key, w.view("case", key))

    def _load(self, w: Writer, mediator_id: Any, delta: int) -> None:
        if mediator_id:
            _session(w).execute(
                update(MediatorRow)
                .where(MediatorRow.id == mediator_id)
                .values(open_cases=MediatorRow.open_cases + delta)
            )

    def escalate(
        self, w: Writer, key: str, why: str, *, actor_role: str = "system"
    ) -> RoutingDecision | None:
        """Move a case one level up; at the top, suggest court filing instead (returns None)."""
        view = w.view("case", key)
        s = _session(w)
        d = escalate(
            _facts(view, str(view.get("category") or "other")),
            str(view.get("level") or "village"),
            self.registry(s),
            self.config,
            why,
        )
        old = str(view.get("status"))
        if d is None or d.level == "court" or d.org_id is None:
            reason = "；".join(d.reasons) if d else f"{why}，已无更高层级"
            self._timeline(w, key, "filing_suggested", old, old, None, actor_role, reason)
            return None
        w.server_put("case", key, "status", "escalated")
        self._timeline(w, key, "escalated", old, "escalated", None, actor_role, d.reasons[0])
        self._assign(w, key, d, from_state="escalated")
        return d

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
                org = self.registry(_session(w)).org(decision.org_id)
                escalated_to = org.name if org else decision.org_id
        self.notifier.deadline_breached(w, case_key, view, clock, escalated_to)

    # -- intents -----------------------------------------------------------------------------
    def _transition(
        self, w: Writer, p: Principal, op: Op, case: Mapping[str, Any], value: Mapping[str, Any]
    ) -> Rejection | None:
        to = str(value.get("to", ""))
        old = str(case.get("status", "submitted"))
        role = "citizen" if p.role == "admin" else p.role
        is_filer = case.get("filer") == p.user_id
        assigned = p.role == "admin" or (p.org_id is not None and p.org_id == case.get("org"))
        case_court = p.role == "court_clerk" and p.org_id is not None and p.org_id == case.get("court_org")
        if p.role == "admin":
            role = "org_admin"
        refusal = transitions.check_transition(
            old, to, role, is_filer, assigned, value, is_case_court=case_court
        )
        if refusal is not None:
            return Rejection(op.id, refusal.code, refusal.message_zh)
        key = op.key
        reason = str(value.get("reason") or value.get("agreement") or "")
        now = self.now(w)
        if to == "escalated":
            w.server_put("case", key, "status", "escalated")
            if self.escalate(w, key, f"因{reason}" if reason else "", actor_role=p.role) is None:
                w.server_put("case", key, "status", old)
            self.notifier.status_changed(w, key, w.view("case", key), old, "escalated")
            return None
        w.server_put("case", key, "status", to)
        extra: dict[str, Any] = {k: value[k] for k in ("agreement", "ruling", "docket_no") if value.get(k)}
        self._timeline(w, key, to, old, to, p, p.role, reason, **extra)
        if to == "accepted":
            w.server_put("case", key, "accepted_at", now.isoformat())
            if not case.get("mediator") and p.mediator_id:
                w.server_put("case", key, "mediator", p.mediator_id)
                self._load(w, p.mediator_id, +1)
            dl = sla.deadlines(
                str(case.get("level")),
                str(case.get("category") or "other"),
                _dt(case.get("assigned_at")) or now,
                self.config,
                accepted_at=now,
                cal=self._cal(w),
            )
            w.server_put("case", key, "respond_by", None)
            w.server_put("case", key, "resolve_by", _iso(dl.resolve_by))
            self._provisional(w, key, dl)
        elif to in ("confirmation_requested", "filing_requested"):
            court = self._court(w, str(case.get("region") or ""))
            stage: sla.Stage = "confirmation" if to == "confirmation_requested" else "filing"
            dl = sla.deadlines(
                "court", str(case.get("category") or "other"), now, self.config, stage=stage, cal=self._cal(w)
            )
            w.server_put("case", key, "court_org", court)
            w.server_put("case", key, "requested_at", now.isoformat())
            w.server_put("case", key, "respond_by", _iso(dl.respond_by))
            w.server_put("case", key, "resolve_by", _iso(dl.resolve_by))
            self._provisional(w, key, dl)
        elif to in transitions.TERMINAL or to in ("resolved", "failed", "confirmation_denied"):
            w.server_put("case", key, "respond_by", None)
            w.server_put("case", key, "resolve_by", None)
            if case.get("deadline_provisional"):
                w.server_put("case", key, "deadline_provisional", None)
            if old in WITH_ORG:
                self._load(w, case.get("mediator"), -1)
        self._replan(w, key)
        if to == "declined":
            # Declining at one level hands the case to the next: the parties read a move, not a refusal.
            moved = self.escalate(w, key, "调解组织不予受理")
            if moved is not None and moved.org_id is not None:
                name = self._org_name(w, moved.org_id)
                why = f"原调解组织未受理（{reason}），" if reason else ""
                self.notifier.status_changed(
                    w, key, w.view("case", key), old, "escalated", reason=f"{why}案件已转交{name}继续调解。"
                )
                return None
        self.notifier.status_changed(w, key, w.view("case", key), old, to)
        return None

    def _org_name(self, w: Writer, org_id: str) -> str:
        org = self.registry(_session(w)).org(org_id)
        return org.name if org is not None else "上级调解组织"

    def _court(self, w: Writer, region: str) -> str | None:
        """The basic people's court of the case's county (the one its court moves belong to)."""
        for org in self.registry(_session(w)).orgs_at("court", region[:6], "court"):
            return org.id
        return None

    def _pause(
        self,
        w: Writer,
        p: Principal,
        op: Op,
        case: Mapping[str, Any],
        value: Mapping[str, Any],
        *,
        pause: bool,
    ) -> Rejection | None:
        if not _handles(p, case):
            return Rejection(op.id, "not_assigned_org", "该案件未分派给您所在的机构")
        if case.get("status") not in WITH_ORG:
            return Rejection(op.id, "not_allowed", "只有已分派或已受理的案件可以暂停计时")
        if bool(case.get("paused")) == pause:
            return Rejection(op.id, "not_allowed", "案件已暂停计时" if pause else "案件未在暂停中")
        now, key = self.now(w), op.key
        reason = str(value.get("reason") or "")
        if pause:
            w.server_put("case", key, "paused", True)
            w.server_put("case", key, "paused_at", now.isoformat())
            self._timeline(w, key, "paused", case.get("status"), case.get("status"), p, p.role, reason)
        else:
            since = _dt(case.get("paused_at")) or now
            for f in ("respond_by", "resolve_by"):
                due = _dt(case.get(f))
                if due is not None:
                    moved = sla.apply_pause(due, since, now, cal=self._cal(w))
                    w.server_put("case", key, f, _iso(moved))
            w.server_put("case", key, "paused", False)
            w.server_put("case", key, "paused_at", None)
            self._timeline(w, key, "resumed", case.get("status"), case.get("status"), p, p.role, reason)
        self._replan(w, key)
        return None

    def _correct(
        self, w: Writer, p: Principal, op: Op, case: Mapping[str, Any], value: Mapping[str, Any]
    ) -> Rejection | None:
        if not _handles(p, case):
            return Rejection(op.id, "not_assigned_org", "该案件未分派给您所在的机构")
        new = str(value["category"])
        reason = str(value.get("reason") or "")
        _session(w).add(
            CategoryCorrection(
                case_key=op.key,
                from_category=case.get("category"),
                to_category=new,
                reason=reason,
                text=f"{case.get('summary', '')}。{case.get('description', '')}",
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
        self._timeline(
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

    # -- timeline and timers -----------------------------------------------------------------
    def _timeline(
        self,
        w: Writer,
        key: str,
        event: str,
        frm: Any,
        to: Any,
        p: Principal | None,
        actor_role: str,
        reason: str,
        **extra: Any,
    ) -> None:
        # Events of one unit of work share its time; a microsecond apiece keeps their order on sort.
        n = w.counters["timeline"] = w.counters.get("timeline", 0) + 1
        at = self.now(w) + timedelta(microseconds=n)
        value = {
            "case": key,
            "event": event,
            "from": frm,
            "to": to,
            "actor": p.user_id if p else "system",
            "actor_name": p.name if p and p.is_staff else "",
            "actor_role": actor_role,
            "reason": reason,
            "at": at.isoformat(),
            **extra,
        }
        w.server_create("timeline", f"tl-{secrets.token_hex(10)}", value, root=key)

    def _replan(self, w: Writer, key: str, *, restart: bool = False) -> None:
        plan_timers(
            _session(w),
            key,
            w.view("case", key),
            self.now(w),
            self.config.warn_fraction,
            restart=restart,
            cal=self._cal(w),
        )

    # -- the working-day calendar --------------------------------------------------------------
    def _cal(self, w: Writer) -> WorkCalendar:
        return self.calendars.current(_session(w))

    def _provisional(self, w: Writer, key: str, dl: sla.Deadlines) -> None:
        if dl.provisional or w.view("case", key).get("deadline_provisional"):
            w.server_put("case", key, "deadline_provisional", dl.provisional)

    def recompute_deadlines(self, w: Writer, key: str, cal: WorkCalendar, loaded: Arrangement) -> bool:
        """Recount a case's provisional deadlines with ``cal`` after ``loaded`` was stored.

        A deadline only moves later (DESIGN §11: never earlier than promised); the provisional note
        stays while another year the periods touch is still unloaded.  Returns whether it changed.
        """
        view = w.view("case", key)
        status = view.get("status")
        assigned_at = _dt(view.get("assigned_at"))
        if not view.get("deadline_provisional") or assigned_at is None:
            return False
        category = str(view.get("category") or "other")
        if status in ("confirmation_requested", "filing_requested"):
            stage: sla.Stage = "confirmation" if status == "confirmation_requested" else "filing"
            start = _dt(view.get("requested_at")) or assigned_at
            dl = sla.deadlines("court", category, start, self.config, stage=stage, cal=cal)
        elif status in WITH_ORG:
            accepted = _dt(view.get("accepted_at")) if status == "accepted" else None
            dl = sla.deadlines(
                str(view.get("level")), category, assigned_at, self.config, accepted_at=accepted, cal=cal
            )
        else:
            w.server_put("case", key, "deadline_provisional", None)
            return True
        moved: dict[str, str | None] = {}
        for name, fresh in (("respond_by", dl.respond_by), ("resolve_by", dl.resolve_by)):
            old = _dt(view.get(name))
            if old is not None and fresh > old:
                moved[name] = _iso(fresh)
                w.server_put("case", key, name, moved[name])
        w.server_put("case", key, "deadline_provisional", dl.provisional)
        why = f"已载入{loaded.year}年放假安排（{loaded.source}），" + (
            "期限按新的工作日重新计算" if moved else "期限不变"
        )
        if dl.provisional:
            why += "；" + dl.provisional
        self._timeline(w, key, "deadline_recomputed", None, None, None, "system", why, **moved)
        self._replan(w, key)
        return True


def _complete(view: Mapping[str, Any]) -> bool:
    return bool(view.get("summary")) and len(str(view.get("region") or "")) == 12 and bool(view.get("code"))


def _facts(view: Mapping[str, Any], category: str) -> CaseFacts:
    amount = view.get("amount")
    return CaseFacts(
        region=str(view["region"]),
        category=category,
        channel=str(view.get("channel") or "online"),
        amount=float(amount) if isinstance(amount, int | float) else None,
        applicants=int(view.get("applicants") or 1),
    )


def _handles(p: Principal, case: Mapping[str, Any]) -> bool:
    return p.role == "admin" or (p.role in ("mediator", "org_admin") and p.org_id == case.get("org"))


def _session(w: Writer) -> Session:
    store = w.store
    assert isinstance(store, SqlStore), "routing runs on the SQL store"
    return store.s


__all__ = ["NullNotifier", "RoutingService"]
