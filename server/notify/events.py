"""What happened to a case → who hears of it: an inbox record that syncs, plus queued Web Pushes,
plus a text message for whom push cannot reach.

Called by routing and the workflow inside their sync unit of work (a :class:`Writer` over an
:class:`SqlStore`): the ``notification`` records go through the op log and the ``push_deliveries``
and ``sms_deliveries`` rows into the same transaction, so a notice exists exactly when the change
that caused it does. Sending happens later, off the request path (``delivery.py``).

SMS goes to a staff user with a phone number and no push subscription (a feature-phone mediator)
for the events that push to staff, and on a status change to the applicants of a case that a grid
worker filed on a villager's behalf (by the phone on the party record). It says the case code and
what happened, nothing more (``sms.sms_content``).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal, cast, get_args
from zoneinfo import ZoneInfo

from sqlalchemy import exists, insert, select
from sqlalchemy.orm import Session

from server.accounts.models import User
from server.db import utcnow
from server.notify import sms, webpush
from server.notify.models import PushDelivery, PushSubscriptionRow
from server.notify.webpush import MAX_TTL, NotificationText, Urgency
from server.registry.models import Mediator, Org
from server.sync.service import Writer
from server.sync.store import SqlStore
from server.vocabulary import CATEGORY_NAMES_ZH

__all__ = [
    "Events",
    "case_assigned",
    "deadline_breached",
    "deadline_warning",
    "new_key",
    "notify_users",
    "status_changed",
]

DAY = 24 * 3600
_SHANGHAI = ZoneInfo("Asia/Shanghai")  # deadlines are quoted in local time
_URGENCIES = get_args(webpush.Urgency)
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_key(now_ms: int) -> str:
    """A ULID (26 chars): sorts by creation time, so an inbox ordered by key is newest-last."""
    n = (now_ms & (2**48 - 1)) << 80 | secrets.randbits(80)
    return "".join(_CROCKFORD[(n >> (5 * i)) & 31] for i in reversed(range(26)))


def _session(w: Writer) -> Session:
    if not isinstance(w.store, SqlStore):
        raise TypeError("notifications need the SQL op store (push deliveries are SQL rows)")
    return w.store.s


def _iso(now_ms: int) -> str:
    # What the PWA parses with Date.parse for the inbox's order and time.
    at = datetime.fromtimestamp(now_ms / 1000, UTC)
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def notify_users(
    w: Writer,
    user_ids: Iterable[str],
    text: NotificationText,
    *,
    case_key: str | None,
    ttl: int,
    urgency: str,
    kind: str,
) -> None:
    """One inbox record per distinct user, and one queued push per subscription of that user."""
    if urgency not in _URGENCIES:  # caught here, at the caller, rather than as a failed delivery later
        raise ValueError(f"unknown urgency {urgency!r}")
    users = list(dict.fromkeys(u for u in user_ids if u))
    if not users:
        return
    s = _session(w)
    # The queue runs on the wall clock, not the unit of work's (a timer may fire with a logical now).
    queued_at = utcnow()
    payload = {**text.to_payload(), "kind": kind}
    for user in users:
        key = new_key(w.now_ms)
        value = {
            "user": user,
            "case": case_key,
            "kind": kind,
            "title": text.title,
            "body": text.body,
            "url": text.url,
            "at": _iso(w.now_ms),
        }
        w.server_create("notification", key, value, root=f"n:{key}")
    subs = s.scalars(select(PushSubscriptionRow.id).where(PushSubscriptionRow.user_id.in_(users))).all()
    if subs:
        s.execute(
            insert(PushDelivery),
            [
                {
                    "subscription_id": sid,
                    "payload": payload,
                    "ttl": max(0, min(ttl, MAX_TTL)),
                    "urgency": urgency,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": queued_at,
                    "created_at": queued_at,  # the worker counts the TTL down from here
                }
                for sid in sorted(subs)
            ],
        )


def _sms_staff(w: Writer, user_ids: Iterable[str], text: NotificationText) -> None:
    """A text to each of these staff users who has a phone number and no push subscription."""
    users = list(dict.fromkeys(u for u in user_ids if u))
    if not users:
        return
    s = _session(w)
    rows = s.execute(
        select(User.id, User.phone)
        .where(
            User.id.in_(users),
            User.role != "citizen",
            User.disabled.is_(False),
            User.phone.is_not(None),
            ~exists().where(PushSubscriptionRow.user_id == User.id),
        )
        .order_by(User.id)
    ).all()
    sms.queue(
        s, [(uid, phone) for uid, phone in rows if phone], sms.sms_content(text), text.kind, ttl=text.ttl
    )


def _applicant_phones(w: Writer, case_key: str) -> list[str]:
    """The phones on the case's ``applicant`` party records, those written in this unit of work too."""
    rids = {rid for rid in w.store.records_of(case_key) if rid[0] == "party"}
    rids |= {rid for rid, rec in w.records.items() if rid[0] == "party" and rec.root == case_key}
    phones = []
    for rid in sorted(rids):
        party = w.view(*rid)
        phone = party.get("phone")
        if party.get("case") == case_key and party.get("role") == "applicant" and isinstance(phone, str):
            phones.append(phone)
    return phones


