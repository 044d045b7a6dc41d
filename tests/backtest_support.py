"""For the backtest tests: a bar-by-bar walk written the way the live executor runs, and a
strategy whose signals are scripted by hand.

`reference_walk` looks at every bar: fills pending exits and a pending entry at the bar's open,
checks liquidation and calls `policy.step` for an open position, and at the close decides an
entry when flat. It uses the same fill-model functions and stepper as the engine but none of
its shortcuts (candidate lists, bisection, vectorized exits), so the engine must equal it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import numpy as np
from candles import from_bars

from algotrading.backtest.candidates import WalkSettings
from algotrading.backtest.trades import LIQUIDATION, Bars
from algotrading.domain.fills import Bar, ExitKind, market_fill_prices, resolve_exit
from algotrading.domain.intervals import Interval
from algotrading.domain.positions import PositionSide, PositionState
from algotrading.domain.series import Candles
from algotrading.strategies.base import (
    MarketHistory,
    PerSymbolStrategy,
    PositionPolicy,
    SignalFrame,
)
from algotrading.strategies.params import StrategyParams
from algotrading.strategies.policy import FillTiming, open_position, step


@dataclass
class RefTrade:
    side: int
    entry_bar: int
    entry_price: float
    legs: list[tuple[int, float, float, str]] = field(default_factory=list)
    open_fraction: float = 1.0


def _fill(price: float, is_buy: bool, bps: float) -> float:
    return float(market_fill_prices(np.array([price]), np.array([is_buy]), bps)[0])


def reference_walk(
    frame: SignalFrame, bars: Bars, policy: PositionPolicy, settings: WalkSettings
) -> list[RefTrade]:
    walker = _RefWalker(frame, bars, policy, settings)
    for i in range(len(bars)):
        walker.at_open(i)
        walker.during(i)
        walker.at_close(i)
    for t in walker.trades:
        if abs(t.open_fraction) < 1e-12:
            t.open_fraction = 0.0
    return walker.trades


@dataclass
class _RefWalker:
    frame: SignalFrame
    bars: Bars
    policy: PositionPolicy
    settings: WalkSettings
    trades: list[RefTrade] = field(default_factory=list)
    state: PositionState | None = None
    pending_exits: list[tuple[float, str]] = field(default_factory=list)
    pending_entry: tuple[int, int] | None = None
    liq: float = 0.0
    bankrupt: float = 0.0

    def at_open(self, i: int) -> None:
        """Fill the exits decided at the last close, then the entry decided there."""
        o, bps = float(self.bars.open[i]), self.settings.slippage_bps
        for fraction, reason in self.pending_exits:
            long = self.trades[-1].side > 0
            self.trades[-1].legs.append((i, _fill(o, not long, bps), fraction, reason))
            self.trades[-1].open_fraction -= fraction
        self.pending_exits = []
        if self.pending_entry is None:
            return
        row, side = self.pending_entry
        self.pending_entry = None
        price, lev = _fill(o, side > 0, bps), self.policy.leverage
        mmr = self.settings.maintenance_margin_rate
        try:
            pos = PositionSide.LONG if side > 0 else PositionSide.SHORT
            self.state = open_position(self.frame.row(row), price, pos, self.policy)
        except ValueError:
            self.state = None
            return
        self.trades.append(RefTrade(side, i, price))
        long = side > 0
        self.liq = price * (1 - 1 / lev + mmr) if long else price * (1 + 1 / lev - mmr)
        self.bankrupt = price * (1 - 1 / lev) if long else price * (1 + 1 / lev)

    def during(self, i: int) -> None:
        """Liquidation first, then the stepper, for a position open in this bar."""
        state = self.state
        if state is None or not state.is_open:
            return
        b = self.bars
        bar = Bar(float(b.open[i]), float(b.high[i]), float(b.low[i]), float(b.close[i]))
        hit = resolve_exit(state.is_long, bar, state.active_stop()[0], None, self.liq,
                           self.bankrupt)  # fmt: skip
        trade = self.trades[-1]
        if hit is not None and hit.kind is ExitKind.LIQUIDATION:
            trade.legs.append((i, hit.price, state.qty_fraction, LIQUIDATION))
            trade.open_fraction -= state.qty_fraction
            self.state = None
            return
        self.state, actions = step(state, bar, self.frame.row(i), self.policy)
        for a in actions:
            if a.timing is FillTiming.INTRABAR:
                trade.legs.append((i, float(a.price), a.fraction, a.reason.value))
                trade.open_fraction -= a.fraction
            elif i + 1 < len(b):
                self.pending_exits.append((a.fraction, a.reason.value))

    def at_close(self, i: int) -> None:
        """Flat after this bar's exits: a settled entry signal enters at the next open."""
        flat = self.state is None or not self.state.is_open
        eligible = self.bars.first - 1 <= i <= len(self.bars) - 2 and bool(self.frame.settled[i])
        long, short = bool(self.frame.entry_long[i]), bool(self.frame.entry_short[i])
        if flat and eligible and long != short:
            self.pending_entry = (i, 1 if long else -1)


