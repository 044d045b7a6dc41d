"""Models of `/api/market`: candles with markers, funding, open interest, the scanners.

Candle prices and scanner figures are the library's floats, as `algo market candles --json`,
`algo funding rates --json` and `algo universe rank --json` print them (NaN as null); signal
and trade markers carry the stored `NUMERIC` values as Decimal strings.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from algotrading.domain.intervals import Interval


class Candle(BaseModel):
    start: str = Field(examples=["2025-10-01T00:00:00Z"])
    start_ms: int
    open: float
    high: float
    low: float
    close: float
    volume: float
    turnover: float


class SignalMarker(BaseModel):
    id: int | None
    strategy: str
    bar_close_time: str
    bar_interval: str | None
    action: Literal["entry_long", "entry_short", "exit", "adjust", "hold"]
    decision: Literal["accepted", "rejected", "skipped"]
    reason: str | None
    price: Decimal | None


class TradeMarker(BaseModel):
    id: int
    strategy: str
    side: Literal["long", "short"]
    status: str
    qty: Decimal
    entry_price: Decimal | None
    exit_price: Decimal | None
    opened_at: str | None
    closed_at: str | None
    exit_reason: str | None


class CandlesOut(BaseModel):
    symbol: str
    interval: Interval
    candles: list[Candle]
    signals: list[SignalMarker] = Field(
        description="The account's strategy decisions on this symbol within the candles' span"
        " (empty without X-Trading-Account-Id)"
    )
    trades: list[TradeMarker] = Field(
        description="The account's trades on this symbol opened or closed within the span"
    )


class SymbolsOut(BaseModel):
    symbols: list[str]


class IntervalsOut(BaseModel):
    intervals: list[Interval]


class FundingRate(BaseModel):
    """One symbol's funding as `algo funding rates --json` prints it (rates per settlement)."""

    symbol: str
    current_rate: float
    current_time: str
    avg_7d: float | None
    settlements_7d: int
    zscore_30d: float | None
    settlements_30d: int
    interval_hours: int | None
    interval_source: str
    next_settlement: str | None
    annualized: float | None


class FundingRatesOut(BaseModel):
    as_of: str
    rates: list[FundingRate]


class FundingSettlement(BaseModel):
    time: str
    time_ms: int
    rate: float


class OpenInterestPoint(BaseModel):
    time: str
    time_ms: int
    open_interest: float


class RankedOut(BaseModel):
    """One symbol of the momentum ranking (fields as `algo universe rank --json`)."""

    rank: int
    symbol: str
    vol_adjusted: float | None
    composite: float | None
    roc_7: float | None
    roc_14: float | None
    roc_30: float | None
    realized_vol: float | None
    corr_btc: float | None
    drawdown: float | None
    avg_turnover: float | None
    close: float | None


class Excluded(BaseModel):
    symbol: str
    reason: str


class RankingOut(BaseModel):
    as_of: str
    last_day: str
    ranked: list[RankedOut]
    excluded: list[Excluded]


class CarryCandidate(BaseModel):
    symbol: str
    extremity: float | None = Field(
        description="|mean funding rate| of the 7 days before the scan, per 8 h; null: no"
        " settlement in the window"
    )
    selected: bool


class CarryOut(BaseModel):
    as_of: str
    universe_size: int
    selected: list[str]
    candidates: list[CarryCandidate]


class TickerOut(BaseModel):
    """The exchange's ticker; prices and sizes as Decimal strings, as the exchange sends them."""

    symbol: str
    last_price: Decimal
    mark_price: Decimal
    index_price: Decimal | None
    bid_price: Decimal | None
    ask_price: Decimal | None
    volume_24h: Decimal
    turnover_24h: Decimal
    open_interest: Decimal | None
    funding_rate: Decimal | None
    next_funding_time: str | None
    time: str


class StatusRow(BaseModel):
    """One symbol on the strategy's last closed bar: each condition it checks and its values."""

    symbol: str
    bar_close: str | None = None
    settled: bool | None = Field(
        default=None, description="False: too little history, the values are not final yet"
    )
    entry_long: bool | None = None
    entry_short: bool | None = None
    exit_long: bool | None = None
    exit_short: bool | None = None
    conditions: dict[str, bool] = Field(default_factory=dict)
    values: dict[str, float | None] = Field(default_factory=dict)
    note: str | None = Field(default=None, description="Why the row has no reading")


class StrategyStatusOut(BaseModel):
    """The status table of a strategy (Step 8.2); an entry is the AND of its entry conditions,
    an exit the OR of its exit conditions."""

    strategy: Literal["trend", "scalper"]
    as_of: str
    interval: Interval = Field(description="The strategy's entry timeframe")
    long_entry: list[str] = Field(default_factory=list)
    short_entry: list[str] = Field(default_factory=list)
    long_exit: list[str] = Field(default_factory=list)
    short_exit: list[str] = Field(default_factory=list)
    rows: list[StatusRow]
