"""Hybrid logical clock (HLC) timestamps: ``{ms:015d}:{counter:04x}:{replica}``.

The fixed-width prefix makes string order equal to (ms, counter, replica) order, so any store or
client can compare timestamps as plain strings. Pure: the clock reads time only through the
``now_ms`` callable it is given.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

REPLICA_RE = r"[A-Za-z0-9_-]{8,64}"
MAX_MS = 10**15 - 1
MAX_COUNTER = 0xFFFF
# The server refuses ops stamped further ahead of its own clock than this (code ``clock_ahead``).
MAX_SKEW_MS = 5 * 60 * 1000

_TS = re.compile(rf"([0-9]{{15}}):([0-9a-f]{{4}}):({REPLICA_RE})")
_REPLICA = re.compile(REPLICA_RE)


class Hlc(NamedTuple):
    """A hybrid logical clock reading: Unix ms, a counter (0..0xFFFF) within that ms, and the
    replica that made it (breaks ties). Compares in that order."""

    ms: int
    counter: int
    replica: str


def is_replica(value: str) -> bool:
    """Whether ``value`` is a valid replica id (the third part of an HLC stamp)."""
    return _REPLICA.fullmatch(value) is not None


def parse_ts(s: str) -> Hlc:
    """Parse a timestamp string; raises ``ValueError`` unless it is in canonical form."""
    m = _TS.fullmatch(s)
    if m is None:
        raise ValueError(f"not an HLC timestamp: {s!r}")
    return Hlc(int(m[1]), int(m[2], 16), m[3])


def format_ts(hlc: Hlc) -> str:
    """An HLC as its sortable text ``mmmmmmmmmmmmmmm:cccc:replica``; ValueError when out of range."""
    ms, counter, replica = hlc
    if not 0 <= ms <= MAX_MS or not 0 <= counter <= MAX_COUNTER or not is_replica(replica):
        raise ValueError(f"HLC out of range: {hlc!r}")
    return f"{ms:015d}:{counter:04x}:{replica}"


def is_too_far_ahead(ts: str, server_now_ms: int, max_skew_ms: int = MAX_SKEW_MS) -> bool:
    """True when ``ts`` claims a physical time more than ``max_skew_ms`` after the server's clock.

    Without this bound a phone whose clock runs days ahead would win every last-writer-wins field
    for days, and the HLC would drag every replica that observes its ops into the future too.
    """
    return parse_ts(ts).ms - server_now_ms > max_skew_ms


class Clock:
    """One replica's HLC. ``tick()`` stamps a local event; ``observe()`` takes in a received one.

    Invariant: every ``tick()`` returns a timestamp strictly greater (as a string) than every
    timestamp this clock returned or observed before, whatever the wall clock does.
    ``last`` lets a replica resume after a restart without ever reusing a timestamp.
    """

    def __init__(self, replica: str, now_ms: Callable[[], int], last: str | None = None) -> None:
        if not is_replica(replica):
            raise ValueError(f"bad replica id: {replica!r}")
        self.replica = replica
        self._now_ms = now_ms
        self._ms, self._counter = 0, -1
        if last is not None:
            self.observe(last)

    @property
    def last(self) -> str | None:
        """The (ms, counter) of the greatest timestamp issued or observed, as this replica's stamp.

        Persist it and pass it back as ``last`` after a restart. None on a fresh clock.
        """
        if self._counter < 0:
            return None
        return format_ts(Hlc(self._ms, self._counter, self.replica))

    def tick(self) -> str:
        """A new stamp, greater than every stamp this clock made or observed (never goes backwards)."""
        now = self._now_ms()
        if now > self._ms:
            self._ms, self._counter = now, 0
        elif self._counter < MAX_COUNTER:
            self._counter += 1
        else:
            # Counter exhausted within one millisecond: borrow the next millisecond instead of
            # wrapping, which would go backwards. Logical time runs ahead of physical by 1 ms.
            self._ms, self._counter = self._ms + 1, 0
        return format_ts(Hlc(self._ms, self._counter, self.replica))

    def observe(self, remote_ts: str) -> None:
        """Make the next ``tick()`` greater than ``remote_ts``. Raises ``ValueError`` if malformed."""
        remote = parse_ts(remote_ts)
        if (remote.ms, remote.counter) > (self._ms, self._counter):
            self._ms, self._counter = remote.ms, remote.counter
