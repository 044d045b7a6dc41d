"""The simulator's books: accounts, positions, orders, executions and the transaction log.

Plain dataclasses holding `Decimal` money, so a snapshot to JSON and back (for --persist) is exact.
One-way position mode only: one position per symbol and account (positionIdx 0).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

ZERO = Decimal(0)
ACTIVE_STATUSES = ("New", "PartiallyFilled", "Untriggered", "Triggered")
"""Orders that can still trade. A conditional order waits `Untriggered`; `Triggered` lasts only
while the bar that fired it is being replayed (it is pushed, never seen by a REST request)."""
T = TypeVar("T")


@dataclass
class Order:
    order_id: str
    order_link_id: str
    symbol: str
    side: str
    order_type: str
    qty: Decimal
    price: Decimal
    time_in_force: str
    reduce_only: bool
    leverage: Decimal
    created_ms: int
    updated_ms: int
    armed_ms: int
    """Fills are checked against bars that start at or after this (creation or last amend)."""
    last_price_on_created: Decimal = ZERO
    close_on_trigger: bool = False
    status: str = "New"
    cum_exec_qty: Decimal = ZERO
    cum_exec_value: Decimal = ZERO
    cum_exec_fee: Decimal = ZERO
    cancel_type: str = "UNKNOWN"
    reject_reason: str = "EC_NoError"
    stop_order_type: str = ""
    create_type: str = "CreateByUser"
    trigger_price: Decimal = ZERO
    trigger_direction: int = 0
    """1 fires on a rise to `trigger_price`, 2 on a fall; 0 for every order that is not a
    conditional order (snapshots written before conditional orders existed load as 0)."""
    take_profit: Decimal = ZERO
    stop_loss: Decimal = ZERO

    @property
    def is_buy(self) -> bool:
        return self.side == "Buy"

    @property
    def is_conditional(self) -> bool:
        """A conditional (stop) order placed with a triggerPrice; position TP/SL exits are not."""
        return self.trigger_direction != 0

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def leaves_qty(self) -> Decimal:
        return self.qty - self.cum_exec_qty if self.active else ZERO

    @property
    def avg_price(self) -> Decimal | None:
        if self.cum_exec_qty == 0:
            return None
        return self.cum_exec_value / self.cum_exec_qty


@dataclass
class SimPosition:
    symbol: str
    leverage: Decimal
    side: str = ""
    size: Decimal = ZERO
    entry: Decimal = ZERO
    margin: Decimal = ZERO
    take_profit: Decimal = ZERO
    stop_loss: Decimal = ZERO
    cur_realised: Decimal = ZERO
    cum_realised: Decimal = ZERO
    created_ms: int = 0
    updated_ms: int = 0
    watch_from_ms: int = 0
    """Stop, take-profit and liquidation are checked against bars starting at or after this."""

    @property
    def is_long(self) -> bool:
        return self.side == "Buy"

    @property
    def open(self) -> bool:
        return self.size > 0


@dataclass
class Execution:
    exec_id: str
    order_id: str
    order_link_id: str
    symbol: str
    side: str
    order_type: str
    order_price: Decimal
    order_qty: Decimal
    leaves_qty: Decimal
    exec_price: Decimal
    exec_qty: Decimal
    exec_value: Decimal
    exec_fee: Decimal
    fee_rate: Decimal
    is_maker: bool
    exec_type: str
    exec_time: int
    closed_size: Decimal
    exec_pnl: Decimal
    mark_price: Decimal
    seq: int
    stop_order_type: str = ""
    create_type: str = "CreateByUser"


@dataclass
class LedgerEntry:
    """One row of /v5/account/transaction-log (signs as Bybit: funding > 0 is received)."""

    id: str
    symbol: str
    side: str
    type: str
    time_ms: int
    qty: Decimal
    size: Decimal
    trade_price: Decimal
    funding: Decimal
    fee: Decimal
    cash_flow: Decimal
    change: Decimal
    cash_balance: Decimal
    fee_rate: Decimal
    trade_id: str = ""
    order_id: str = ""
    order_link_id: str = ""


@dataclass
class Account:
    api_key: str
    uid: int
    wallet: Decimal
    created_ms: int
    cum_realised: Decimal = ZERO
    positions: dict[str, SimPosition] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)
    link_ids: dict[str, str] = field(default_factory=dict)
    executions: list[Execution] = field(default_factory=list)
    ledger: list[LedgerEntry] = field(default_factory=list)
    leverage: dict[str, Decimal] = field(default_factory=dict)
    seq: int = 0

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def position(self, symbol: str, default_leverage: Decimal) -> SimPosition:
        if symbol not in self.positions:
            lev = self.leverage.get(symbol, default_leverage)
            self.positions[symbol] = SimPosition(symbol, lev)
        return self.positions[symbol]

    def active_orders(self, symbol: str | None = None) -> list[Order]:
        return [
            o for o in self.orders.values() if o.active and (symbol is None or o.symbol == symbol)
        ]

    def order_by(self, order_id: str | None, order_link_id: str | None) -> Order | None:
        """orderId wins when both are given, as on Bybit."""
        if order_id:
            return self.orders.get(order_id)
        if order_link_id and order_link_id in self.link_ids:
            return self.orders.get(self.link_ids[order_link_id])
        return None


# --- snapshots (--persist) -------------------------------------------------------------------


def to_json(obj: Any) -> Any:
    """Dataclasses, dicts and lists as JSON values; Decimals as exact strings."""
    if isinstance(obj, Decimal):
        return str(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_json(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {k: to_json(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [to_json(v) for v in obj]
    return obj


def _load(cls: type[T], data: dict[str, Any]) -> T:
    values = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name not in data:
            continue
        value = data[f.name]
        values[f.name] = Decimal(value) if "Decimal" in str(f.type) and value is not None else value
    return cls(**values)


def account_from_json(data: dict[str, Any]) -> Account:
    account = _load(Account, {k: v for k, v in data.items() if k in _SCALARS})
    account.positions = {k: _load(SimPosition, v) for k, v in data["positions"].items()}
    account.orders = {k: _load(Order, v) for k, v in data["orders"].items()}
    account.link_ids = dict(data["link_ids"])
    account.executions = [_load(Execution, v) for v in data["executions"]]
    account.ledger = [_load(LedgerEntry, v) for v in data["ledger"]]
    account.leverage = {k: Decimal(v) for k, v in data["leverage"].items()}
    return account


_SCALARS = ("api_key", "uid", "wallet", "created_ms", "cum_realised", "seq")
