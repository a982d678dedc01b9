"""Hybrid logical clock: canonical strings, their order, and a clock that never goes backwards."""

from __future__ import annotations

import itertools

import pytest

from server.sync.hlc import (
    MAX_COUNTER,
    MAX_SKEW_MS,
    Clock,
    Hlc,
    format_ts,
    is_too_far_ahead,
    parse_ts,
)

ME, OTHER = "phoneAAAA1", "phoneBBBB2"


@pytest.mark.parametrize(
    ("hlc", "text"),
    [
        (Hlc(0, 0, "abcdefgh"), "000000000000000:0000:abcdefgh"),
        (Hlc(1763779200000, 3, "r7k2-x_9Q"), "001763779200000:0003:r7k2-x_9Q"),
        (Hlc(10**15 - 1, 0xFFFF, "Z" * 64), f"{'9' * 15}:ffff:{'Z' * 64}"),
    ],
)
def test_format_and_parse_round_trip(hlc: Hlc, text: str) -> None:
    assert format_ts(hlc) == text
    assert parse_ts(text) == hlc


@pytest.mark.parametrize(
    "text",
    [
        "1763779200000:0003:abcdefgh",  # ms not padded to 15 digits
        "001763779200000:3:abcdefgh",  # counter not padded
        "001763779200000:000A:abcdefgh",  # uppercase hex would sort differently
        "001763779200000:0003:short",  # replica shorter than 8
        "001763779200000:0003:abc def gh",
        "٠٠١٧٦٣٧٧٩٢٠٠٠٠٠:0003:abcdefgh",  # non-ASCII digits
        "001763779200000:0003:abcdefgh:extra",
        "",
    ],
)
def test_parse_rejects_non_canonical(text: str) -> None:
    with pytest.raises(ValueError, match="HLC"):
        parse_ts(text)


@pytest.mark.parametrize(
    "hlc", [Hlc(-1, 0, "abcdefgh"), Hlc(10**15, 0, "abcdefgh"), Hlc(0, 0x10000, "abcdefgh"), Hlc(0, 0, "x")]
)
def test_format_refuses_out_of_range(hlc: Hlc) -> None:
    with pytest.raises(ValueError, match="out of range"):
        format_ts(hlc)


def test_string_order_is_ms_then_counter_then_replica() -> None:
    stamps = [
        Hlc(ms, c, r)
        for ms, c, r in itertools.product(
            [0, 9, 10, 999, 1000, 10**14],
            [0, 9, 0xA, 0xFF, 0x100],
            ["ZuluPhone", "alicePhone", "alicePhone2"],
        )
    ]
    by_tuple = sorted(stamps)
    by_string = sorted(stamps, key=format_ts)
    assert by_string == by_tuple


def test_tick_is_strictly_increasing_when_the_wall_clock_goes_backwards() -> None:
    times = iter([1000, 1000, 999, 500, 500, 1001, 2000, 1500])
    clock = Clock(ME, lambda: next(times))
    stamps = [clock.tick() for _ in range(8)]
    assert stamps == sorted(set(stamps))
    assert [parse_ts(s)[:2] for s in stamps] == [
        (1000, 0), (1000, 1), (1000, 2), (1000, 3), (1000, 4), (1001, 0), (2000, 0), (2000, 1),
    ]  # fmt: skip


def test_counter_overflow_borrows_the_next_millisecond() -> None:
    clock = Clock(ME, lambda: 1000)
    clock.observe(format_ts(Hlc(1000, MAX_COUNTER - 1, OTHER)))
    assert parse_ts(clock.tick())[:2] == (1000, MAX_COUNTER)
    assert parse_ts(clock.tick())[:2] == (1001, 0)
    assert parse_ts(clock.tick())[:2] == (1001, 1)


def test_observe_remote_ahead_makes_next_tick_greater() -> None:
    clock = Clock(ME, lambda: 1000)
    remote = format_ts(Hlc(5000, 3, OTHER))
    clock.observe(remote)
    ts = clock.tick()
    assert ts > remote
    assert parse_ts(ts) == Hlc(5000, 4, ME)


def test_observe_remote_behind_changes_nothing() -> None:
    clock = Clock(ME, lambda: 1000)
    first = clock.tick()
    clock.observe(format_ts(Hlc(10, 0xFFFF, OTHER)))
    assert parse_ts(clock.tick()) == Hlc(1000, 1, ME)
    assert clock.last is not None and clock.last > first


def test_observe_same_ms_and_counter_still_orders_after() -> None:
    clock = Clock(ME, lambda: 1000)
    remote = format_ts(Hlc(1000, 7, "zzzzzzzzzz"))  # a replica id sorting after ours
    clock.observe(remote)
    assert clock.tick() > remote


def test_resume_from_last_never_reuses_a_timestamp() -> None:
    first = Clock(ME, lambda: 5000)
    issued = [first.tick() for _ in range(3)]
    restarted = Clock(ME, lambda: 10, last=first.last)  # the phone's clock was reset
    assert restarted.tick() > issued[-1]


def test_clock_rejects_bad_replica_and_bad_remote() -> None:
    with pytest.raises(ValueError, match="replica"):
        Clock("bad id!", lambda: 0)
    with pytest.raises(ValueError, match="HLC"):
        Clock(ME, lambda: 0).observe("yesterday")


@pytest.mark.parametrize(
    ("ahead_ms", "too_far"),
    [(-86_400_000, False), (0, False), (MAX_SKEW_MS, False), (MAX_SKEW_MS + 1, True), (3 * 86_400_000, True)],
)
def test_skew_check(ahead_ms: int, too_far: bool) -> None:
    server_now = 1_763_779_200_000
    ts = format_ts(Hlc(server_now + ahead_ms, 0, ME))
    assert is_too_far_ahead(ts, server_now) is too_far
    assert is_too_far_ahead(ts, server_now, max_skew_ms=10**10) is False
