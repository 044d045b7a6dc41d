"""The market data the API reads, opened once per warm process.

On one machine that is the data set the product trades from: the bundled files, or
`ALGO_DATA_DIR` (the same choice `algo market`, `algo universe` and `algo funding` make). The
data set, its closed-candle service and the daily candles the scanners rank are built on first
use and kept for the process, because reading the files costs seconds and they do not change
under a running process.
"""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import Depends, Request

from algotrading.api.errors import ApiError, not_found
from algotrading.domain.series import Candles
from algotrading.market.candles import CandleService, DataFileCandleSource
from algotrading.market.datafiles import DataSet
from algotrading.market.universe import daily_candles, data_end_ms
from algotrading.settings import Settings

_LOCK = threading.Lock()


class MarketData:
    """The data set, its candle service, and its daily candles (built on first use)."""

    def __init__(self, settings: Settings) -> None:
        configured = settings.data_dir
        self.dataset = DataSet([configured] if configured else None)
        self.candles = CandleService(DataFileCandleSource(self.dataset))
        self._daily: dict[str, Candles] | None = None

    def symbol(self, text: str) -> str:
        """The known symbol `text` names (any case); 404 naming it otherwise."""
        symbol = text.strip().upper()
        if symbol not in self.dataset.symbols():
            raise not_found(f"unknown symbol {symbol}: GET /api/market/symbols lists them")
        return symbol

    def daily(self) -> dict[str, Candles]:
        with _LOCK:
            if self._daily is None:
                self._daily = daily_candles(self.dataset)
            return self._daily

    def daily_end_ms(self) -> int:
        end = data_end_ms(self.daily())
        if end is None:
            raise ApiError(503, "unavailable", "the market data has no klines to rank")
        return end


def market_data(request: Request) -> MarketData:
    """The app's `MarketData`, created on the first request that needs it."""
    with _LOCK:
        found = getattr(request.app.state, "market_data", None)
        if found is None:
            found = MarketData(request.app.state.settings)
            request.app.state.market_data = found
    market: MarketData = found
    return market


Market = Annotated[MarketData, Depends(market_data)]
