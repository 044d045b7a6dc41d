"""The exchange port: everything the platform asks of an exchange, nothing about how.

The trading core, the market-data services and the CLI depend on this Protocol only; the Bybit
adapter (and the loopback simulator, later) implement it. Symbols are Bybit-style USDT perpetual
names (`BTCUSDT`); every method talks about the linear (USDT-settled) market only.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol, runtime_checkable

from algotrading.domain.intervals import Interval
from algotrading.domain.series import Candles, FundingHistory
from algotrading.exchange.types import (
    AccountInfo,
    Balance,
    ExchangePosition,
    Execution,
    FundingRate,
    FundingSettlement,
    OpenInterest,
    Order,
    OrderRequest,
    SymbolInfo,
    Ticker,
)


@runtime_checkable
class ExchangeService(Protocol):
    """An exchange account plus its public market data. Errors: `algotrading.exchange.errors`."""

    # account
    def get_balances(self, coins: list[str] | None = None) -> list[Balance]:
        """Coins of the trading account (all non-empty coins when `coins` is None)."""
        ...

    def get_total_equity(self) -> Decimal:
        """Account equity in USD, unrealised PnL included."""
        ...

    def get_positions(self, symbol: str | None = None) -> list[ExchangePosition]:
        """Open positions (size > 0), of one symbol or all USDT perpetuals."""
        ...

    def get_account_info(self) -> AccountInfo:
        """Who the key belongs to and what it may do."""
        ...

    # orders
    def place_order(self, request: OrderRequest) -> Order:
        """Place once, idempotently by `request.order_link_id`; see docs/exchange.md."""
        ...

    def cancel_order(
        self, symbol: str, *, order_id: str | None = None, order_link_id: str | None = None
    ) -> None: ...

    def modify_order(
        self,
        symbol: str,
        *,
        order_id: str | None = None,
        order_link_id: str | None = None,
        qty: Decimal | None = None,
        price: Decimal | None = None,
        trigger_price: Decimal | None = None,
    ) -> None: ...

    def set_stop_loss_take_profit(
        self, symbol: str, *, stop_loss: Decimal | None = None, take_profit: Decimal | None = None
    ) -> None:
        """Position-level TP/SL, set after the entry filled; Decimal(0) removes one."""
        ...

    def get_order(
        self, symbol: str, *, order_id: str | None = None, order_link_id: str | None = None
    ) -> Order | None:
        """The order, open or recently closed, or None if the exchange does not know it."""
        ...

    def get_open_orders(self, symbol: str | None = None) -> list[Order]: ...

    def get_executions(self, since_ms: int, symbol: str | None = None) -> list[Execution]:
        """Fills since `since_ms` (inclusive), oldest first."""
        ...

    def get_funding_settlements(
        self, since_ms: int, symbol: str | None = None
    ) -> list[FundingSettlement]:
        """Funding paid or received since `since_ms`, oldest first, from the transaction log."""
        ...

    # leverage
    def get_leverage(self, symbol: str) -> Decimal: ...

    def set_leverage(self, symbol: str, leverage: Decimal) -> None: ...

    # market data
    def get_candles(
        self,
        symbol: str,
        interval: Interval,
        *,
        start_ms: int | None = None,
        end_ms: int | None = None,
        limit: int = 200,
    ) -> Candles:
        """The newest `limit` candles opening in [start_ms, end_ms] (inclusive, like Bybit),
        ascending; the last may still be open (callers that need closed candles drop it)."""
        ...

    def get_ticker(self, symbol: str) -> Ticker: ...

    def get_tickers(self) -> list[Ticker]:
        """Tickers of every USDT perpetual."""
        ...

    def get_funding_rate(self, symbol: str) -> FundingRate: ...

    def get_funding_rate_history(
        self,
        symbol: str,
        *,
        start_ms: int | None = None,
        end_ms: int | None = None,
        limit: int = 200,
    ) -> FundingHistory:
        """Settled rates in [start_ms, end_ms] (inclusive), ascending, as a struct of arrays."""
        ...

    def get_open_interest(
        self,
        symbol: str,
        *,
        interval: Interval = Interval.H1,
        limit: int = 1,
        end_ms: int | None = None,
    ) -> list[OpenInterest]:
        """Open interest snapshots, ascending; the last is the latest (at or before `end_ms`
        when given)."""
        ...

    def get_active_symbols(self) -> list[str]:
        """USDT perpetuals currently trading, sorted."""
        ...

    def get_symbol_info(self, symbol: str) -> SymbolInfo: ...

    def get_server_time(self) -> int:
        """The exchange's clock, UTC ms."""
        ...


def without_open_candle(candles: Candles) -> Candles:
    """Candles from `get_candles` with the newest row dropped.

    Bybit's kline answer always ends with the candle in progress, so the rows before the newest
    are the closed ones. Deciding it this way needs no clock: the exchange's server time is wall
    time, which in a replay (the simulator) is not market time.
    """
    return candles.slice(0, max(0, len(candles) - 1))
