"""Orders, fills, funding payments and leverage on Bybit, with `place_order`'s idempotency.

place_order sends `/v5/order/create` exactly once (pybit's own retries are off, see client.py):

1. validate and round locally; refuse below-minimum orders before anything is sent;
2. send once with the caller's `order_link_id`;
3. an acknowledgement -> the order (status `created`);
4. 110072 (duplicate order_link_id) -> the order that already exists under that id;
5. a timeout, a 5xx, a server-timeout retCode or an unreadable answer -> the request may or may
   not have reached the matching engine, so ask for the order by `order_link_id` (a few times,
   with pauses: the exchange may still be processing it) and return what the exchange knows;
6. still unknown -> `OrderOutcomeUnknown`; placing again with the same id is then safe.

A definitive refusal (insufficient balance, bad parameter, rate limit, auth) raises at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from algotrading.exchange.bybit import mapper
from algotrading.exchange.bybit.mapper import ACCOUNT_TYPE, CATEGORY, SETTLE_COIN, check_symbol
from algotrading.exchange.bybit.params import (
    amend_params,
    check_notional,
    checked_qty,
    leverage_params,
    order_params,
    order_ref,
    trading_stop_params,
)
from algotrading.exchange.errors import (
    DuplicateOrderLinkId,
    ExchangeError,
    ExchangeUnavailable,
    InvalidRequest,
    NotModified,
    OrderOutcomeUnknown,
    UnknownSymbol,
)
from algotrading.exchange.types import (
    Execution,
    FundingSettlement,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    SymbolInfo,
)
from algotrading.logs import get_logger

if TYPE_CHECKING:
    from algotrading.exchange.bybit.client import BybitClient, Reply
    from algotrading.exchange.types import Ticker

log = get_logger(__name__)

DAY_MS = 24 * 3600 * 1000
WINDOW_MS = 7 * DAY_MS
"""Bybit answers execution and transaction-log queries for at most 7 days per request."""
HISTORY_MS = 730 * DAY_MS
"""...and keeps two years of them."""


class BybitTrading:
    """The order half of `BybitExchange` (which provides the attributes declared here)."""

    _client: BybitClient
    _recovery_delays_s: tuple[float, ...]

    if TYPE_CHECKING:  # provided by BybitExchange

        def get_symbol_info(self, symbol: str) -> SymbolInfo: ...

        def get_ticker(self, symbol: str) -> Ticker: ...

    # --- placing -------------------------------------------------------------------------------

    def place_order(self, request: OrderRequest) -> Order:
        info = self._tradable(request.symbol)
        qty = checked_qty(request, info)
        price = request.price if request.price is not None else self._reference_price(request)
        check_notional(qty, price, info, reduce_only=request.reduce_only)
        params = order_params(request, info, qty)
        try:
            reply = self._client.write("order_create", "place_order", **params)
        except DuplicateOrderLinkId:
            log.warning(
                "order_link_id %s already exists; returning that order", request.order_link_id
            )
            return self._recover(request, qty, reason="duplicate order_link_id", wait=False)
        except ExchangeUnavailable as err:  # timeouts included: the outcome is unknown
            log.warning("order %s: %s; asking the exchange", request.order_link_id, err)
            return self._recover(request, qty, reason=str(err))
        return _acknowledged(request, qty, params, reply)

    def _tradable(self, symbol: str) -> SymbolInfo:
        info = self.get_symbol_info(symbol)
        if not info.is_trading:
            raise UnknownSymbol(f"{symbol} is not trading now (status {info.status})")
        return info

    def _reference_price(self, request: OrderRequest) -> Decimal:
        """A market order's expected price, for the minimum-notional check only."""
        return self.get_ticker(request.symbol).last_price

    def _recover(
        self, request: OrderRequest, qty: Decimal, *, reason: str, wait: bool = True
    ) -> Order:
        """Ask for the order by its link id until the exchange knows it (or we give up).

        After an ambiguous answer the exchange may still be processing the order, so each lookup
        waits first; after a duplicate the order certainly exists, so the first lookup does not.
        """
        last_error: ExchangeError | None = None
        delays = self._recovery_delays_s if wait else (0.0, *self._recovery_delays_s[:-1])
        for delay in delays:
            if delay > 0:
                self._client.sleep(delay)
            try:
                order = self.get_order(request.symbol, order_link_id=request.order_link_id)
            except ExchangeError as err:
                last_error = err
                continue
            if order is not None:
                _check_same_order(order, request, qty)
                return order
        detail = f"; last lookup failed: {last_error}" if last_error else ""
        advice = (
            "Placing it again with the same order_link_id is safe"
            if wait
            else "Check the account before placing anything under this order_link_id"
        )
        raise OrderOutcomeUnknown(
            f"order {request.order_link_id}: {reason}, and the exchange does not show the order "
            f"after {len(delays)} lookups{detail}. {advice}",
            order_link_id=request.order_link_id,
        )

    # --- managing ------------------------------------------------------------------------------

    def cancel_order(
        self, symbol: str, *, order_id: str | None = None, order_link_id: str | None = None
    ) -> None:
        params = {"category": CATEGORY, "symbol": check_symbol(symbol)}
        self._client.write(
            "order_cancel", "cancel_order", **params, **order_ref(order_id, order_link_id)
        )

    def modify_order(
        self,
        symbol: str,
        *,
        order_id: str | None = None,
        order_link_id: str | None = None,
        qty: Decimal | None = None,
        price: Decimal | None = None,
        trigger_price: Decimal | None = None,
    ) -> None:
        ref = order_ref(order_id, order_link_id)
        params = amend_params(self.get_symbol_info(symbol), ref, qty, price, trigger_price)
        self._client.write("order_amend", "amend_order", **params)

    def set_stop_loss_take_profit(
        self, symbol: str, *, stop_loss: Decimal | None = None, take_profit: Decimal | None = None
    ) -> None:
        """Quirk 10: TP/SL go on the position after the fill; "not modified" is success."""
        params = trading_stop_params(self.get_symbol_info(symbol), stop_loss, take_profit)
        try:
            self._client.write("position_write", "set_trading_stop", **params)
        except NotModified:
            log.info("%s: TP/SL already as requested", symbol)

    def get_leverage(self, symbol: str) -> Decimal:
        result = self._client.read(
            "position_read",
            "get_positions",
            signed=True,
            category=CATEGORY,
            symbol=check_symbol(symbol),
        ).result
        found = [r for r in mapper.rows(result) if r.get("symbol") == symbol]
        if not found:
            raise UnknownSymbol(f"Bybit lists no position entry for {symbol}")
        return mapper.dec(found[0].get("leverage"))

    def set_leverage(self, symbol: str, leverage: Decimal) -> None:
        """Refused locally above the instrument's maximum; 110043 (unchanged) is success."""
        params = leverage_params(self.get_symbol_info(symbol), leverage)
        try:
            self._client.write("position_write", "set_leverage", **params)
        except NotModified:
            log.info("%s: leverage already %s", symbol, params["buyLeverage"])

    # --- reading orders, fills and funding ------------------------------------------------------

    def get_order(
        self, symbol: str, *, order_id: str | None = None, order_link_id: str | None = None
    ) -> Order | None:
        """Realtime first (open and the last 500 closed), then history (after a restart)."""
        where = {
            "category": CATEGORY,
            "symbol": check_symbol(symbol),
            **order_ref(order_id, order_link_id),
        }
        for method in ("get_open_orders", "get_order_history"):
            result = self._client.read("order_read", method, signed=True, **where).result
            matches = [r for r in mapper.rows(result) if _is(r, order_id, order_link_id)]
            if matches:
                return mapper.parse_order(matches[0])
        return None

    def get_open_orders(self, symbol: str | None = None) -> list[Order]:
        where = {"symbol": check_symbol(symbol)} if symbol else {"settleCoin": SETTLE_COIN}
        orders: list[Order] = []
        for page in self._client.pages(
            "order_read",
            "get_open_orders",
            signed=True,
            category=CATEGORY,
            openOnly=0,
            limit=50,
            **where,
        ):
            orders += [mapper.parse_order(r) for r in mapper.rows(page)]
        return orders

    def get_executions(self, since_ms: int, symbol: str | None = None) -> list[Execution]:
        where = {"symbol": check_symbol(symbol)} if symbol else {}
        found: dict[str, Execution] = {}
        for start, end in self._windows(since_ms):
            for page in self._client.pages(
                "order_read", "get_executions", signed=True, category=CATEGORY,
                startTime=start, endTime=end, limit=100, **where,
            ):  # fmt: skip
                for execution in map(mapper.parse_execution, mapper.rows(page)):
                    if execution.time_ms >= since_ms:
                        found[execution.exec_id] = execution
        return sorted(found.values(), key=lambda e: (e.time_ms, e.exec_id))

    def get_funding_settlements(
        self, since_ms: int, symbol: str | None = None
    ) -> list[FundingSettlement]:
        """SETTLEMENT rows of the transaction log (the log has no symbol filter: done here)."""
        wanted = check_symbol(symbol) if symbol else None
        found: list[FundingSettlement] = []
        for start, end in self._windows(since_ms):
            for page in self._client.pages(
                "transaction_log", "get_transaction_log", signed=True, accountType=ACCOUNT_TYPE,
                category=CATEGORY, currency=SETTLE_COIN, type="SETTLEMENT",
                startTime=start, endTime=end, limit=50,
            ):  # fmt: skip
                found += [
                    mapper.parse_settlement(r)
                    for r in mapper.rows(page)
                    if r.get("type") == "SETTLEMENT"
                    and (wanted is None or r.get("symbol") == wanted)
                ]
        unique = {(s.symbol, s.time_ms): s for s in found if s.time_ms >= since_ms}
        return sorted(unique.values(), key=lambda s: (s.time_ms, s.symbol))

    def _windows(self, since_ms: int) -> Iterator[tuple[int, int]]:
        """[since, now] cut into the 7-day windows Bybit accepts (inclusive ends)."""
        self._client.ensure_synced()
        now = self._client.market_now_ms()
        if since_ms > now:
            raise InvalidRequest("since_ms lies in the future")
        if since_ms < now - HISTORY_MS:
            raise InvalidRequest("since_ms is more than two years ago; Bybit keeps two years")
        start = since_ms
        while start <= now:
            end = min(start + WINDOW_MS - 1, now)
            yield start, end
            start = end + 1


