"""Why a strategy, or one of its symbols, did not trade in a backtest: a reason, never silence.

A strategy whose input is missing used to trade nothing and say nothing (carry without open
interest blocks every entry), or stop the whole run (a timeframe the data cannot give). Both
backtests now check each symbol's inputs where they load them and record an `IdleReason`: the
symbol then takes no part in the run and the others go on. The reasons travel in the results,
their JSON and the stored runs, the CLI tables and the reports (docs/BACKTESTING.md, "Idle").

Codes, in the order the checks run:

* `not_in_data`: the data has no candles of the symbol (or, with no symbol, none the strategy
  can use at all);
* `missing_timeframe`: a timeframe the strategy reads has no file and cannot be resampled from
  a shorter one;
* `no_funding` / `no_open_interest`: the strategy reads funding (or requires open interest: its
  `open_interest_history_ms` is set and its parameters do not waive it with
  `require_open_interest` false) and the data has none for the symbol;
* `warm_up`: the symbol's values never settle in the span: how many candles the warm-up needs
  and how many the data has;
* `no_signal`: settled, but no entry was ever possible in the span (which entry conditions were
  never true). Unlike the others the symbol still runs: it is in the per-symbol figures with no
  trades.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np

from algotrading.backtest.data import BacktestMarketData, FileMarketData, load_history
from algotrading.backtest.span import WarmupNeed, warmup_needs
from algotrading.domain.intervals import Interval
from algotrading.domain.timefmt import ms_to_iso
from algotrading.errors import DataFileError
from algotrading.strategies.base import MarketHistory, SignalFrame, Strategy


class IdleCode(StrEnum):
    NOT_IN_DATA = "not_in_data"
    MISSING_TIMEFRAME = "missing_timeframe"
    NO_FUNDING = "no_funding"
    NO_OPEN_INTEREST = "no_open_interest"
    WARM_UP = "warm_up"
    NO_SIGNAL = "no_signal"


STILL_RUNS = frozenset({IdleCode.NO_SIGNAL})
"""Codes whose symbol still takes part in the run (with no trades); the others are left out."""


@dataclass(frozen=True, slots=True)
class IdleReason:
    """One idle strategy (`symbol` None: all of it) or strategy-symbol, and why.

    `interval`, `needed` and `available` are set for a warm-up (the first timeframe short of
    candles) and `interval` for a missing timeframe, so a reader need not parse `reason`."""

    strategy: str
    symbol: str | None
    code: IdleCode
    reason: str
    interval: str | None = None
    needed: int | None = None
    available: int | None = None

    def line(self) -> str:
        """`carry idle on ADAUSDT: no open interest in the data`, as the CLI prints it."""
        where = "" if self.symbol is None else f" on {self.symbol}"
        return f"{self.strategy} idle{where}: {self.reason}"

    def to_json(self) -> dict[str, Any]:
        return {
            "strategy": self.strategy, "symbol": self.symbol, "code": str(self.code),
            "reason": self.reason, "interval": self.interval, "needed": self.needed,
            "available": self.available, "line": self.line(),
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> IdleReason:
        return cls(
            data["strategy"], data["symbol"], IdleCode(data["code"]), data["reason"],
            data.get("interval"), data.get("needed"), data.get("available"),
        )  # fmt: skip


def needs_open_interest(strategy: Strategy[Any]) -> bool:
    """The strategy reads open interest and an entry needs it (carry unless its
    `require_open_interest` parameter is false)."""
    waived = getattr(strategy.params, "require_open_interest", True) is False
    return strategy.open_interest_history_ms > 0 and not waived


def load_checked(
    strategy: Strategy[Any], symbol: str, market: BacktestMarketData, since_ms: int | None
) -> MarketHistory | IdleReason:
    """`load_history`, or why the symbol cannot run. Data files are checked before loading
    (symbol, then each timeframe); the exchange is asked only once, and an empty answer counts
    as a missing timeframe (`input_gap`)."""
    if isinstance(market, FileMarketData):
        gap = _file_gap(strategy, symbol, market)
        if gap is not None:
            return gap
    history = load_history(strategy, symbol, market, since_ms)
    return input_gap(strategy, history) or history


def _file_gap(strategy: Strategy[Any], symbol: str, market: FileMarketData) -> IdleReason | None:
    have = market.dataset.intervals(symbol)
    if not have:
        return IdleReason(strategy.id, symbol, IdleCode.NOT_IN_DATA, "not in the data")
    for iv in strategy.timeframes:
        try:
            market.candles(symbol, iv, None)
        except DataFileError:
            listed = ", ".join(str(i) for i in have)
            reason = f"no {iv} candles in the data, and none can be built from its {listed} ones"
            return IdleReason(strategy.id, symbol, IdleCode.MISSING_TIMEFRAME, reason, str(iv))
    return None


def input_gap(strategy: Strategy[Any], history: MarketHistory) -> IdleReason | None:
    """A timeframe without candles, or funding / open interest the strategy needs and the
    history lacks."""
    sid, symbol = strategy.id, history.symbol
    for iv in strategy.timeframes:
        candles = history.candles.get(Interval(iv))
        if candles is None or len(candles) == 0:
            reason = f"no {iv} candles in the data"
            return IdleReason(sid, symbol, IdleCode.MISSING_TIMEFRAME, reason, str(iv))
    if strategy.funding_history_ms and (history.funding is None or len(history.funding) == 0):
        return IdleReason(sid, symbol, IdleCode.NO_FUNDING, "no funding settlements in the data")
    oi = history.open_interest
    if needs_open_interest(strategy) and (oi is None or len(oi) == 0):
        return IdleReason(sid, symbol, IdleCode.NO_OPEN_INTEREST, "no open interest in the data")
    return None


def never_settles(frame: SignalFrame) -> bool:
    """No settled row that can still enter (an entry needs the next bar's open)."""
    rows = np.flatnonzero(frame.settled)
    return len(rows) == 0 or int(rows[0]) >= len(frame) - 1


def warm_up(strategy: Strategy[Any], history: MarketHistory, at_ms: int) -> IdleReason:
    """The warm-up reason: what is short by `at_ms`, needed against present."""
    needs = warmup_needs(strategy, history, at_ms)
    short = [n for n in needs if n.short]
    by = ms_to_iso(at_ms)
    if not short:
        have = " and ".join(n.describe(n.available) for n in needs)
        reason = f"never settled by {by} although the data has {have}"
        return IdleReason(strategy.id, history.symbol, IdleCode.WARM_UP, reason)
    parts = [f"{n.describe(n.needed)} ({_present(n)} exist)" for n in short]
    reason = f"warm-up longer than the data: needs {' and '.join(parts)} by {by}"
    first = next((n for n in short if n.interval is not None), None)
    if first is None:
        return IdleReason(strategy.id, history.symbol, IdleCode.WARM_UP, reason)
    return IdleReason(strategy.id, history.symbol, IdleCode.WARM_UP, reason,
                      str(first.interval), int(first.needed), int(first.available))  # fmt: skip


def _present(need: WarmupNeed) -> str:
    return str(int(need.available)) if need.interval is not None else f"{need.available:.1f} days"


def no_signal(strategy: str, frame: SignalFrame, first: int, unusable: int) -> IdleReason:
    """A symbol that settled but never entered: the entry conditions never true on a settled
    row of the span (rows from the one closing at the span's start to the next-to-last)."""
    lo, hi = max(first - 1, 0), max(len(frame) - 1, 0)
    if unusable:
        reason = f"{unusable} entry signals in the span, none with levels the policy can place"
        return IdleReason(strategy, frame.symbol, IdleCode.NO_SIGNAL, reason)
    settled = frame.settled[lo:hi]
    names = dict.fromkeys([*frame.long_entry, *frame.short_entry])
    if not names:
        reason = "settled over the span but no entry signal on a settled bar"
        return IdleReason(strategy, frame.symbol, IdleCode.NO_SIGNAL, reason)
    never = [n for n in names if not (frame.conditions[n][lo:hi] & settled).any()]
    detail = f"never true: {', '.join(never)}" if never else "never all true at once"
    reason = f"settled over the span but its entry conditions were never met ({detail})"
    return IdleReason(strategy, frame.symbol, IdleCode.NO_SIGNAL, reason)


def in_order(reasons: Sequence[IdleReason], symbols: Sequence[str]) -> list[IdleReason]:
    """Whole-strategy reasons first, then by the order the symbols were asked for."""
    rank = {s: k for k, s in enumerate(symbols)}
    return sorted(reasons, key=lambda r: -1 if r.symbol is None else rank.get(r.symbol, len(rank)))


def nothing_to_trade(reasons: Sequence[IdleReason]) -> str:
    """The one-line error of a run in which every symbol is idle."""
    return "nothing to trade: " + "; ".join(r.line() for r in reasons)


def idle_lines(reasons: Sequence[IdleReason]) -> list[str]:
    """What people read: one line per reason, except that a strategy's symbols missing from
    the data share one line (`trend idle on LINKUSDT, DOTUSDT: not in the data`), so a data set
    without most of a default symbol list does not bury the other reasons."""
    missing: dict[str, list[str]] = {}
    for r in reasons:
        if r.code is IdleCode.NOT_IN_DATA and r.symbol is not None:
            missing.setdefault(r.strategy, []).append(r.symbol)
    lines, said = [], set()
    for r in reasons:
        if r.code is not IdleCode.NOT_IN_DATA or r.symbol is None:
            lines.append(r.line())
        elif r.strategy not in said:
            said.add(r.strategy)
            lines.append(f"{r.strategy} idle on {', '.join(missing[r.strategy])}: {r.reason}")
    return lines
