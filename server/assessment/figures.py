"""考核 figures per organisation and per mediator from case timelines (pure, no I/O).

A case's time with one organisation is a *stint*: it starts at an ``assigned`` timeline event
(which names the organisation and the mediator routing picked) and ends at the next ``escalated``
or ``assigned`` event, or at the end of the timeline. Per stint:

- received: 1;
- responded within the deadline: the organisation accepted or declined before any response
  deadline breach in the stint (a breach escalates the case, so a late answer cannot happen);
  the denominator is stints whose response is settled (answered or breached), not those still waiting;
- outcome: ``resolved`` (success) or ``failed`` in the stint; success % = resolved / outcomes;
- days to outcome: calendar days from the stint's assignment to its outcome (median);
- escalated out: the stint ended with an ``escalated`` event (declined, breached or passed up);
- SLA breaches: fired ``*_breach`` timers whose time falls within the stint;
- satisfaction: the mean of the ratings left on cases while with this organisation (mediator).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Event:
    """One timeline event that matters to 考核 (``assigned``, ``accepted``, ``resolved`` …), UTC."""

    event: str
    at: datetime
    org: str | None = None
    mediator: str | None = None


@dataclass(frozen=True)
class CaseHistory:
    """One case's events and fired breach timers, the input of ``stints``."""

    key: str
    events: Sequence[Event]
    """Sorted by ``at``."""
    breaches: Sequence[tuple[str, datetime]] = ()
    """Fired breach timers: (``respond_breach`` | ``resolve_breach``, when)."""
    mediator: str | None = None
    """The case's mediator now: the last stint's when its ``assigned`` event names none."""


@dataclass
class Figures:
    """Counters of one organisation or mediator (see the module docstring); rates derive from them."""

    received: int = 0
    answered: int = 0
    settled_response: int = 0
    success: int = 0
    failure: int = 0
    escalated_out: int = 0
    sla_breaches: int = 0
    ratings: int = 0
    stars: int = 0
    days: list[float] = field(default_factory=list)

    @property
    def responded_in_time_rate(self) -> float | None:
        """answered / settled responses in [0, 1], 4 decimals; None when none is settled."""
        return round(self.answered / self.settled_response, 4) if self.settled_response else None

    @property
    def success_rate(self) -> float | None:
        """success / (success + failure) in [0, 1], 4 decimals; None without outcomes."""
        n = self.success + self.failure
        return round(self.success / n, 4) if n else None

    @property
    def median_days(self) -> float | None:
        """Median calendar days from assignment to outcome, 1 decimal; None without outcomes."""
        return round(statistics.median(self.days), 1) if self.days else None

    @property
    def satisfaction(self) -> float | None:
        """Mean stars (1–5), 2 decimals; None without ratings."""
        return round(self.stars / self.ratings, 2) if self.ratings else None


@dataclass(frozen=True)
class Stint:
    """A case's time with one organisation (see the module docstring); times are UTC."""

    case: str
    org: str
    mediator: str | None
    start: datetime
    end: datetime | None
    answered: bool
    respond_breached: bool
    outcome: str | None
    outcome_at: datetime | None
    escalated_out: bool
    breaches: int


def stints(h: CaseHistory) -> list[Stint]:
    """The case's stints, in order (see the module docstring)."""
    out: list[Stint] = []
    starts = [i for i, e in enumerate(h.events) if e.event == "assigned" and e.org]
    # A breach fires, then escalates: it belongs to the stint it ends (the first that holds it).
    pending = sorted(h.breaches, key=lambda b: b[1])
    for n, i in enumerate(starts):
        first = h.events[i]
        stop = len(h.events)
        for j in range(i + 1, len(h.events)):
            if h.events[j].event in ("assigned", "escalated"):
                stop = j
                break
        inside = h.events[i + 1 : stop]
        end = h.events[stop].at if stop < len(h.events) else None
        outcome = next((e for e in inside if e.event in ("resolved", "failed")), None)
        breached = [(k, at) for k, at in pending if at >= first.at and (end is None or at <= end)]
        pending = [b for b in pending if b not in breached]
        last = n == len(starts) - 1
        out.append(
            Stint(
                case=h.key,
                org=str(first.org),
                mediator=first.mediator or (h.mediator if last else None),
                start=first.at,
                end=end,
                answered=any(e.event in ("accepted", "declined") for e in inside),
                respond_breached=any(k == "respond_breach" for k, _ in breached),
                outcome=outcome.event if outcome else None,
                outcome_at=outcome.at if outcome else None,
                escalated_out=stop < len(h.events) and h.events[stop].event == "escalated",
                breaches=len(breached),
            )
        )
    return out


def _add(f: Figures, s: Stint) -> None:
    f.received += 1
    if s.answered:
        f.answered += 1
    if s.answered or s.respond_breached:
        f.settled_response += 1
    if s.outcome == "resolved":
        f.success += 1
    elif s.outcome == "failed":
        f.failure += 1
    if s.outcome_at is not None:
        f.days.append((s.outcome_at - s.start).total_seconds() / 86400)
    f.escalated_out += int(s.escalated_out)
    f.sla_breaches += s.breaches


def assess(
    histories: Iterable[CaseHistory], ratings: Iterable[Mapping[str, Any]]
) -> tuple[dict[str, Figures], dict[str, Figures]]:
    """(figures per organisation id, figures per mediator id). ``ratings``: rows with ``org_id``,
    ``mediator_id`` and ``stars``."""
    orgs: dict[str, Figures] = {}
    mediators: dict[str, Figures] = {}
    for h in histories:
        for s in stints(h):
            _add(orgs.setdefault(s.org, Figures()), s)
            if s.mediator:
                _add(mediators.setdefault(s.mediator, Figures()), s)
    for r in ratings:
        for table, key in ((orgs, r.get("org_id")), (mediators, r.get("mediator_id"))):
            if key:
                f = table.setdefault(str(key), Figures())
                f.ratings += 1
                f.stars += int(r["stars"])
    return orgs, mediators
