"""Backtests: one strategy over history with the live system's strategy code and fill model.

`run_backtest(config, market)` loads the data and runs; `simulate(strategy, histories, config)`
runs over histories already in memory. docs/BACKTESTING.md has the rules, the result schema and
the metrics.
"""

from algotrading.backtest.config import (
    BacktestConfig,
    BacktestInputError,
    BacktestSizing,
    SizingMode,
)
from algotrading.backtest.data import BacktestMarketData, ExchangeMarketData, FileMarketData
from algotrading.backtest.engine import progress_steps, run_backtest, simulate
from algotrading.backtest.result import BacktestResult

__all__ = [
    "BacktestConfig",
    "BacktestInputError",
    "BacktestMarketData",
    "BacktestResult",
    "BacktestSizing",
    "ExchangeMarketData",
    "FileMarketData",
    "SizingMode",
    "progress_steps",
    "run_backtest",
    "simulate",
]
