"""The span a run trades over, and the checks that make it meaningful.

* The end defaults to the last close every symbol's entry-timeframe data reaches; an end beyond
  the data, or a start before it, is refused (a span outside the data would silently trade a
  shorter one).
* Warm-up: a position may only be opened on a row whose values are settled (docs/STRATEGIES.md,
  "Warm-up"): equal to what any longer history gives, so the backtest trades on the numbers the
  live executor would see. The start defaults to the first bar closing where every symbol is
  settled; a start before that is refused with how much history is needed and how much there
  is. The first signal that can enter is the bar closing at (or first after) the start, which
  fills at the open of the span's first bar.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from algotrading.backtest.config import BacktestInputError
from algotrading.domain.intervals import DAY_MS, Interval
from algotrading.domain.timefmt import ms_to_iso
from algotrading.strategies.align import closed_count
from algotrading.strategies.base import MarketHistory, SignalFrame, Strategy


def resolve_end(
    strategy: Strategy[Any], histories: Mapping[str, MarketHistory], end_ms: int | None
) -> int:
    iv = strategy.entry_interval
    last: dict[str, int] = {}
    for symbol, history in histories.items():
        candles = history.require(iv, strategy.id)
        if len(candles) == 0:
            raise BacktestInputError(f"no {iv} candles for {symbol} in the data")
        last[symbol] = int(candles.start_ms[-1]) + iv.ms
        first = int(candles.start_ms[0])
        if end_ms is not None and end_ms <= first:
            raise BacktestInputError(
                f"the span ends at {ms_to_iso(end_ms)}, before {symbol}'s {iv} data begins "
                f"({ms_to_iso(first)})"
            )
    symbol = min(last, key=last.__getitem__)
    if end_ms is None:
        return last[symbol]
    if end_ms > last[symbol]:
        raise BacktestInputError(
            f"the span ends at {ms_to_iso(end_ms)}, after {symbol}'s {iv} data ends "
            f"({ms_to_iso(last[symbol])})"
        )
    return end_ms


def resolve_start(
    strategy: Strategy[Any],
    histories: Mapping[str, MarketHistory],
    frames: Mapping[str, SignalFrame],
    start_ms: int | None,
    end_ms: int,
) -> int:
    """The span's start: given (and checked) or the first time every symbol is settled."""
    iv = strategy.entry_interval
    if start_ms is None:
        firsts = {s: _first_settled(frames[s]) for s in frames}
        for symbol, first in firsts.items():
            if first is None:
                raise BacktestInputError(warmup_message(strategy, histories[symbol], end_ms, None))
        start_ms = max(int(first) for first in firsts.values() if first is not None)
    for symbol, frame in frames.items():
        candles = histories[symbol].require(iv, strategy.id)
        if start_ms < int(candles.start_ms[0]):
            raise BacktestInputError(
                f"the span starts at {ms_to_iso(start_ms)}, before {symbol}'s {iv} data begins "
                f"({ms_to_iso(int(candles.start_ms[0]))})"
            )
        row = int(np.searchsorted(frame.close_ms, start_ms, side="left"))
        if row >= len(frame) - 1 or int(candles.start_ms[row + 1]) + iv.ms > end_ms:
            raise BacktestInputError(
                f"the span {ms_to_iso(start_ms)} .. {ms_to_iso(end_ms)} holds no complete "
                f"{iv} bar of {symbol}"
            )
        if not frame.settled[row]:
            first = _first_settled(frame)
            raise BacktestInputError(warmup_message(strategy, histories[symbol], start_ms, first))
    return start_ms


def _first_settled(frame: SignalFrame) -> int | None:
    """Close time of the first settled row (None: the data never settles)."""
    settled = np.flatnonzero(frame.settled)
    return int(frame.close_ms[settled[0]]) if len(settled) else None


@dataclass(frozen=True, slots=True)
class WarmupNeed:
    """One input of the warm-up: what it is, how much the strategy needs and how much the
    history has by a time (candles of a timeframe, or days of funding settlements)."""

    what: str
    interval: Interval | None
    needed: float
    available: float

    @property
    def short(self) -> bool:
        return self.available < self.needed

    def describe(self, value: float) -> str:
        if self.interval is None:
            return f"{value:.1f} days of {self.what}"
        return f"{int(value)} closed {self.interval} {self.what}"


def warmup_needs(strategy: Strategy[Any], history: MarketHistory, at_ms: int) -> list[WarmupNeed]:
    """Per timeframe (then funding, if the strategy reads it): needed and present by `at_ms`."""
    out = []
    for iv, n in strategy.warmup_bars.items():
        interval = Interval(iv)
        candles = history.candles.get(interval)
        count = 0 if candles is None else closed_count(candles, interval, np.array([at_ms]))[0]
        out.append(WarmupNeed("candles", interval, float(n), float(count)))
    if strategy.funding_history_ms:
        funding = history.funding
        days = 0.0
        if funding is not None and len(funding) and int(funding.time_ms[0]) <= at_ms:
            days = (at_ms - int(funding.time_ms[0])) / DAY_MS
        need = strategy.funding_history_ms / DAY_MS
        out.append(WarmupNeed("funding settlements", None, need, days))
    return out


def warmup_message(
    strategy: Strategy[Any], history: MarketHistory, at_ms: int, first_ms: int | None
) -> str:
    """How much history the strategy needs before its first signal, and what there is."""
    needs = warmup_needs(strategy, history, at_ms)
    need = [n.describe(n.needed) for n in needs]
    have = [n.describe(n.available) for n in needs]
    if first_ms is None:
        hint = "the data is too short for it: add earlier data (--data-dir)"
    else:
        hint = f"its first settled bar closes at {ms_to_iso(first_ms)}: start there or later"
    return (
        f"too little history for warm-up: {strategy.id} needs {' and '.join(need)} before its "
        f"first signal; {history.symbol} has {' and '.join(have)} by {ms_to_iso(at_ms)}; {hint}"
    )
