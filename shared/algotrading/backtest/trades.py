"""What the walk finds for one symbol, before any quantity is chosen.

A position's path (when it enters and at what price, which parts leave when, at what price and
why) does not depend on its size: stops, targets and liquidation prices are prices, and exits
close fractions of the initial quantity. The walk therefore records positions per unit, and
sizing (`sizing.py`) multiplies them out afterwards, in time order across symbols. That split
is what lets the walk run symbol by symbol, vectorized, while the capital stays shared.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from algotrading.domain.intervals import Interval
from algotrading.domain.positions import ExitReason
from algotrading.domain.series import Candles

I64 = npt.NDArray[np.int64]
I8 = npt.NDArray[np.int8]
F64 = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

LIQUIDATION = ExitReason.LIQUIDATION.value
REASONS: tuple[str, ...] = tuple(reason.value for reason in ExitReason)
"""Exit reasons by code: the stepper's, then liquidation (the fill model's, checked first);
the reasons after it (external, portfolio halt) are the executor's and never a leg's."""
REASON_CODE: dict[str, int] = {name: code for code, name in enumerate(REASONS)}
MARKET_REASONS = frozenset({REASON_CODE[ExitReason.SIGNAL], REASON_CODE[ExitReason.TIME_STOP]})
"""Exit legs filled by a market order at a bar's open; every other leg is intrabar."""


@dataclass(frozen=True, slots=True)
class Bars:
    """One symbol's entry-timeframe candles up to the end of the span, as plain columns.

    `first` is the first bar of the span: a signal on the bar before it (closing at the start)
    is the first that can enter, at the first bar's open.
    """

    symbol: str
    interval: Interval
    start_ms: I64
    open: F64
    high: F64
    low: F64
    close: F64
    first: int
    close_ms: I64
    """Each bar's close time (open + interval)."""

    @classmethod
    def of(cls, symbol: str, interval: Interval, candles: Candles, first: int) -> Bars:
        return cls(
            symbol, interval, candles.start_ms, candles.open, candles.high, candles.low,
            candles.close, first, candles.start_ms + np.int64(interval.ms),
        )  # fmt: skip

    def __len__(self) -> int:
        return len(self.start_ms)


@dataclass(frozen=True, slots=True)
class WalkedTrades:
    """One symbol's positions, per unit of initial quantity.

    Per position: side (+1 long, -1 short), the signal row, the entry bar (filled at its open)
    and price, the initial stop (NaN: none), the frame's weight at the signal (NaN: none), the
    fraction still open when the span ends (0: closed), and until when it was exposed (ms).
    Per exit leg (flat, `leg_trade` names the position): the bar it filled in (intrabar, or the
    bar whose open took a next-open exit), the price, the fraction of the initial quantity and
    the reason code (`REASONS`). A liquidation leg pays no fee.
    """

    symbol: str
    side: I64
    signal_bar: I64
    entry_bar: I64
    entry_price: F64
    stop: F64
    weight: F64
    open_fraction: F64
    held_until_ms: I64
    leg_trade: I64
    leg_bar: I64
    leg_price: F64
    leg_fraction: F64
    leg_reason: I8
    counts: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.side)


@dataclass
class TradeBuilder:
    """Collects positions one by one (the stepped path) and freezes them into arrays."""

    symbol: str
    rows: dict[str, list[float]] = field(default_factory=dict)
    legs: dict[str, list[float]] = field(default_factory=dict)

    def add_trade(self, **values: float) -> int:
        for name, value in values.items():
            self.rows.setdefault(name, []).append(value)
        return len(self.rows["side"]) - 1

    def add_leg(self, trade: int, bar: int, price: float, fraction: float, reason: str) -> None:
        for name, value in (
            ("trade", trade), ("bar", bar), ("price", price), ("fraction", fraction),
            ("reason", REASON_CODE[reason]),
        ):  # fmt: skip
            self.legs.setdefault(name, []).append(value)

    def build(self, counts: dict[str, int]) -> WalkedTrades:
        r, g = self.rows, self.legs

        def col(source: dict[str, list[float]], name: str, dtype: type) -> np.ndarray:
            return np.asarray(source.get(name, []), dtype=dtype)

        return WalkedTrades(
            symbol=self.symbol,
            side=col(r, "side", np.int64),
            signal_bar=col(r, "signal_bar", np.int64),
            entry_bar=col(r, "entry_bar", np.int64),
            entry_price=col(r, "entry_price", np.float64),
            stop=col(r, "stop", np.float64),
            weight=col(r, "weight", np.float64),
            open_fraction=col(r, "open_fraction", np.float64),
            held_until_ms=col(r, "held_until_ms", np.int64),
            leg_trade=col(g, "trade", np.int64),
            leg_bar=col(g, "bar", np.int64),
            leg_price=col(g, "price", np.float64),
            leg_fraction=col(g, "fraction", np.float64),
            leg_reason=col(g, "reason", np.int8),
            counts=counts,
        )


