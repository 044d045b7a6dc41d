"""Request and response models of `/api/strategies` and the portfolio controls.

Money and prices are `Decimal` and travel as JSON strings (pydantic's default), so no figure is
rounded through a float on its way to the dashboard; strategy parameters and performance ratios
are plain JSON numbers, as the strategies and the metrics compute them.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, Field

from algotrading.api.schemas.common import Strict
from algotrading.strategies.registry import sleeve_ids

SleeveId = StrEnum("SleeveId", {s.upper(): s for s in sleeve_ids()})  # type: ignore[misc]
"""The strategies that trade a sleeve (the registry's), as an enum so OpenAPI lists them."""

SYMBOL_PATTERN = r"^[A-Z0-9]{2,20}USDT$"
Symbol = Annotated[str, Field(pattern=SYMBOL_PATTERN, examples=["BTCUSDT"])]
Reason = Annotated[
    str, Field(min_length=1, max_length=500, pattern=r"\S", examples=["funding spike"])
]


class BreakerOut(BaseModel):
    """The scope's stored breaker state (none stored yet: active, no override)."""

    status: str = Field(examples=["active"])
    override: str | None = None
    floored: bool = False
    peak_equity: Decimal | None = None
    reason: str | None = None
    changed_ms: int | None = None
    resumed_by: str | None = None
    resumed_reason: str | None = None
    resumed_ms: int | None = None


class PerformanceOut(BaseModel):
    """The latest `strategy_performance` row of one period (drawdown as a fraction)."""

    period: str = Field(examples=["all"])
    as_of_ms: int
    period_return: float | None
    sharpe: float | None
    sortino: float | None
    calmar: float | None
    max_drawdown: float | None
    win_rate: float | None
    profit_factor: float | None
    trade_count: int


class StrategyOut(BaseModel):
    """One strategy of the account: what `algo strategies list` shows, plus its parameters
    (the defaults merged with the account's overrides) and its latest metrics."""

    id: str = Field(examples=["scalper"])
    enabled: bool
    allocation_pct: Decimal
    status: str = Field(description="Effective status (a halted portfolio pauses every sleeve)")
    override: str | None
    open_trades: int = Field(ge=0)
    paper_trades: int = Field(ge=0)
    symbols: list[str] | None = Field(description="The account's symbols; null: the default")
    config: dict[str, Any] = Field(description="Parameters in force (defaults + overrides)")
    overrides: dict[str, Any] = Field(description="The account's stored overrides")
    breaker: BreakerOut
    metrics: list[PerformanceOut]


class PositionStateOut(BaseModel):
    """The policy state the executor keeps for one open position (`strategy_state`)."""

    symbol: str
    trade_id: int | None
    position: dict[str, Any] | None
    pending: dict[str, Any] | None


class StrategyStateOut(BaseModel):
    """Everything the executor holds about the strategy on this account."""

    strategy: StrategyOut
    positions: list[PositionStateOut]
    open_trades: list[dict[str, Any]] = Field(description="Open and pending trades, live and paper")


class ConfigUpdate(Strict):
    """The account's overrides of the strategy: they replace the stored ones."""

    params: dict[str, Any] = Field(
        default_factory=dict, max_length=64,
        description="Parameter overrides, checked by the strategy's own parameter model",
        examples=[{"setup_window_bars": 3}],
    )  # fmt: skip
    symbols: list[Symbol] | None = Field(
        default=None, min_length=1, max_length=100, description="null: the default universe"
    )
    enabled: bool = True


class PauseRequest(Strict):
    reason: Reason | None = None


class ReasonRequest(Strict):
    reason: Reason


class ControlOut(BaseModel):
    """What a pause or resume did (`changed` false: it was already in force)."""

    scope: str
    action: str = Field(examples=["pause"])
    changed: bool
    status: str
    transitions: list[dict[str, Any]]


class FlattenOut(BaseModel):
    """What a flatten did (also stored as its audit row's detail)."""

    scope: str
    strategies: list[str]
    transitions: list[dict[str, Any]]
    cancelled_orders: list[str]
    closed_trades: list[int]
    errors: list[str]
    audit_id: int | None


class SignalOut(BaseModel):
    """One decision of the signal log."""

    id: int | None
    strategy: str
    symbol: str
    bar_interval: str | None
    bar_close_ms: int
    action: str
    decision: str
    reason: str | None
    price: Decimal | None
    stop_loss: Decimal | None
    take_profit: Decimal | None
    qty: Decimal | None
