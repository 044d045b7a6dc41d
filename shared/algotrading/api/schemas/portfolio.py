"""The portfolio of one account as the API shows it: the summary cards, the equity curves, the
performance metrics, open positions, allocation and circuit breakers.

Money, quantities, prices and percentages are decimal strings (as stored, exact); performance
ratios (Sharpe, returns as fractions) are JSON numbers, the floats `strategy_performance` holds.
Times are ISO 8601 UTC.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field

from algotrading.domain.breaker import BreakerStatus, Override
from algotrading.domain.performance import Period
from algotrading.domain.positions import PositionSide
from algotrading.domain.trades import TradeStatus


class CurveRange(StrEnum):
    """How far back from the account's newest snapshot (for a running account: now)."""

    DAY = "1d"
    WEEK = "1w"
    MONTH = "1m"
    QUARTER = "3m"
    ALL = "all"


class PositionCounts(BaseModel):
    total: int = Field(ge=0)
    long: int = Field(ge=0)
    short: int = Field(ge=0)
    paper: int = Field(ge=0, description="Of the total: paper (shadow) positions")


class Summary(BaseModel):
    """Step 7.1's four cards; the equity figures are the newest portfolio snapshot's."""

    as_of: datetime | None = Field(description="The newest snapshot; null before the first")
    equity: Decimal | None
    starting_capital: Decimal | None
    total_return_pct: Decimal | None = Field(description="equity / starting capital - 1, in %")
    today_pnl: Decimal | None = Field(description="equity minus the last equity before 00:00 UTC")
    real_drawdown_pct: Decimal | None = Field(description="From the all-time real peak")
    breaker_drawdown_pct: Decimal | None = Field(description="From the breaker's reference")
    halt_threshold_pct: Decimal = Field(description="The portfolio breaker trips at this")
    breaker_state: BreakerStatus
    positions: PositionCounts


class CurvePoint(BaseModel):
    time: datetime
    equity: Decimal


class CurveSeries(BaseModel):
    scope: str = Field(description="portfolio, or a strategy id")
    points: list[CurvePoint]


class EquityCurve(BaseModel):
    start: datetime | None
    end: datetime | None
    series: list[CurveSeries]


class PerformanceOut(BaseModel):
    """The newest row of one period kind (`all`: since inception)."""

    period: Period
    as_of: datetime
    period_return: float | None
    sharpe: float | None
    sortino: float | None
    calmar: float | None
    max_drawdown: float | None = Field(description="A fraction (0.1 = 10 %)")
    win_rate: float | None
    profit_factor: float | None
    trade_count: int


class Performance(BaseModel):
    scope: str
    periods: list[PerformanceOut]


class PositionOut(BaseModel):
    trade_id: int
    strategy: str
    symbol: str
    side: PositionSide
    status: TradeStatus
    qty: Decimal = Field(description="The open quantity (after partial exits)")
    entry_price: Decimal | None
    stop_loss: Decimal | None
    take_profit: Decimal | None
    leverage: Decimal | None
    is_paper: bool
    opened_at: datetime | None


class AllocationOut(BaseModel):
    """One strategy's line, as `algo strategies list --json` prints it, with its sleeve equity."""

    strategy: str
    enabled: bool
    allocation_pct: Decimal
    status: BreakerStatus = Field(description="Effective status (a halted portfolio pauses all)")
    open_trades: int
    paper_trades: int
    equity: Decimal | None = Field(description="The sleeve's newest snapshot equity")


class BreakerOut(BaseModel):
    """A scope's breaker (docs/RISK.md): the soft rule from the breaker reference, the hard
    floor from the floor peak."""

    scope: str
    state: BreakerStatus
    override: Override | None
    floored: bool
    reason: str | None
    changed_at: datetime | None
    real_peak: Decimal
    breaker_reference: Decimal = Field(description="The peak the soft rule measures from")
    floor_peak: Decimal
    floor: Decimal = Field(description="floor peak x (1 - floor %): the hard floor's equity")
    trip_pct: Decimal = Field(description="The soft rule's threshold")
    floor_pct: Decimal
    real_drawdown_pct: Decimal | None = Field(description="Of the newest snapshot")
    breaker_drawdown_pct: Decimal | None = Field(description="Of the newest snapshot")
