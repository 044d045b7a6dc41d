"""Portfolio backtest: the four sleeves on one capital with the live portfolio and risk code.

`plan` -> `run_unit` per unit (independent, JSON messages, arrays in a blob store) -> `combine`
(shared-capital accounting in time order) -> `PortfolioResult`. docs/BACKTESTING.md, "Portfolio".
"""

from algotrading.backtest.portfolio.blobs import BlobStore, LocalBlobStore
from algotrading.backtest.portfolio.config import PortfolioBacktestConfig
from algotrading.backtest.portfolio.result import PortfolioResult
from algotrading.backtest.portfolio.runner import run_portfolio, run_units
from algotrading.backtest.portfolio.units import UnitResult, UnitSpec, plan, run_unit

__all__ = [
    "BlobStore",
    "LocalBlobStore",
    "PortfolioBacktestConfig",
    "PortfolioResult",
    "UnitResult",
    "UnitSpec",
    "plan",
    "run_portfolio",
    "run_unit",
    "run_units",
]
