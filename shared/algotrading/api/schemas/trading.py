"""Request and response models of `/api/trading`. Money, prices and quantities are Decimal,
as JSON strings (see docs/api.md)."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from algotrading.api.schemas.common import Strict
from algotrading.api.schemas.strategies import Reason

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
