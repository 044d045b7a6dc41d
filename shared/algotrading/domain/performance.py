"""A row of `strategy_performance`: one scope's metrics over one calendar period.

Computed by `portfolio.performance` from an equity curve and closed trades, stored and read
back by `db.performance`: a value type the portfolio tier and the database layer share.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Period(StrEnum):
    """Matches the CHECK constraint of `strategy_performance.period`."""

    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    ALL = "all"


@dataclass(frozen=True, slots=True)
class PerformanceRow:
    """One `strategy_performance` row; ratios as plain floats, drawdown as a fraction."""

    scope: str
    period: Period
    as_of_ms: int
    period_return: float | None
    sharpe: float | None
    sortino: float | None
    calmar: float | None
    max_drawdown: float | None
    win_rate: float | None
    profit_factor: float | None
    trade_count: int
