"""The cockpit's figures as pure functions: exact numbers on small hand-made tallies."""

from __future__ import annotations

from datetime import date

import pytest

from server.cockpit.metrics import CLOSED, OPEN, Figures, Tally, figures, ratio, town_of
from server.cockpit.queries import month_starts
from server.routing.transitions import STATES


def T(status: str, n: int = 1, mediated: bool = False) -> Tally:
    return Tally(status, mediated, n)


def test_every_workflow_state_is_open_or_closed_exactly_once() -> None:
    assert set(STATES) == OPEN | CLOSED
    assert not OPEN & CLOSED


def test_nothing_filed_gives_zeros_and_no_rates() -> None:
    f = figures([], 10_000)
    assert f == Figures(
        total=0,
        mediated=0,
        first_mediation_rate=None,
        success=0,
        failure=0,
        mediation_success_rate=None,
        closed=0,
        settled=0,
        settle_withdraw_rate=None,
        litigation=0,
        population=10_000,
        litigation_per_10k=0.0,
        open=0,
    )


def test_a_mixed_cohort() -> None:
    tallies = [
        T("resolved", 5),
        T("confirmed", 2),
        T("confirmation_requested", 1),
        T("failed", 2),
        T("filing_requested", 1),
        T("filed", 1),
        T("confirmation_denied", 1),
        T("withdrawn", 2, mediated=True),  # withdrawn during mediation
        T("withdrawn", 1),  # withdrawn before anyone accepted it
        T("declined", 1),  # declined with no level left
        T("accepted", 2),
        T("assigned", 1, mediated=True),  # accepted at the village, then escalated and reassigned
        T("assigned", 3),
        T("submitted", 1),
    ]
    f = figures(tallies, population=20_000)
    assert f.total == 24
    # resolved 5 + confirmed 2 + conf_req 1 + failed 2 + filing 1 + filed 1 + denied 1 + accepted 2
    # + withdrawn-after-accept 2 + reassigned 1 = 18
    assert f.mediated == 18
    assert f.first_mediation_rate == 0.75
    assert (f.success, f.failure) == (8, 5)
    assert f.mediation_success_rate == round(8 / 13, 4) == 0.6154
    assert f.closed == 8 + 5 + 3 + 1 == 17
    assert f.settled == 8 + 3 == 11
    assert f.settle_withdraw_rate == round(11 / 17, 4) == 0.6471
    assert f.litigation == 2
    assert f.litigation_per_10k == 1.0
    assert f.open == 7


@pytest.mark.parametrize(
    ("tallies", "rates"),
    [
        # (先行调解率, 诉前调解成功率, 调撤率)
        ([T("resolved")], (1.0, 1.0, 1.0)),
        ([T("failed")], (1.0, 0.0, 0.0)),
        ([T("withdrawn")], (0.0, None, 1.0)),
        ([T("declined")], (0.0, None, 0.0)),
        ([T("submitted"), T("assigned")], (0.0, None, None)),
        ([T("accepted"), T("submitted")], (0.5, None, None)),
        ([T("resolved", 3), T("failed", 1)], (1.0, 0.75, 0.75)),
        ([T("resolved", 1), T("withdrawn", 1), T("declined", 1)], (round(1 / 3, 4), 1.0, round(2 / 3, 4))),
        ([T("confirmation_denied"), T("confirmed")], (1.0, 0.5, 0.5)),
    ],
)
def test_rates_table(tallies: list[Tally], rates: tuple[float | None, ...]) -> None:
    f = figures(tallies)
    assert (f.first_mediation_rate, f.mediation_success_rate, f.settle_withdraw_rate) == rates
    assert f.litigation_per_10k is None  # no population known


@pytest.mark.parametrize(
    ("litigation", "population", "expected"),
    [(0, 50_000, 0.0), (1, 130_803, 0.08), (3, 30_000, 1.0), (7, 640_000, 0.11), (1, 0, None)],
)
def test_litigation_per_10k(litigation: int, population: int, expected: float | None) -> None:
    f = figures([T("filed", litigation)] if litigation else [], population)
    assert f.litigation_per_10k == expected


def test_ratio_rounds_and_refuses_zero() -> None:
    assert ratio(1, 3) == 0.3333
    assert ratio(2, 3, 2) == 0.67
    assert ratio(0, 0) is None


@pytest.mark.parametrize(
    ("region", "town"),
    [
        ("330522001008", "330522001000"),
        ("330522001000", "330522001000"),
        ("330522000000", None),
        ("3305220010", None),
        (None, None),
        ("33052200100X", None),
    ],
)
def test_town_of(region: str | None, town: str | None) -> None:
    assert town_of(region) == town


def test_month_starts_cross_the_year_in_china_time() -> None:
    bounds = month_starts(date(2026, 2, 14), 3)
    assert [b.strftime("%Y-%m-%d %z") for b in bounds] == [
        "2025-12-01 +0800",
        "2026-01-01 +0800",
        "2026-02-01 +0800",
        "2026-03-01 +0800",
    ]
    assert len(month_starts(date(2026, 11, 27), 12)) == 13