def _is(raw: dict[str, Any], order_id: str | None, order_link_id: str | None) -> bool:
    if order_id:
        return raw.get("orderId") == order_id
    return raw.get("orderLinkId") == order_link_id


def _check_same_order(order: Order, request: OrderRequest, qty: Decimal) -> None:
    """An order found under our link id must be the one we asked for, not an old reuse."""
    if (order.symbol, order.side, order.qty) != (request.symbol, request.side, qty):
        raise InvalidRequest(
            f"order_link_id {request.order_link_id} already belongs to another order "
            f"({order.symbol} {order.side} {order.qty}); use a new id"
        )


def _acknowledged(
    request: OrderRequest, qty: Decimal, params: dict[str, Any], reply: Reply
) -> Order:
    """The order as the acknowledgement describes it: accepted, not yet confirmed in the book."""
    echoed = reply.result.get("orderLinkId")
    if echoed and echoed != request.order_link_id:
        log.error("order %s acknowledged under link id %s", request.order_link_id, echoed)
    stamp = reply.time_ms or 0
    return Order(
        order_id=str(reply.result.get("orderId") or ""),
        order_link_id=request.order_link_id,
        symbol=request.symbol,
        side=request.side,
        order_type=request.order_type,
        status=OrderStatus.CREATED,
        qty=qty,
        price=Decimal(params["price"]) if request.order_type is OrderType.LIMIT else None,
        filled_qty=Decimal(0),
        avg_fill_price=None,
        reduce_only=request.reduce_only,
        time_in_force=request.time_in_force,
        take_profit=None,
        stop_loss=None,
        reject_reason=None,
        created_ms=stamp,
        updated_ms=stamp,
        trigger_price=Decimal(params["triggerPrice"]) if "triggerPrice" in params else None,
    )
