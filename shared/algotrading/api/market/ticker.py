"""The live ticker of one symbol, from the exchange through the product's Bybit client.

A public call (no keys) with a short timeout and no retries: a dashboard refreshes its ticker
by itself, so a slow exchange answers 503 at once rather than holding the request.
"""

from __future__ import annotations

from algotrading.api.errors import ApiError, not_found
from algotrading.exchange.errors import ExchangeError, UnknownSymbol
from algotrading.exchange.factory import open_bybit
from algotrading.exchange.retry import RetryPolicy
from algotrading.exchange.types import Ticker

TICKER_TIMEOUT_S = 5.0


def read_ticker(base_url: str | None, symbol: str) -> Ticker:
    exchange = open_bybit(
        base_url, None, timeout_s=TICKER_TIMEOUT_S, retry=RetryPolicy(attempts=1),
        time_sync=False,
    )  # fmt: skip
    try:
        return exchange.get_ticker(symbol)
    except UnknownSymbol:
        raise not_found(f"the exchange does not list symbol {symbol}") from None
    except ExchangeError as exc:
        raise ApiError(503, "unavailable", f"the exchange did not answer: {exc}") from None
