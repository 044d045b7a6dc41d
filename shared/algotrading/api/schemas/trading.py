"""Request and response models of `/api/trading`. Money, prices and quantities are Decimal,
as JSON strings (see docs/api.md)."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from algotrading.api.schemas.common import Strict
from algotrading.api.schemas.strategies import Reason, SleeveId, Symbol

Price = Annotated[Decimal, Field(gt=0, lt=Decimal("1e12"), max_digits=24, decimal_places=12)]


class TradeFilter(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class TradeOut(BaseModel):
    id: int
    strategy: str
    symbol: str
    side: str = Field(examples=["long"])
    status: str = Field(examples=["open"])
    qty: Decimal
    entry_price: Decimal | None
    exit_price: Decimal | None
    stop_loss: Decimal | None
    take_profit: Decimal | None
    leverage: Decimal | None
    realized_pnl: Decimal
    fees: Decimal
    funding: Decimal
    net_pnl: Decimal = Field(description="realized_pnl - fees + funding")
    exit_reason: str | None
    is_shadow: bool = Field(description="A paper trade (the strategy was paused)")
    opened_ms: int | None
    closed_ms: int | None


class OrderOut(BaseModel):
    id: int
    trade_id: int | None
    strategy: str | None
    symbol: str
    order_link_id: str
    purpose: str
    side: str
    order_type: str
    qty: Decimal
    price: Decimal | None
    reduce_only: bool
    status: str
    filled_qty: Decimal
    avg_fill_price: Decimal | None
    fee: Decimal
    reason: str | None
    created_ms: int


class TradeDetail(TradeOut):
    orders: list[OrderOut]


class LevelsUpdate(Strict):
    """New protective levels; a level left out keeps its value."""

    stop_loss: Price | None = None
    take_profit: Price | None = None
    reason: Reason | None = None

    @model_validator(mode="after")
    def _something(self) -> LevelsUpdate:
        if self.stop_loss is None and self.take_profit is None:
            raise ValueError("give stop_loss, take_profit or both")
        return self


class Side(StrEnum):
    LONG = "long"
    SHORT = "short"


class TradeCreate(Strict):
    """A hand-made entry, attributed to a sleeve: sized and capped against that sleeve's
    capital by the account's risk rules. Give `qty` or `risk_pct`, not both."""

    strategy: SleeveId = Field(description="The sleeve the trade belongs to")
    symbol: Symbol = Field(description="A known instrument (GET /api/market/symbols)")
    side: Side
    stop_loss: Price = Field(description="Required: every entry carries its stop (risk rules)")
    take_profit: Price | None = None
    qty: (
        Annotated[Decimal, Field(gt=0, lt=Decimal("1e9"), max_digits=21, decimal_places=12)] | None
    ) = Field(default=None, description="Base-coin quantity, a multiple of the lot step")
    risk_pct: Annotated[Decimal, Field(gt=0, le=100, decimal_places=4)] | None = Field(
        default=None, description="% of the sleeve's sizing capital lost at the stop (fees in)"
    )
    leverage: Annotated[Decimal, Field(ge=1, le=100, decimal_places=2)] = Decimal(1)
    reason: Reason | None = None

    @model_validator(mode="after")
    def _one_size(self) -> TradeCreate:
        if (self.qty is None) == (self.risk_pct is None):
            raise ValueError("give qty or risk_pct (exactly one)")
        return self


class CloseRequest(Strict):
    reason: Reason


class PositionOut(BaseModel):
    """A position as the exchange reports it (not the book's view)."""

    symbol: str
    side: str
    size: Decimal
    entry_price: Decimal
    mark_price: Decimal
    leverage: Decimal
    margin: Decimal
    unrealized_pnl: Decimal
    liquidation_price: Decimal | None
    take_profit: Decimal | None
    stop_loss: Decimal | None


class BalanceOut(BaseModel):
    """The exchange account's coins and its total equity (USD)."""

    total_equity: Decimal
    coins: list[dict[str, Decimal | str]]
