"""Parity with an outside engine: backtesting.py runs ema_cross's rules (bench/outside.py, its
own TA-Lib indicators) on real Bybit 15m data and must produce the very trades our backtest
produces - entry and exit bar, side, entry and exit price - and the same final equity, both
sized at one unit, with the same commission and no slippage (backtesting.py slips entries
only). The quirks each side needs are listed in bench/outside.py and docs/BACKTESTING.md."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from backtest_support import outside_engines
from strategy_support import DERIVS

from algotrading.backtest import BacktestConfig, BacktestSizing, SizingMode, simulate
from algotrading.domain.intervals import Interval
from algotrading.market.datafiles import DataSet
from algotrading.strategies import MarketHistory, get_strategy

FEE = 0.00055


@pytest.mark.parametrize(
    "symbol",
    [pytest.param("BTCUSDT", marks=pytest.mark.slow), "XRPUSDT"],  # BTC: 2 s, XRP: 0.5 s
)
def test_backtesting_py_makes_the_same_trades_and_final_equity(
    symbol: str, shared_data: Path
) -> None:
    outside = outside_engines()
    candles = DataSet([shared_data / DERIVS]).candles(symbol, Interval.M15)
    strategy = get_strategy("ema_cross")
    config = BacktestConfig("ema_cross", capital=1e6, fee_rate=FEE, slippage_bps=0.0,
                            sizing=BacktestSizing(SizingMode.UNITS, units=1.0))  # fmt: skip
    ours = simulate(strategy, {symbol: MarketHistory(symbol, {Interval.M15: candles})}, config)
    first_signal = int(np.searchsorted(candles.start_ms, ours.start_ms)) - 1
    assert first_signal == strategy.warmup_bars[Interval.M15] - 1  # the first settled row
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "some trades remain open": as ours, on purpose
        stats = outside.run_backtesting_py(
            candles, outside.cross_signals(candles), first_bar=first_signal, units=1,
            cash=1e6, commission=FEE,
        )  # fmt: skip
    w = ours.outcomes[symbol].walked
    closed = np.flatnonzero(w.open_fraction == 0)
    mine = [(int(w.entry_bar[k]), int(w.leg_bar[k]), int(w.side[k]), float(w.entry_price[k]),
             float(w.leg_price[k])) for k in closed]  # fmt: skip
    theirs = [(int(t.EntryBar), int(t.ExitBar), int(np.sign(t.Size)), float(t.EntryPrice),
               float(t.ExitPrice)) for t in stats._trades.itertuples()]  # fmt: skip
    assert len(mine) > 1_000
    assert mine == theirs
    final = float(stats["Equity Final [$]"])
    assert abs(ours.final_equity / final - 1) <= 1e-9
    stops = {r["exit_reason"] for r in ours.trade_rows() if not r["open"]}
    assert stops == {"stop_loss", "signal"}  # both exits are in the comparison
