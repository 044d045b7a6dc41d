"""`BybitExchange`: the exchange port on Bybit V5 (USDT linear perpetuals only).

Market data and account reads live here; orders, fills, funding payments and leverage live in
`trading.py` (a mixin, so the one class stays readable in two files). Every conversion goes through
`mapper` (answers) and `params` (requests); every HTTP call through `BybitClient`.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np

from algotrading.domain.intervals import Interval
from algotrading.domain.series import Candles, FundingHistory
from algotrading.exchange.bybit import mapper
from algotrading.exchange.bybit.client import BybitClient, server_ms
from algotrading.exchange.bybit.mapper import (
    ACCOUNT_TYPE,
    CATEGORY,
    SETTLE_COIN,
    SYMBOL,
    check_symbol,
)
from algotrading.exchange.bybit.trading import BybitTrading
from algotrading.exchange.errors import InvalidRequest, UnknownSymbol
from algotrading.exchange.types import (
    AccountInfo,
    Balance,
    ExchangePosition,
    FundingRate,
    OpenInterest,
    SymbolInfo,
    Ticker,
)

KLINE_PAGE = 1000
"""Bybit's maximum klines per request."""
COINS_PER_BALANCE_REQUEST = 10
"""Quirk 3: wallet-balance accepts at most 10 coins per request."""


