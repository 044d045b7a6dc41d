"""The exchange core: accounts and the market at one sim time, moved forward bar by bar.

`advance_to(t)` replays every finest bar that closes and every funding settlement that falls in
(now, t], in time order: position exits (stop, take-profit, liquidation), then resting limit
orders and conditional (stop) orders, then funding. Each change is queued as a private WebSocket
event for its account. All calls happen on the server's event-loop thread; the lock only guards
readers on other threads (tests).
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from algotrading.domain import fills
from algotrading.local.bybit_sim import books, views
from algotrading.local.bybit_sim.config import SimConfig
from algotrading.local.bybit_sim.envelope import BybitError, dec
from algotrading.local.bybit_sim.instruments import InstrumentInfo, derive_instrument
from algotrading.local.bybit_sim.market import MarketReplay, SymbolTape
from algotrading.local.bybit_sim.state import (
    ZERO,
    Account,
    Order,
    SimPosition,
    account_from_json,
    to_json,
)

DEFAULT_LEVERAGE = Decimal(10)
SNAPSHOT_VERSION = 1


@dataclass(frozen=True, slots=True)
class PrivateEvent:
    """A row for one account's private topic (order, execution, position, wallet)."""

    api_key: str
    topic: str
    row: dict[str, Any]


class Engine:
    def __init__(self, market: MarketReplay, config: SimConfig, now_ms: int) -> None:
        self.market = market
        self.config = config
        self.mmr = fills.MAINTENANCE_MARGIN_RATE
        self.slippage_bps = config.slippage_bps
        self.infos: dict[str, InstrumentInfo] = {
            s: derive_instrument(t) for s, t in market.tapes.items()
        }
        self.now_ms = now_ms
        self.accounts: dict[str, Account] = {}
        self.secrets: dict[str, str] = {}
        self.outbox: list[PrivateEvent] = []
        self.changed = False
        self.lock = threading.RLock()
        for number, account in enumerate(config.accounts, start=1):
            self.secrets[account.api_key] = account.api_secret
            self.accounts[account.api_key] = Account(
                account.api_key, 1_000_000 + number, config.balance, now_ms
            )

    # --- lookups --------------------------------------------------------------------------------

    def tape(self, symbol: str | None) -> SymbolTape:
        tape = self.market.tape(symbol or "")
        if tape is None:
            raise BybitError(10001, f"params error: symbol invalid ({symbol or 'missing'})")
        return tape

    def info(self, symbol: str) -> InstrumentInfo:
        self.tape(symbol)
        return self.infos[symbol]

    def price(self, symbol: str) -> Decimal:
        """The current price; refused for a symbol whose data has not started yet."""
        value = self.tape(symbol).price(self.now_ms)
        if value is None:
            raise BybitError(10001, f"{symbol} has no market data yet at this sim time")
        return dec(value)

    def mark(self, symbol: str) -> Decimal:
        value = self.tape(symbol).price(self.now_ms)
        return dec(value) if value is not None else ZERO

    def marks(self) -> dict[str, Decimal]:
        return {s: self.mark(s) for s in self.market.tapes}

    def position(self, account: Account, symbol: str) -> SimPosition:
        lev = min(DEFAULT_LEVERAGE, self.info(symbol).max_leverage)
        return account.position(symbol, account.leverage.get(symbol, lev))

    # --- events ---------------------------------------------------------------------------------

    def emit_order(self, account: Account, order: Order) -> None:
        row = views.order_row(order, self.infos[order.symbol], ws=True)
        self._emit(account, "order", row)

    def emit_fill(self, account: Account, order: Order, execution: Any) -> None:
        """After an execution: the order, the execution, the position and the wallet."""
        self.emit_order(account, order)
        row = views.execution_row(execution, self.infos[order.symbol], ws=True)
        self._emit(account, "execution", row)
        self.emit_position(account, order.symbol)
        self.emit_wallet(account)

    def emit_position(self, account: Account, symbol: str) -> None:
        position = self.position(account, symbol)
        row = views.position_row(position, self.infos[symbol], self.mark(symbol), self.mmr, True)
        self._emit(account, "position", row)

    def emit_wallet(self, account: Account) -> None:
        self._emit(account, "wallet", views.wallet_row(account, self.marks(), self.mmr))

    def _emit(self, account: Account, topic: str, row: dict[str, Any]) -> None:
        self.outbox.append(PrivateEvent(account.api_key, topic, row))
        self.changed = True

    def drain(self) -> list[PrivateEvent]:
        events, self.outbox = self.outbox, []
        return events

    # --- trading helpers shared by requests and bars --------------------------------------------

    def new_order(self, account: Account, symbol: str, side: str, qty: Decimal, **kw: Any) -> Order:
        position = self.position(account, symbol)
        order = Order(
            order_id=str(uuid.uuid4()),
            order_link_id=kw.pop("order_link_id", ""),
            symbol=symbol,
            side=side,
            order_type=kw.pop("order_type", "Market"),
            qty=qty,
            price=kw.pop("price", ZERO),
            time_in_force=kw.pop("time_in_force", "IOC"),
            reduce_only=kw.pop("reduce_only", False),
            leverage=position.leverage,
            created_ms=self.now_ms,
            updated_ms=self.now_ms,
            armed_ms=self.now_ms,
            last_price_on_created=self.mark(symbol),
            **kw,
        )
        account.orders[order.order_id] = order
        if order.order_link_id:
            account.link_ids[order.order_link_id] = order.order_id
        return order

    def fill(self, account: Account, order: Order, qty: Decimal, price: Decimal, **kw: Any) -> None:
        """Book one execution and queue its events; cancel reduce-only orders left dangling."""
        mark = self.mark(order.symbol)
        execution = books.book_fill(account, order, qty, price, now_ms=self.now_ms, mark=mark, **kw)
        self.emit_fill(account, order, execution)
        if order.take_profit or order.stop_loss:
            position = self.position(account, order.symbol)
            if position.open:
                position.take_profit, position.stop_loss = order.take_profit, order.stop_loss
                position.watch_from_ms = self.now_ms
        if not self.position(account, order.symbol).open:
            self.cancel_all(account, order.symbol, "CancelByReduceOnly", reduce_only=True)

    def cancel(self, account: Account, order: Order, cancel_type: str, reason: str = "") -> None:
        """End an order; one that never fired ends `Deactivated`, as Bybit shows it."""
        order.status = "Deactivated" if order.status == "Untriggered" else "Cancelled"
        order.cancel_type = cancel_type
        if reason:
            order.reject_reason = reason
        order.updated_ms = self.now_ms
        self.emit_order(account, order)
        self.emit_wallet(account)

    def cancel_all(
        self, account: Account, symbol: str, cancel_type: str, reduce_only: bool = False
    ) -> None:
        for order in account.active_orders(symbol):
            if order.reduce_only or not reduce_only:
                self.cancel(account, order, cancel_type)

    # --- time -----------------------------------------------------------------------------------

    def advance_to(self, t: int) -> None:
        """Replay (now, t]: finest bars at their close, settlements at their time."""
        if t <= self.now_ms:
            return
        start = self.now_ms
        events: list[tuple[int, int, str, int, float]] = []
        for symbol in self._busy_symbols():
            tape = self.market.tapes[symbol]
            for i in tape.bars_closing(start, t):
                events.append((int(tape.bar_end[i]), 0, symbol, i, 0.0))
            for when, rate in tape.funding_between(start, t):
                events.append((when, 1, symbol, when, rate))
        events.sort()
        for when, kind, symbol, index, rate in events:
            self.now_ms = when
            if kind == 0:
                self._on_bar(symbol, index)
            else:
                self._on_funding(symbol, rate)
        self.now_ms = t

    def _busy_symbols(self) -> list[str]:
        """Symbols where something can happen: an open position or a resting order."""
        busy: set[str] = set()
        for account in self.accounts.values():
            busy.update(s for s, p in account.positions.items() if p.open)
            busy.update(o.symbol for o in account.active_orders())
        return sorted(busy)

    def _on_bar(self, symbol: str, index: int) -> None:
        """Position exits first (a bar that hits the stop closes the position before any order of
        the symbol is looked at), then the armed orders in the order they were placed."""
        start, o, h, low, c = self.market.tapes[symbol].bar(index)
        bar = fills.Bar(o, h, low, c)
        for account in self.accounts.values():
            position = account.positions.get(symbol)
            if position is not None and position.open and position.watch_from_ms <= start:
                self._check_exit(account, position, bar)
            for order in account.active_orders(symbol):
                if not order.active or order.armed_ms > start:  # an earlier fill may have ended it
                    continue
                if order.status == "Untriggered":
                    self._check_trigger(account, order, bar)
                elif order.order_type == "Limit" and fills.limit_touched(
                    order.is_buy, float(order.price), bar
                ):
                    self._fill_resting(account, order)

    def _check_exit(self, account: Account, position: SimPosition, bar: fills.Bar) -> None:
        info = self.infos[position.symbol]
        levels = books.liquidation_levels(position, info, self.mmr)
        assert levels is not None
        found = fills.resolve_exit(
            position.is_long,
            bar,
            stop_loss=float(position.stop_loss) if position.stop_loss else None,
            take_profit=float(position.take_profit) if position.take_profit else None,
            liquidation=float(levels[0]),
            bankruptcy=float(levels[1]),
        )
        if found is None:
            return
        if found.kind is fills.ExitKind.LIQUIDATION:
            self.cancel_all(account, position.symbol, "CancelByPrepareLiq")
        level = dec(found.price)
        trigger = {
            fills.ExitKind.STOP_LOSS: ("StopLoss", "CreateByStopLoss", position.stop_loss),
            fills.ExitKind.TAKE_PROFIT: ("TakeProfit", "CreateByTakeProfit", position.take_profit),
            fills.ExitKind.LIQUIDATION: ("", "CreateByLiquidate", ZERO),
        }[found.kind]
        order = self.new_order(
            account,
            position.symbol,
            "Sell" if position.is_long else "Buy",
            position.size,
            price=level,
            reduce_only=True,
            close_on_trigger=True,
            stop_order_type=trigger[0],
            create_type=trigger[1],
            trigger_price=trigger[2],
        )
        exec_type = "BustTrade" if found.kind is fills.ExitKind.LIQUIDATION else "Trade"
        self.fill(account, order, position.size, level, is_maker=False, exec_type=exec_type)

    def _fill_resting(self, account: Account, order: Order) -> None:
        qty = self._reducible_qty(account, order)
        if qty is not None:
            self.fill(account, order, qty, order.price, is_maker=True)

    def _check_trigger(self, account: Account, order: Order, bar: fills.Bar) -> None:
        """Fire a conditional order the bar reaches and fill it as a taker at once, at the level
        or at a gapped open (no slippage, as a position stop). Margin is checked only now, as
        none was held while it waited; an order that cannot be funded is cancelled."""
        rising = order.trigger_direction == 1
        found = fills.trigger_fill_price(rising, float(order.trigger_price), bar)
        if found is None:
            return
        qty = self._reducible_qty(account, order)  # ends it Deactivated if it can reduce nothing
        if qty is None:
            return
        price = dec(found)
        order.status, order.updated_ms = "Triggered", self.now_ms
        self.emit_order(account, order)
        if not order.reduce_only:
            position = self.position(account, order.symbol)
            need = books.required(position, order.is_buy, qty, price, books.fee_rate(False))
            if need > books.available(account):
                self.cancel(account, order, "UNKNOWN", "EC_Others")
                return
        self.fill(account, order, qty, price, is_maker=False)

    def _reducible_qty(self, account: Account, order: Order) -> Decimal | None:
        """What an order may trade now: all it has left, except that a reduce-only order is cut
        to the position it reduces, and cancelled (None) when that position is gone or flipped."""
        qty = order.leaves_qty
        if not order.reduce_only:
            return qty
        position = self.position(account, order.symbol)
        if not position.open or position.is_long == order.is_buy:
            self.cancel(account, order, "CancelByReduceOnly")
            return None
        if qty > position.size:
            order.qty = order.cum_exec_qty + position.size
            qty = position.size
        return qty

    def _on_funding(self, symbol: str, rate: float) -> None:
        mark = self.mark(symbol)
        for account in self.accounts.values():
            position = account.positions.get(symbol)
            if position is None or not position.open or mark == 0:
                continue
            execution = books.book_funding(account, position, rate, mark, self.now_ms)
            row = views.execution_row(execution, self.infos[symbol], ws=True)
            self._emit(account, "execution", row)
            self.emit_position(account, symbol)
            self.emit_wallet(account)

    # --- snapshots ------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        return {
            "version": SNAPSHOT_VERSION,
            "now_ms": self.now_ms,
            "accounts": [to_json(a) for a in self.accounts.values()],
        }

    def restore(self, snapshot: dict[str, Any]) -> None:
        """Take over a stored state; accounts of keys not configured now are kept, dormant."""
        if snapshot.get("version") != SNAPSHOT_VERSION:
            raise ValueError(f"unknown simulator snapshot version {snapshot.get('version')}")
        self.now_ms = int(snapshot["now_ms"])
        stored = [account_from_json(data) for data in snapshot["accounts"]]
        fresh = [a for key, a in self.accounts.items() if key not in {s.api_key for s in stored}]
        for account in stored:
            self.accounts[account.api_key] = account
        taken = max((a.uid for a in stored), default=1_000_000)
        for number, account in enumerate(fresh, start=1):  # new keys get unused uids
            account.uid = taken + number
