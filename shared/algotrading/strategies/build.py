"""Assembling a `SignalFrame` from named conditions, so every entry and exit can say why.

A strategy registers each rule as a named boolean array ("adx_1d>25"); the entry of a side is the
AND of that side's entry conditions and its indicator exit the OR of its exit conditions. The
executor writes the failed or fired names into the signal log, and the tests check single
conditions by name. Comparisons with NaN are false, so a value that is not known yet (warm-up,
stale data) can never make a condition true.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from algotrading.domain.intervals import Interval
from algotrading.strategies.base import Bools, SignalFrame, frozen_mapping

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


CROSS_TOLERANCE = 1e-9
"""Relative margin a line must clear to count as above or below another. TA-Lib's running sums
leave residues of ~1e-14 (a Stochastic RSI K of 99.99999999999996 against a D of exactly 100);
without a margin such a residue reads as a cross that never happened, and it differs between a
long and a short history, so live and backtest would disagree."""


def _side(fast: F64, slow: F64) -> tuple[Bools, Bools, Bools]:
    """(above, below, known): fast clears slow by the margin upwards / downwards."""
    with np.errstate(invalid="ignore"):
        margin = CROSS_TOLERANCE * np.maximum(np.abs(slow), 1.0)
        diff = fast - slow
        return diff > margin, diff < -margin, np.isfinite(diff)


def crossed_above(fast: F64, slow: F64) -> Bools:
    """fast above slow at this bar and not above it at the previous one (both known)."""
    above, _, known = _side(fast, slow)
    out = np.zeros(len(fast), dtype=bool)
    out[1:] = above[1:] & ~above[:-1] & known[:-1]
    return out


def crossed_below(fast: F64, slow: F64) -> Bools:
    """fast below slow at this bar and not below it at the previous one (both known)."""
    _, below, known = _side(fast, slow)
    out = np.zeros(len(fast), dtype=bool)
    out[1:] = below[1:] & ~below[:-1] & known[:-1]
    return out


def previous(values: F64) -> F64:
    """values shifted one bar later (NaN at the first bar)."""
    out = np.empty_like(values)
    out[:1] = np.nan
    out[1:] = values[:-1]
    return out


def within_bars(flags: Bools, bars: int) -> Bools:
    """True where `flags` was true on this bar or one of the `bars - 1` bars before it."""
    counts = np.cumsum(flags, dtype=np.int64)
    out = counts.copy()
    out[bars:] -= counts[:-bars]
    return out > 0


def between(values: F64, low: float, high: float) -> Bools:
    """low <= values <= high (inclusive: "RSI 40-70" includes 40 and 70)."""
    return (values >= low) & (values <= high)


@dataclass
class FrameBuilder:
    """Collects named conditions and values for one symbol's frame."""

    symbol: str
    interval: Interval
    close_ms: I64
    conditions: dict[str, Bools] = field(default_factory=dict)
    values: dict[str, F64] = field(default_factory=dict)
    long_entry: list[str] = field(default_factory=list)
    short_entry: list[str] = field(default_factory=list)
    long_exit: list[str] = field(default_factory=list)
    short_exit: list[str] = field(default_factory=list)

    def condition(self, name: str, values: Bools, *roles: list[str]) -> None:
        """Register `values` under `name` and add the name to each role list given."""
        if name in self.conditions and not np.array_equal(self.conditions[name], values):
            raise ValueError(f"condition {name!r} registered twice with different values")
        self.conditions[name] = np.asarray(values, dtype=bool)
        for role in roles:
            if name not in role:
                role.append(name)

    def value(self, name: str, values: F64) -> None:
        self.values[name] = np.asarray(values, dtype=np.float64)

    def build(
        self,
        *,
        stop_distance: F64,
        settled: Bools,
        take_profit_distance: F64 | None = None,
        target_price: F64 | None = None,
        trail_distance: F64 | None = None,
        weight: F64 | None = None,
        time_stop_bars: F64 | None = None,
        stop_required: bool = True,
    ) -> SignalFrame:
        """The frame; with `stop_required`, an entry also needs a usable stop distance (an
        entry whose stop cannot be placed must not happen)."""
        n = len(self.close_ms)
        nan = np.full(n, np.nan)
        stop_distance = _positive(stop_distance)
        if stop_required:
            known = np.isfinite(stop_distance)
            self.condition("stop_distance>0", known, self.long_entry, self.short_entry)
        return SignalFrame(
            symbol=self.symbol,
            interval=self.interval,
            close_ms=_frozen(self.close_ms),
            entry_long=_frozen(self._all(self.long_entry, n)),
            entry_short=_frozen(self._all(self.short_entry, n)),
            exit_long=_frozen(self._any(self.long_exit, n)),
            exit_short=_frozen(self._any(self.short_exit, n)),
            stop_distance=_frozen(stop_distance),
            take_profit_distance=_frozen(
                nan if take_profit_distance is None else _positive(take_profit_distance)
            ),
            target_price=_frozen(nan if target_price is None else _positive(target_price)),
            trail_distance=_frozen(nan if trail_distance is None else _positive(trail_distance)),
            settled=_frozen(settled),
            weight=None if weight is None else _frozen(weight),
            time_stop_bars=None if time_stop_bars is None else _frozen(time_stop_bars),
            conditions=frozen_mapping({k: _frozen(v) for k, v in self.conditions.items()}),
            values=frozen_mapping({k: _frozen(v) for k, v in self.values.items()}),
            long_entry=tuple(self.long_entry),
            short_entry=tuple(self.short_entry),
            long_exit=tuple(self.long_exit),
            short_exit=tuple(self.short_exit),
        )

    def _all(self, names: list[str], n: int) -> Bools:
        if not names:
            return np.zeros(n, dtype=bool)
        every: Bools = np.logical_and.reduce([self.conditions[name] for name in names])
        return every

    def _any(self, names: list[str], n: int) -> Bools:
        if not names:
            return np.zeros(n, dtype=bool)
        some: Bools = np.logical_or.reduce([self.conditions[name] for name in names])
        return some


def _positive(values: F64) -> F64:
    """A distance or level that is not a positive finite number is unusable: NaN."""
    out = np.array(values, dtype=np.float64)
    out[~(out > 0)] = np.nan
    return out


def _frozen(values: npt.ArrayLike) -> np.ndarray:
    arr = np.array(values)
    arr.flags.writeable = False
    return arr