class BybitExchange(BybitTrading):
    """Implements `algotrading.exchange.ExchangeService` on one Bybit account."""

    def __init__(
        self,
        client: BybitClient,
        *,
        instruments_ttl_s: float = 3600.0,
        recovery_delays_s: Sequence[float] = (0.5, 1.0, 2.0),
    ) -> None:
        self._client = client
        self._instruments_ttl_s = instruments_ttl_s
        self._recovery_delays_s = tuple(recovery_delays_s)
        self._instruments: dict[str, tuple[float, SymbolInfo]] = {}
        self._instruments_lock = threading.Lock()

    @property
    def client(self) -> BybitClient:
        return self._client

    # --- instruments -------------------------------------------------------------------------

    def get_symbol_info(self, symbol: str) -> SymbolInfo:
        """The instrument's rules, cached by this adapter for `instruments_ttl_s` (keep one adapter
        per process, e.g. at module level in a Lambda, to reuse the cache)."""
        symbol = check_symbol(symbol)
        now = self._client.clock()
        with self._instruments_lock:
            cached = self._instruments.get(symbol)
        if cached and now - cached[0] < self._instruments_ttl_s:
            return cached[1]
        result = self._client.read(
            "market", "get_instruments_info", category=CATEGORY, symbol=symbol
        ).result
        found = [r for r in mapper.rows(result) if r.get("symbol") == symbol]
        if not found or not mapper.is_usdt_perpetual(found[0]):
            raise UnknownSymbol(f"{symbol} is not a USDT perpetual listed by Bybit")
        info = mapper.parse_symbol_info(found[0])
        self._remember([info], now)
        return info

    def get_active_symbols(self) -> list[str]:
        """Every USDT perpetual with status Trading; fills the instrument cache on the way."""
        infos = []
        for page in self._client.pages(
            "market", "get_instruments_info", category=CATEGORY, limit=1000
        ):
            infos += [
                mapper.parse_symbol_info(r)
                for r in mapper.rows(page)
                if mapper.is_usdt_perpetual(r)
            ]
        self._remember(infos, self._client.clock())
        return sorted(i.symbol for i in infos if i.is_trading)

    def _remember(self, infos: list[SymbolInfo], now: float) -> None:
        with self._instruments_lock:
            self._instruments.update({i.symbol: (now, i) for i in infos})

    # --- market data -------------------------------------------------------------------------

    def get_server_time(self) -> int:
        return server_ms(self._client.read("market", "get_server_time"))

    def get_candles(
        self,
        symbol: str,
        interval: Interval,
        *,
        start_ms: int | None = None,
        end_ms: int | None = None,
        limit: int = 200,
    ) -> Candles:
        """The newest `limit` candles opening in [start_ms, end_ms] (both inclusive, as Bybit's
        kline endpoint), ascending. Bybit gives at most 1000 per request: more are fetched page
        by page, walking back from the end."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise InvalidRequest(f"limit must be a positive integer, got {limit!r}")
        symbol = check_symbol(symbol)
        parts: list[Candles] = []
        while limit > 0:
            page = self._kline_page(symbol, interval, start_ms, end_ms, min(limit, KLINE_PAGE))
            parts.append(page)
            if len(page) < min(limit, KLINE_PAGE):
                break  # the range is exhausted
            limit -= len(page)
            end_ms = int(page.start_ms[0]) - 1
            if start_ms is not None and end_ms < start_ms:
                break
        return mapper.concat_candles(parts)

    def _kline_page(
        self, symbol: str, interval: Interval, start: int | None, end: int | None, limit: int
    ) -> Candles:
        reply = self._client.read(
            "market",
            "get_kline",
            category=CATEGORY,
            symbol=symbol,
            interval=mapper.kline_code(interval),
            start=start,
            end=end,
            limit=limit,
        )
        candles = mapper.parse_candles(reply.result)
        hi = None if end is None else end + 1
        return candles.between(start, hi).slice(-limit)

    def get_ticker(self, symbol: str) -> Ticker:
        return mapper.parse_ticker(*self._ticker_row(symbol))

    def get_tickers(self) -> list[Ticker]:
        reply = self._client.read("market", "get_tickers", category=CATEGORY)
        stamp = reply.time_ms or self._client.now_ms()
        tickers = [mapper.parse_ticker(r, stamp) for r in mapper.rows(reply.result)]
        return sorted((t for t in tickers if SYMBOL.match(t.symbol)), key=lambda t: t.symbol)

    def get_funding_rate(self, symbol: str) -> FundingRate:
        return mapper.parse_funding_rate(*self._ticker_row(symbol))

    def _ticker_row(self, symbol: str) -> tuple[dict[str, Any], int]:
        symbol = check_symbol(symbol)
        reply = self._client.read("market", "get_tickers", category=CATEGORY, symbol=symbol)
        found = [r for r in mapper.rows(reply.result) if r.get("symbol") == symbol]
        if not found:
            raise UnknownSymbol(f"Bybit has no ticker for {symbol}")
        return found[0], reply.time_ms or self._client.now_ms()

    def get_funding_rate_history(
        self,
        symbol: str,
        *,
        start_ms: int | None = None,
        end_ms: int | None = None,
        limit: int = 200,
    ) -> FundingHistory:
        """Settlements in [start_ms, end_ms] (inclusive), ascending; at most 200 (Bybit's page).
        Bybit refuses startTime alone, so `end_ms` defaults to now when only a start is given."""
        if not 1 <= limit <= 200:
            raise InvalidRequest(f"limit must be 1..200, got {limit}")
        if start_ms is not None and end_ms is None:
            end_ms = self._client.now_ms()
        reply = self._client.read(
            "market",
            "get_funding_rate_history",
            category=CATEGORY,
            symbol=check_symbol(symbol),
            startTime=start_ms,
            endTime=end_ms,
            limit=limit,
        )
        history = mapper.parse_funding_history(reply.result)
        keep = np.ones(len(history), dtype=bool)
        if start_ms is not None:
            keep &= history.time_ms >= start_ms
        if end_ms is not None:
            keep &= history.time_ms <= end_ms
        return FundingHistory(history.time_ms[keep], history.rate[keep])

    def get_open_interest(
        self,
        symbol: str,
        *,
        interval: Interval = Interval.H1,
        limit: int = 1,
        end_ms: int | None = None,
    ) -> list[OpenInterest]:
        if interval not in mapper.OPEN_INTEREST_CODES:
            valid = ", ".join(i.value for i in mapper.OPEN_INTEREST_CODES)
            raise InvalidRequest(f"open interest interval must be one of {valid}")
        if not 1 <= limit <= 200:
            raise InvalidRequest(f"limit must be 1..200, got {limit}")
        symbol = check_symbol(symbol)
        reply = self._client.read(
            "market",
            "get_open_interest",
            category=CATEGORY,
            symbol=symbol,
            intervalTime=mapper.OPEN_INTEREST_CODES[interval],
            endTime=end_ms,
            limit=limit,
        )
        return mapper.parse_open_interest(reply.result, symbol)

    # --- account -----------------------------------------------------------------------------

    def get_balances(self, coins: list[str] | None = None) -> list[Balance]:
        """Quirk 3: at most 10 coins per request, so longer lists are asked for in chunks."""
        wanted = mapper.coin_param(coins) if coins else []
        chunks = [
            wanted[i : i + COINS_PER_BALANCE_REQUEST]
            for i in range(0, len(wanted), COINS_PER_BALANCE_REQUEST)
        ] or [[]]
        entries: list[dict[str, Any]] = []
        for chunk in chunks:
            entries += mapper.rows(self._wallet(coin=",".join(chunk) or None))
        balances = mapper.parse_balances({"list": entries})
        return [b for b in balances if b.coin in wanted] if wanted else balances

    def get_total_equity(self) -> Decimal:
        return mapper.parse_total_equity(self._wallet())

    def get_account_info(self) -> AccountInfo:
        key = self._client.read("user_read", "get_api_key_information", signed=True).result
        types = mapper.account_types(self._wallet())
        return mapper.parse_account_info(key, types[0] if types else None)

    def _wallet(self, coin: str | None = None) -> dict[str, Any]:
        return self._client.read(
            "account_read", "get_wallet_balance", signed=True, accountType=ACCOUNT_TYPE, coin=coin
        ).result

    def get_positions(self, symbol: str | None = None) -> list[ExchangePosition]:
        """Quirk 8: without a symbol Bybit wants `settleCoin=USDT`. Only linear is asked (7)."""
        where = {"symbol": check_symbol(symbol)} if symbol else {"settleCoin": SETTLE_COIN}
        positions: list[ExchangePosition] = []
        for page in self._client.pages(
            "position_read", "get_positions", signed=True, category=CATEGORY, limit=200, **where
        ):
            positions += [p for p in map(mapper.parse_position, mapper.rows(page)) if p]
        return sorted(positions, key=lambda p: p.symbol)
