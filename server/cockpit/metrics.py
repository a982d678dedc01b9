"""The cockpit's five figures, as pure functions over counted rows (docs/cockpit.md).

Every figure is computed over a *cohort*: the cases filed in the period (``cases.created_at``, the
filing time). A case is counted by its current status, plus one fact from its history: whether an
organisation ever accepted it (``mediated``, an ``accepted`` event on its timeline). The SQL side
(``queries.py``) only counts cases by (group, status, mediated); everything below is arithmetic on
those counts, so it is table-tested on hand-made inputs (tests/test_cockpit_metrics.py).

Status sets (server/routing/transitions.py holds the workflow):

- ``SUCCESS`` — mediation reached an agreement that still stands: ``resolved``,
  ``confirmation_requested`` (the agreement is before the court), ``confirmed`` (司法确认).
- ``FAILURE`` — mediation ended without a standing agreement: ``failed``, ``confirmation_denied``
  (the court refused to confirm the agreement), and the litigation states that can only follow
  either of them, ``filing_requested`` and ``filed``.
- ``WITHDRAWN`` — the applicant withdrew (at any stage before an outcome).
- ``DECLINED_AT_TOP`` — ``declined`` as a *current* status: the system escalates a declined case,
  so a case stays ``declined`` only when no level above was left to take it.
- ``CLOSED`` = SUCCESS ∪ FAILURE ∪ WITHDRAWN ∪ DECLINED_AT_TOP; everything else
  (``submitted``, ``assigned``, ``accepted``, ``escalated``) is open.
- ``LITIGATION`` — ``filing_requested``, ``filed``: the dispute went on to a court filing (诉讼立案).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from server.vocabulary import OPEN_STATES

SUCCESS = frozenset({"resolved", "confirmation_requested", "confirmed"})
FAILURE = frozenset({"failed", "confirmation_denied", "filing_requested", "filed"})
WITHDRAWN = frozenset({"withdrawn"})
DECLINED_AT_TOP = frozenset({"declined"})
CLOSED = SUCCESS | FAILURE | WITHDRAWN | DECLINED_AT_TOP
OPEN = OPEN_STATES
LITIGATION = frozenset({"filing_requested", "filed"})
# A status that implies an organisation accepted the case at some point (the workflow allows no
# other path into it); ``withdrawn`` and the open states need the timeline to tell.
IMPLIES_MEDIATED = SUCCESS | FAILURE | frozenset({"accepted"})


@dataclass(frozen=True, slots=True)
class Tally:
    """``n`` cases of one group that are now in ``status``; ``mediated``: ever accepted."""

    status: str
    mediated: bool
    n: int


@dataclass(frozen=True, slots=True)
class Figures:
    """One group's counts and rates (rates in [0, 1], 4 decimals; None with no denominator)."""

    total: int  # 纠纷总数
    mediated: int  # cases an organisation accepted (先行调解)
    first_mediation_rate: float | None  # 先行调解率 = mediated / total
    success: int
    failure: int
    mediation_success_rate: float | None  # 诉前调解成功率 = success / (success + failure)
    closed: int
    settled: int  # success + withdrawn (调撤)
    settle_withdraw_rate: float | None  # 调撤率 = settled / closed
    litigation: int
    population: int | None
    litigation_per_10k: float | None  # 万人成讼率 = litigation / population × 10 000
    open: int


def ratio(num: int, den: int, digits: int = 4) -> float | None:
    """``num / den`` rounded, or None when there is nothing to divide by."""
    return round(num / den, digits) if den > 0 else None


def figures(tallies: Iterable[Tally], population: int | None = None) -> Figures:
    """The five figures of one group (the county, a town, a month) from its tallies.

    - 纠纷总数: every case of the cohort.
    - 先行调解率: cases accepted by a mediation organisation (``mediated``) / 纠纷总数. In this
      workflow a court step (confirmation, filing) can only follow a mediation outcome, so every
      accepted case was mediated before any court step; a case withdrawn or declined before anyone
      accepted it, and a case still waiting, does not count as mediated.
    - 诉前调解成功率: SUCCESS / (SUCCESS + FAILURE). Both sets imply acceptance, so this is over
      mediated cases with an outcome; withdrawn and open cases are left out.
    - 调撤率: (SUCCESS + WITHDRAWN) / CLOSED.
    - 万人成讼率: LITIGATION / population × 10 000 (not annualised: it is per the period asked
      for). None without a population.
    """
    total = mediated = success = failure = closed = withdrawn = litigation = open_ = 0
    for t in tallies:
        total += t.n
        if t.mediated or t.status in IMPLIES_MEDIATED:
            mediated += t.n
        if t.status in SUCCESS:
            success += t.n
        if t.status in FAILURE:
            failure += t.n
        if t.status in CLOSED:
            closed += t.n
        if t.status in WITHDRAWN:
            withdrawn += t.n
        if t.status in LITIGATION:
            litigation += t.n
        if t.status not in CLOSED:
            open_ += t.n
    per_10k = round(litigation / population * 10_000, 2) if population else None
    return Figures(
        total=total,
        mediated=mediated,
        first_mediation_rate=ratio(mediated, total),
        success=success,
        failure=failure,
        mediation_success_rate=ratio(success, success + failure),
        closed=closed,
        settled=success + withdrawn,
        settle_withdraw_rate=ratio(success + withdrawn, closed),
        litigation=litigation,
        population=population or None,
        litigation_per_10k=per_10k,
        open=open_,
    )


def town_of(region: str | None) -> str | None:
    """The township (乡镇/街道) code of a 12-digit village or town code: first 9 digits + ``000``."""
    if not region or len(region) != 12 or not region.isdigit() or region[6:9] == "000":
        return None
    return region[:9] + "000"


__all__ = [
    "CLOSED",
    "FAILURE",
    "LITIGATION",
    "OPEN",
    "SUCCESS",
    "WITHDRAWN",
    "Figures",
    "Tally",
    "figures",
    "ratio",
    "town_of",
]
