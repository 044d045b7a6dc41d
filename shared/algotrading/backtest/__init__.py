"""Backtests: one strategy over history with the live system's strategy code and fill model.

`run_backtest(config, market)` loads the data and runs; `simulate(strategy, histories, config)`
runs over histories already in memory. docs/BACKTESTING.md has the rules, the result schema and
the metrics.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from algotrading.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from algotrading.backtest.config import (
        BacktestConfig,
        BacktestInputError,
        BacktestSizing,
        SizingMode,
    )
    from algotrading.backtest.data import BacktestMarketData, ExchangeMarketData, FileMarketData
    from algotrading.backtest.engine import progress_steps, run_backtest, simulate
    from algotrading.backtest.result import BacktestResult

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "algotrading.backtest.config": (
            "BacktestConfig",
            "BacktestInputError",
            "BacktestSizing",
            "SizingMode",
        ),
        "algotrading.backtest.data": (
            "BacktestMarketData",
            "ExchangeMarketData",
            "FileMarketData",
        ),
        "algotrading.backtest.engine": (
            "progress_steps",
            "run_backtest",
            "simulate",
        ),
        "algotrading.backtest.result": ("BacktestResult",),
    },
)

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