def leg_done_ms(walked: WalkedTrades, bars: Bars) -> I64:
    """When each exit leg's money and margin are free: a market leg at its bar's open, an
    intrabar leg (stop, target, liquidation) at its bar's close. An intrabar fill comes after
    the open of its bar, so an entry filled at that open must not use it; both backtests book
    legs by this one rule, so they fund and refuse the same entries."""
    market = np.isin(walked.leg_reason, list(MARKET_REASONS))
    return np.where(market, leg_start_ms(walked, bars), bars.close_ms[walked.leg_bar % len(bars)])


def leg_start_ms(walked: WalkedTrades, bars: Bars) -> I64:
    """Each exit leg's bar start; a market leg one past the last bar (`WalkSettings.
    close_at_end`) fills at the span's last close."""
    starts = np.append(bars.start_ms, bars.close_ms[-1:]).astype(np.int64)
    return starts[walked.leg_bar]


def holding_pieces(walked: WalkedTrades, n: int) -> tuple[I64, I64, I64, F64]:
    """(position, from_bar, to_bar, fraction): the stretches of bars between a position's fills,
    `to_bar` exclusive, with the fraction of the initial quantity held in them. A leg filled in
    bar L ends its stretch at L (an intrabar exit is gone by L's close, a next-open exit by L's
    open); a position still open at the end holds its last stretch to bar n (the last + 1)."""
    legs = walked.leg_trade
    first_leg = np.ones(len(legs), dtype=bool)
    first_leg[1:] = legs[1:] != legs[:-1]
    last_leg = np.ones(len(legs), dtype=bool)
    last_leg[:-1] = legs[:-1] != legs[1:]
    before = np.cumsum(walked.leg_fraction) - walked.leg_fraction
    group_start = np.maximum.accumulate(np.where(first_leg, np.arange(len(legs)), 0))
    taken_before = before - before[group_start] if len(legs) else before
    prior_bar = np.where(first_leg, walked.entry_bar[legs], np.roll(walked.leg_bar, 1))
    open_ = np.flatnonzero(walked.open_fraction > 0)
    last_bar = walked.entry_bar.copy()
    last_bar[legs[last_leg]] = walked.leg_bar[last_leg]
    return (
        np.concatenate([legs, open_]),
        np.concatenate([prior_bar, last_bar[open_]]),
        np.concatenate([walked.leg_bar, np.full(len(open_), n, dtype=np.int64)]),
        np.concatenate([1.0 - taken_before, walked.open_fraction[open_]]),
    )


def select(walked: WalkedTrades, keep: Bools) -> WalkedTrades:
    """Only the positions where `keep` is set, legs renumbered (sizing drops unfunded ones)."""
    renumber = np.cumsum(keep) - 1
    legs = keep[walked.leg_trade]
    return WalkedTrades(
        symbol=walked.symbol,
        side=walked.side[keep],
        signal_bar=walked.signal_bar[keep],
        entry_bar=walked.entry_bar[keep],
        entry_price=walked.entry_price[keep],
        stop=walked.stop[keep],
        weight=walked.weight[keep],
        open_fraction=walked.open_fraction[keep],
        held_until_ms=walked.held_until_ms[keep],
        leg_trade=renumber[walked.leg_trade[legs]],
        leg_bar=walked.leg_bar[legs],
        leg_price=walked.leg_price[legs],
        leg_fraction=walked.leg_fraction[legs],
        leg_reason=walked.leg_reason[legs],
        counts=walked.counts,
    )
