"""The case timeline: one ``timeline`` record per event, written as a server op under the case."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from server.accounts.principal import Principal
from server.routing.context import RoutingContext
from server.sync.service import Writer


def record(
    ctx: RoutingContext,
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
    """Append ``event`` (status ``frm`` → ``to``) to case ``key``'s timeline.

    The actor is ``p`` (its name shown only for staff) or the system; ``extra`` carries the event's
    own fields (agreement, ruling, docket_no, org, category).
    """
    # Events of one unit of work share its time; a microsecond apiece keeps their order on sort.
    n = w.counters["timeline"] = w.counters.get("timeline", 0) + 1
    at = ctx.now(w) + timedelta(microseconds=n)
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
