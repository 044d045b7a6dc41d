"""The engine's walk equals stepping every bar with `policy.step`, on real data, for the four
strategies and ema_cross: the same positions, entry bars and prices, exit legs (bar, price,
fraction, reason) and what is left open. Both walks (stepped, and the fixed-level fast path where
the policy allows it, in bulk and one position at a time) are compared with a bar-by-bar walk
written as the executor runs (tests/backtest_support.py). Then the books must balance: the
final equity is the capital plus every position's result, for every strategy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from backtest_support import reference_walk
from strategy_support import DERIVS, load_open_interest, trend_history
from team_data import shared_data

from algotrading.backtest import BacktestConfig, simulate
from algotrading.backtest import fast as fast_module
from algotrading.backtest.candidates import WalkSettings
from algotrading.backtest.trades import REASONS, Bars, WalkedTrades
from algotrading.backtest.walk import is_fixed_level, walk
from algotrading.domain.intervals import Interval
from algotrading.market.datafiles import DataSet
from algotrading.market.resample import resample
from algotrading.strategies import MarketHistory, Strategy, get_strategy

# The engine against the bar-by-bar reference over years of real data: seconds each.
pytestmark = pytest.mark.slow

Loader = Callable[[], dict[str, MarketHistory]]
"""Scalper reads the bundled set (the primary set's 15m and 1h rows); the others the team
folder's bybit_derivs_2021_2025 (their tests are skipped without it, tests/team_data.py)."""


def _trend() -> dict[str, MarketHistory]:
    root = shared_data()
    d = DataSet([root / DERIVS])
    return {s: trend_history(d, s) for s in ("BTCUSDT", "ETHUSDT")}


def _scalper() -> dict[str, MarketHistory]:
    d = DataSet()
    return {
        s: MarketHistory(s, {Interval.M15: d.candles(s, "15m"), Interval.H1: d.candles(s, "1h")})
        for s in ("BTCUSDT", "ETHUSDT")
    }


def _carry() -> dict[str, MarketHistory]:
    root = shared_data()
    d = DataSet([root / DERIVS])
    return {
        s: MarketHistory(
            s,
            {Interval.H1: d.candles(s, "1h")},
            funding=d.funding(s),
            open_interest=load_open_interest(root, s),
        )
        for s in ("BTCUSDT", "DOGEUSDT")
    }


def _momentum() -> dict[str, MarketHistory]:
    d = DataSet([shared_data() / DERIVS])
    daily = {s: resample(d.candles(s, "4h"), Interval.H4, Interval.D1)
             for s in ("BTCUSDT", "ETHUSDT", "SOLUSDT", "DOGEUSDT", "XRPUSDT")}  # fmt: skip
    return {s: MarketHistory(s, {Interval.D1: c}) for s, c in daily.items()}


def _ema_cross() -> dict[str, MarketHistory]:
    c = DataSet([shared_data() / DERIVS]).candles("BTCUSDT", "15m").slice(0, 8_000)
    return {"BTCUSDT": MarketHistory("BTCUSDT", {Interval.M15: c})}


CASES: dict[str, tuple[Loader, dict[str, Any]]] = {
    "trend": (_trend, {}),
    "scalper": (_scalper, {"setup_window_bars": 3}),  # the literal rule barely trades
    "carry": (_carry, {}),
    "momentum": (_momentum, {}),
    "ema_cross": (_ema_cross, {}),
}


def _load(name: str) -> tuple[Strategy[Any], dict[str, MarketHistory]]:
    loader, overrides = CASES[name]
    return get_strategy(name, overrides), loader()


def _walked(w: WalkedTrades) -> list[tuple[Any, ...]]:
    legs: dict[int, list[tuple[Any, ...]]] = {}
    for j in range(len(w.leg_trade)):
        legs.setdefault(int(w.leg_trade[j]), []).append(
            (
                int(w.leg_bar[j]),
                float(w.leg_price[j]),
                float(w.leg_fraction[j]),
                REASONS[w.leg_reason[j]],
            )
        )
    return [(int(w.side[k]), int(w.entry_bar[k]), float(w.entry_price[k]), legs.get(k, []),
             float(w.open_fraction[k])) for k in range(len(w))]  # fmt: skip


@pytest.mark.parametrize("name", list(CASES))
def test_walk_equals_stepping_every_bar(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    strategy, histories = _load(name)
    frames = strategy.signals(histories)
    iv, policy = strategy.entry_interval, strategy.policy
    reasons: set[str] = set()
    for symbol, frame in frames.items():
        first = int(np.flatnonzero(frame.settled)[0]) // 2  # unsettled rows inside the span too
        bars = Bars.of(symbol, iv, histories[symbol].candles[iv], first)
        settings = WalkSettings(slippage_bps=2.0)
        want = [(t.side, t.entry_bar, t.entry_price, t.legs, t.open_fraction)
                for t in reference_walk(frame, bars, policy, settings)]  # fmt: skip
        assert len(want) >= 3, f"{name} {symbol}: too few trades to prove anything"
        reasons |= {leg[3] for t in want for leg in t[3]}
        paths = ["stepped", "fast"] if is_fixed_level(policy) else ["stepped"]
        counts = []
        for path in paths:
            got = walk(frame, bars, policy, WalkSettings(slippage_bps=2.0, path=path))
            assert _walked(got) == want, (name, symbol, path)
            counts.append(got.counts)
        assert all(c == counts[0] for c in counts)
        if is_fixed_level(policy):  # the fast path one position at a time
            monkeypatch.setattr(fast_module, "BULK_WINDOW_FACTOR", 0)
            monkeypatch.setattr(fast_module, "BULK_WINDOW_SLACK", -1)
            got = walk(frame, bars, policy, WalkSettings(slippage_bps=2.0, path="fast"))
            monkeypatch.undo()
            assert _walked(got) == want, (name, symbol, "fast, lazy")
    assert {"stop_loss", "signal"} <= reasons  # the exits these cases are meant to cover


def test_the_cases_cover_every_exit_the_stepper_has() -> None:
    """Trailing stops (trend), partial exits (scalper) and time stops (carry) occur above."""
    seen: set[str] = set()
    for name in ("trend", "scalper", "carry"):
        strategy, histories = _load(name)
        frames = strategy.signals(histories)
        iv = strategy.entry_interval
        for symbol, frame in frames.items():
            bars = Bars.of(symbol, iv, histories[symbol].candles[iv], 1)
            w = walk(frame, bars, strategy.policy, WalkSettings())
            seen |= {REASONS[c] for c in w.leg_reason}
    assert {"trailing_stop", "partial_take_profit", "time_stop"} <= seen


@pytest.mark.parametrize("name", list(CASES))
def test_the_books_balance(name: str) -> None:
    """Final equity = capital + every closed position's net PnL + the open ones marked at the
    last close; fees and funding in the metrics are the trades' sums."""
    strategy, histories = _load(name)
    config = BacktestConfig(name, params=CASES[name][1], capital=50_000.0)
    result = simulate(strategy, histories, config)
    rows = result.trade_rows()
    closed = [r for r in rows if not r["open"]]
    assert result.metrics["trades"] == len(closed) > 0
    marked = sum(r["marked_pnl"] for r in rows)
    assert result.final_equity == pytest.approx(50_000.0 + marked, rel=1e-9)
    assert result.metrics["fees_paid"] == pytest.approx(sum(r["fees"] for r in rows), rel=1e-9)
    assert result.metrics["funding_net"] == pytest.approx(sum(r["funding"] for r in rows),
                                                          rel=1e-9, abs=1e-9)  # fmt: skip
    assert all(r["qty"] > 0 for r in rows)
    times = result.equity_times
    assert times[0] == result.start_ms and times[-1] == result.end_ms
    assert (np.diff(times) > 0).all()