class ScriptedStrategy(PerSymbolStrategy[StrategyParams]):
    """A strategy whose signals are given: entry and exit flags per bar, a stop distance and a
    policy, on one timeframe, settled from the first bar. For hand-made fill cases through the
    whole engine (`backtest.simulate`)."""

    id = "scripted"
    title = "scripted"
    timeframes = (Interval.H1,)
    default_symbols = ("TESTUSDT",)
    default_allocation_pct = 0.0
    params_type = StrategyParams

    def __init__(
        self,
        policy: PositionPolicy,
        *,
        entry_long: list[int] = (),  # type: ignore[assignment]
        entry_short: list[int] = (),  # type: ignore[assignment]
        exit_long: list[int] = (),  # type: ignore[assignment]
        exit_short: list[int] = (),  # type: ignore[assignment]
        stop_distance: float | list[float] = 10.0,
        take_profit_distance: float | None = None,
    ) -> None:
        super().__init__(StrategyParams())
        self._policy = policy
        self._flags = {"entry_long": entry_long, "entry_short": entry_short,
                       "exit_long": exit_long, "exit_short": exit_short}  # fmt: skip
        self._stop = stop_distance
        self._tp = take_profit_distance

    @property
    def warmup_bars(self) -> dict[Interval, int]:
        return {Interval.H1: 1}

    @property
    def policy(self) -> PositionPolicy:
        return self._policy

    def symbol_signals(self, history: MarketHistory) -> SignalFrame:
        candles = history.require(Interval.H1, self.id)
        n = len(candles)
        flags = {}
        for name, rows in self._flags.items():
            flags[name] = np.zeros(n, dtype=bool)
            flags[name][list(rows)] = True
        nan = np.full(n, np.nan)
        return SignalFrame(
            symbol=history.symbol,
            interval=Interval.H1,
            close_ms=candles.start_ms + Interval.H1.ms,
            **flags,
            stop_distance=np.broadcast_to(np.asarray(self._stop, dtype=float), (n,)).copy(),
            take_profit_distance=nan if self._tp is None else np.full(n, self._tp),
            target_price=nan,
            trail_distance=nan,
            settled=np.ones(n, dtype=bool),
        )


HOUR = 3_600_000
T0 = 1_735_689_600_000  # 2025-01-01 00:00 UTC
FLAT_BAR = (100.0, 101.0, 99.0, 100.0)


def hourly(rows: list[tuple[float, float, float, float]], start_ms: int = T0) -> Candles:
    """Hand-made 1h candles (open, high, low, close) from `start_ms`, volume 1."""
    return from_bars(rows, start_ms=start_ms, step=HOUR)


REPO_ROOT = Path(__file__).resolve().parents[1]


def outside_engines() -> ModuleType:
    """bench/outside.py: ema_cross written for backtesting.py and vectorbt (the benchmark's
    adapters), importable whatever the working directory."""
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    from bench import outside

    return outside
