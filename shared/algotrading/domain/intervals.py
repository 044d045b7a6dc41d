"""Candle intervals and their lengths.

Names follow the data files (`15m`, `4h`, `1d`); Bybit's own codes (`15`, `240`, `D`) are mapped at
the exchange boundary, not here.
"""

from __future__ import annotations

from enum import StrEnum

MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS


class Interval(StrEnum):
    """A candle interval; `.ms` is its length in milliseconds."""

    M1 = "1m"
    M5 = "5m"
    M15 = "15m"
    M30 = "30m"
    H1 = "1h"
    H4 = "4h"
    D1 = "1d"
    W1 = "1w"

    @property
    def ms(self) -> int:
        return _LENGTH_MS[self]

    @classmethod
    def parse(cls, text: str) -> Interval:
        """Accept `4h`, `4H`, `1D`; raise ValueError naming the valid choices otherwise."""
        key = text.strip().lower()
        for member in cls:
            if member.value == key:
                return member
        valid = ", ".join(m.value for m in cls)
        raise ValueError(f"unknown interval {text!r}; expected one of {valid}")


_LENGTH_MS: dict[Interval, int] = {
    Interval.M1: MINUTE_MS,
    Interval.M5: 5 * MINUTE_MS,
    Interval.M15: 15 * MINUTE_MS,
    Interval.M30: 30 * MINUTE_MS,
    Interval.H1: HOUR_MS,
    Interval.H4: 4 * HOUR_MS,
    Interval.D1: DAY_MS,
    Interval.W1: 7 * DAY_MS,
}
