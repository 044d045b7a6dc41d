"""Unified exchange types: what the trading core sees, whichever exchange (or simulator) is behind.

Prices, quantities, money and rates are `Decimal`: they are rounded to an instrument's tick and
step and end up in NUMERIC columns, where binary floats would leave `0.30000000000000004` behind.
Candles and funding histories stay numpy float arrays (`algotrading.domain.series`) because the
indicators work on whole columns. Time is UTC milliseconds (int) throughout. Enum values match
the CHECK constraints of the `orders` table so an order can be stored without translation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from enum import StrEnum

from algotrading.domain.positions import PositionSide

ORDER_LINK_ID = re.compile(r"^[A-Za-z0-9_-]{1,36}$")
"""Bybit's rule for client order ids: at most 36 letters, digits, dashes and underscores."""

ZERO = Decimal(0)


class OrderSide(StrEnum):
    BUY = "buy"
    SELL = "sell"

    @property
    def opposite(self) -> OrderSide:
        return OrderSide.SELL if self is OrderSide.BUY else OrderSide.BUY


def order_side_to_open(side: PositionSide) -> OrderSide:
    """The order side that opens (or adds to) a position: a buy for a long, a sell for a short.

    The exchange also reports a position's side as this order side. The one place a position
    side becomes an order side, so entries, exits, stops and reconciliation cannot disagree.
    """
    return OrderSide.BUY if side is PositionSide.LONG else OrderSide.SELL


def order_side_to_close(side: PositionSide) -> OrderSide:
    """The order side that reduces or closes a position: the opposite of the one that opened it."""
    return order_side_to_open(side).opposite


def position_side_opened_by(side: OrderSide) -> PositionSide:
    """The position an entry order of this side opens (the inverse of `order_side_to_open`)."""
    return PositionSide.LONG if side is OrderSide.BUY else PositionSide.SHORT


class OrderType(StrEnum):
    MARKET = "market"
    LIMIT = "limit"


class TimeInForce(StrEnum):
    GTC = "gtc"
    IOC = "ioc"
    FOK = "fok"
    POST_ONLY = "post_only"


class TriggerDirection(StrEnum):
    """When a conditional order fires: the last price rising to its trigger, or falling to it."""

    RISE = "rise"
    FALL = "fall"


class OrderStatus(StrEnum):
    """The order's state; `created` means accepted by the exchange but not yet in the book."""

    CREATED = "created"
    NEW = "new"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELLED = "cancelled"
    REJECTED = "rejected"

    @property
    def is_open(self) -> bool:
        return self in (OrderStatus.CREATED, OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED)


@dataclass(frozen=True, slots=True)
class Balance:
    """One coin of the trading account; `available` is what can be withdrawn or moved."""

    coin: str
    equity: Decimal
    wallet_balance: Decimal
    available: Decimal
    unrealized_pnl: Decimal
    usd_value: Decimal


@dataclass(frozen=True, slots=True)
class ExchangePosition:
    """An open position (one-way mode: one per symbol); `margin` is the position's own margin."""

    symbol: str
    side: OrderSide
    size: Decimal
    entry_price: Decimal
    mark_price: Decimal
    leverage: Decimal
    margin: Decimal
    unrealized_pnl: Decimal
    realized_pnl: Decimal
    liquidation_price: Decimal | None
    take_profit: Decimal | None
    stop_loss: Decimal | None
    position_idx: int
    created_ms: int
    updated_ms: int

    @property
    def notional(self) -> Decimal:
        return self.size * self.mark_price


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """An order the caller wants placed.

    `order_link_id` is mandatory: it is derived by the caller from what caused the order, so a
    retried invocation can never place a second one. For a market order `price` is only the
    expected price, used to check the minimum notional before sending; it is never sent (Bybit
    quirk 9). There are no TP/SL fields on purpose: they are set after the fill (quirk 10).

    `trigger_price` with `trigger_direction` makes a conditional market order: it rests at the
    exchange and becomes a market order when the last price reaches the trigger (a partial
    take-profit resting at its level, filled as the backtest books it).
    """

    symbol: str
    side: OrderSide
    qty: Decimal
    order_link_id: str
    order_type: OrderType = OrderType.MARKET
    price: Decimal | None = None
    time_in_force: TimeInForce | None = None
    reduce_only: bool = False
    trigger_price: Decimal | None = None
    trigger_direction: TriggerDirection | None = None

    def __post_init__(self) -> None:
        if not ORDER_LINK_ID.match(self.order_link_id):
            raise ValueError(
                f"order_link_id {self.order_link_id!r} must be 1-36 letters, digits, '-' or '_'"
            )
        if not isinstance(self.qty, Decimal) or self.qty <= 0:
            raise ValueError(f"qty must be a positive Decimal, got {self.qty!r}")
        if self.price is not None and (not isinstance(self.price, Decimal) or self.price <= 0):
            raise ValueError(f"price must be a positive Decimal, got {self.price!r}")
        if self.order_type is OrderType.LIMIT and self.price is None:
            raise ValueError("a limit order needs a price")
        self._check_trigger()

    def _check_trigger(self) -> None:
        if (self.trigger_price is None) != (self.trigger_direction is None):
            raise ValueError("a conditional order needs both a trigger price and a direction")
        if self.trigger_price is None:
            return
        if not isinstance(self.trigger_price, Decimal) or self.trigger_price <= 0:
            raise ValueError(
                f"trigger_price must be a positive Decimal, got {self.trigger_price!r}"
            )
        if self.order_type is not OrderType.MARKET:
            raise ValueError("only conditional market orders are supported")