def _sms_applicants(w: Writer, case_key: str, view: Mapping[str, Any], text: NotificationText) -> None:
    """A text to the applicants when a grid worker filed the case for them (they may have no app)."""
    filer = _str(view.get("filer"))
    if filer is None:
        return
    s = _session(w)
    if s.scalar(select(User.role).where(User.id == filer)) != "grid_worker":
        return
    phones = _applicant_phones(w, case_key)
    sms.queue(s, [(None, p) for p in phones], sms.sms_content(text), text.kind, ttl=text.ttl)


# -- who --------------------------------------------------------------------------------------


def _str(value: Any) -> str | None:
    if isinstance(value, Mapping):  # tolerate {"id": …} shapes from routing
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def _mediator_user(s: Session, view: Mapping[str, Any]) -> list[str]:
    mediator = _str(view.get("mediator"))
    if mediator is None:
        return []
    user = s.scalar(select(Mediator.user_id).where(Mediator.id == mediator))
    return [user] if user else []


def _org_admins(s: Session, org_id: str | None) -> list[str]:
    if not org_id:
        return []
    rows = s.scalars(
        select(User.id)
        .where(User.role == "org_admin", User.org_id == org_id, User.disabled.is_(False))
        .order_by(User.id)
    )
    return list(rows)


def _code(case_key: str, view: Mapping[str, Any]) -> str:
    return _str(view.get("code")) or case_key


def _what(kind: str) -> Literal["respond", "resolve"]:
    if kind not in ("respond", "resolve"):
        raise ValueError(f"deadline kind must be 'respond' or 'resolve', not {kind!r}")
    return cast(Literal["respond", "resolve"], kind)


def _due(value: Any) -> datetime | None:
    """A ``respond_by``/``resolve_by`` as routing stores it: ISO 8601 text or epoch milliseconds."""
    if isinstance(value, datetime):
        due = value
    elif isinstance(value, str):
        try:
            due = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    elif isinstance(value, int | float) and not isinstance(value, bool):
        due = datetime.fromtimestamp(value / 1000, UTC)
    else:
        return None
    return due if due.tzinfo is not None else due.replace(tzinfo=UTC)


# -- events -----------------------------------------------------------------------------------


def case_assigned(w: Writer, case_key: str, view: Mapping[str, Any], *, texts: bool = True) -> None:
    """A case reached an organisation: its assigned mediator (if any) and its org admins (by SMS,
    when ``texts``, those of them with a phone and no push subscription)."""
    category = CATEGORY_NAMES_ZH.get(str(view.get("category") or ""))
    text = webpush.new_assignment(
        case_key, _code(case_key, view), str(view.get("summary") or ""), category_name=category
    )
    _tell_handlers(w, case_key, view, text, ttl=DAY, urgency="normal", texts=texts)


def deadline_warning(
    w: Writer, case_key: str, view: Mapping[str, Any], kind: str, *, texts: bool = True
) -> None:
    """An SLA deadline (``kind`` respond|resolve) is near: the mediator and the org admins (texts
    as for ``case_assigned``)."""
    what = _what(kind)
    code = _code(case_key, view)
    due = _due(view.get(f"{what}_by"))
    if due is not None:
        text = webpush.deadline_warning(case_key, code, what, due.astimezone(_SHANGHAI))
    else:  # no stored deadline to quote: the same notice without the time
        text = NotificationText(
            kind="deadline_warning",
            title=f"案件即将超期：{code}",
            body="请尽快处理。",
            url=f"/cases/{case_key}",
            tag=f"case:{case_key}:deadline",
        )
    # A warning is moot once the deadline passed (the breach notice counts then): never keep it longer.
    ttl = min(DAY, text.ttl) if due is not None else DAY
    _tell_handlers(w, case_key, view, text, ttl=ttl, texts=texts)