@dataclass(frozen=True, slots=True)
class Order:
    """An order as the exchange knows it; `trigger_price` is set on a conditional order (which
    is open, status `new`, until it triggers and fills)."""

    order_id: str
    order_link_id: str
    symbol: str
    side: OrderSide
    order_type: OrderType
    status: OrderStatus
    qty: Decimal
    price: Decimal | None
    filled_qty: Decimal
    avg_fill_price: Decimal | None
    reduce_only: bool
    time_in_force: TimeInForce | None
    take_profit: Decimal | None
    stop_loss: Decimal | None
    reject_reason: str | None
    created_ms: int
    updated_ms: int
    trigger_price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Execution:
    """One fill (or a funding/ADL/liquidation execution, see `exec_type`)."""

    exec_id: str
    order_id: str
    order_link_id: str
    symbol: str
    side: OrderSide
    price: Decimal
    qty: Decimal
    value: Decimal
    fee: Decimal
    fee_rate: Decimal
    is_maker: bool
    exec_type: str
    time_ms: int


@dataclass(frozen=True, slots=True)
class Ticker:
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
    next_funding_ms: int | None
    time_ms: int


@dataclass(frozen=True, slots=True)
class FundingRate:
    """The current (predicted) rate of the next settlement; 0.0001 = 0.01 % per interval."""

    symbol: str
    rate: Decimal
    next_funding_ms: int
    interval_hours: int | None
    time_ms: int


@dataclass(frozen=True, slots=True)
class OpenInterest:
    """Open interest in base-coin units at `time_ms`."""

    symbol: str
    open_interest: Decimal
    time_ms: int


@dataclass(frozen=True, slots=True)
class FundingSettlement:
    """A funding payment of this account; `amount` > 0 was received, < 0 was paid."""

    symbol: str
    time_ms: int
    rate: Decimal
    side: OrderSide | None
    position_size: Decimal
    price: Decimal
    amount: Decimal
    currency: str

    @property
    def position_value(self) -> Decimal:
        return self.position_size * self.price


@dataclass(frozen=True, slots=True)
class AccountInfo:
    """Who the key belongs to and what it may do (no secret is ever part of it)."""

    uid: str | None
    account_type: str | None
    is_master: bool | None
    read_only: bool
    permissions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    ips: tuple[str, ...] = ()
    expires_at: str | None = None

    @property
    def can_trade(self) -> bool:
        """Derivatives orders need write access and the contract-trade permission."""
        contract = self.permissions.get("ContractTrade", ())
        return not self.read_only and "Order" in contract


@dataclass(frozen=True, slots=True)
class SymbolInfo:
    """Trading rules of one perpetual; rounding lives here so every caller rounds the same way."""

    symbol: str
    base_coin: str
    quote_coin: str
    settle_coin: str
    status: str
    tick_size: Decimal
    qty_step: Decimal
    min_qty: Decimal
    max_qty: Decimal
    max_market_qty: Decimal
    min_notional: Decimal
    min_leverage: Decimal
    max_leverage: Decimal
    leverage_step: Decimal
    funding_interval_hours: int | None
    launch_ms: int

    @property
    def is_trading(self) -> bool:
        return self.status == "Trading"

    def floor_qty(self, qty: Decimal) -> Decimal:
        """Round down to the step: rounding up would trade more than the caller sized."""
        return _to_step(qty, self.qty_step, ROUND_FLOOR)

    def round_price(self, price: Decimal, side: OrderSide | None = None) -> Decimal:
        """To the tick, never worse for the caller: buys round down, sells up, else nearest."""
        if side is OrderSide.BUY:
            mode = ROUND_FLOOR
        elif side is OrderSide.SELL:
            mode = ROUND_CEILING
        else:
            mode = ROUND_HALF_EVEN
        return _to_step(price, self.tick_size, mode)

    def round_leverage(self, leverage: Decimal) -> Decimal:
        return _to_step(leverage, self.leverage_step, ROUND_FLOOR)


def _to_step(value: Decimal, step: Decimal, rounding: str) -> Decimal:
    if step <= 0:
        return value
    units = (value / step).to_integral_value(rounding=rounding)
    return (units * step).quantize(step)