def deadline_breached(
    w: Writer,
    case_key: str,
    view: Mapping[str, Any],
    kind: str,
    escalated_to: str | None,
    *,
    texts: bool = True,
) -> None:
    """A deadline passed. ``view`` is the case before any escalation: its ``org`` is the one that
    missed the deadline, whose admins (and the mediator) hear of it. ``escalated_to`` is an org id
    or a name; ids are shown by their name."""
    s = _session(w)
    target = None
    if escalated_to:
        target = s.scalar(select(Org.name).where(Org.id == escalated_to)) or escalated_to
    text = webpush.breach(case_key, _code(case_key, view), _what(kind), escalated_to=target)
    _tell_handlers(w, case_key, view, text, ttl=text.ttl, texts=texts)


def _tell_handlers(
    w: Writer,
    case_key: str,
    view: Mapping[str, Any],
    text: NotificationText,
    *,
    ttl: int,
    texts: bool,
    urgency: Urgency = "high",
) -> None:
    """The case's mediator and its organisation's admins: inbox and a push (kept ``ttl`` seconds),
    and a text to those push cannot reach when ``texts``."""
    s = _session(w)
    users = _mediator_user(s, view) + _org_admins(s, _str(view.get("org")))
    notify_users(w, users, text, case_key=case_key, ttl=ttl, urgency=urgency, kind=text.kind)
    if texts:
        _sms_staff(w, users, text)


def status_changed(
    w: Writer,
    case_key: str,
    view: Mapping[str, Any],
    old: str | None,
    new: str,
    *,
    reason: str | None = None,
    texts: bool = True,
) -> None:
    """The case moved from ``old`` to ``new``: its filer and everyone following it by QR; by SMS
    (when ``texts``) the applicants when a grid worker filed for them. ``reason`` (e.g. where a
    declined case went and why) replaces the stock hint."""
    if old == new:
        return
    code = _code(case_key, view)
    text = _status_text(case_key, code, new, reason)
    filer = _str(view.get("filer"))
    notify_users(
        w, [filer] if filer else [], text, case_key=case_key, ttl=3 * DAY, urgency="normal", kind=text.kind
    )
    # A QR follower reads the trace page only: its notice opens /t/{code} (the PWA keeps the token)
    # and says what happened without the free-text reason, which is for the parties and staff.
    followers = sorted(w.store.followers(case_key) - {filer})
    if followers:
        plain = replace(_status_text(case_key, code, new, None), url=f"/t/{code}")
        notify_users(w, followers, plain, case_key=case_key, ttl=3 * DAY, urgency="normal", kind=plain.kind)
    if texts:
        _sms_applicants(w, case_key, view, text)


def _status_text(case_key: str, code: str, new: str, reason: str | None) -> NotificationText:
    """The status-change notice (a stock text for a state without a citizen-facing one)."""
    try:
        return webpush.status_change(case_key, code, new, reason=reason)
    except ValueError:  # a state without a citizen-facing text: say only that it changed
        return NotificationText(
            kind="status",
            title=f"您的案件 {code} 有新进展",
            body="点击查看详情。",
            url=f"/cases/{case_key}",
            tag=f"case:{case_key}:status",
        )


@dataclass(frozen=True)
class Events:
    """Routing's ``Notifier`` in the app: the events above, with texts only when ``texts`` (False
    for ``JIEFEN_SMS_GATEWAY=off``; the composition root decides it once, from the settings)."""

    texts: bool = True

    def case_assigned(self, w: Writer, case_key: str, view: Mapping[str, Any]) -> None:
        case_assigned(w, case_key, view, texts=self.texts)

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
        status_changed(w, case_key, view, old, new, reason=reason, texts=self.texts)

    def deadline_warning(self, w: Writer, case_key: str, view: Mapping[str, Any], kind: str) -> None:
        deadline_warning(w, case_key, view, kind, texts=self.texts)

    def deadline_breached(
        self, w: Writer, case_key: str, view: Mapping[str, Any], kind: str, escalated_to: str | None
    ) -> None:
        deadline_breached(w, case_key, view, kind, escalated_to, texts=self.texts)
