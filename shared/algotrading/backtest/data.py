"""Where a backtest's market data comes from: data files, or the exchange port.

A `BacktestMarketData` hands out closed candles up to a time, funding settlements and open-interest
snapshots. Files give the whole history the data set holds (every value is computed from its
window, so more history only makes earlier bars settled); the exchange gives what the span and
the strategy's windows need, fetched page by page through the same port the live system uses.
Either way the histories are cut at the end of the span, so no value after it exists for the
strategy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any, Protocol

import numpy as np

from algotrading.domain.intervals import Interval
from algotrading.domain.series import Candles, FundingHistory, OpenInterestSeries
from algotrading.exchange.port import ExchangeService
from algotrading.market.candles import DataFileCandleSource
from algotrading.market.datafiles import DataSet
from algotrading.market.funding import funding_symbols
from algotrading.market.open_interest import OpenInterestFiles
from algotrading.strategies.base import MarketHistory, Strategy

FUNDING_PAGE = 200


class BacktestMarketData(Protocol):
    """Closed candles and derivatives data for a backtest."""

    def describe(self) -> dict[str, Any]:
        """What the data is, for the result's assumptions."""
        ...

    def candles(self, symbol: str, interval: Interval, since_ms: int | None) -> Candles:
        """Closed candles of `interval`, from `since_ms` (None: all there are) on."""
        ...

    def funding(self, symbol: str, since_ms: int | None) -> FundingHistory | None:
        """Funding settlements from `since_ms` on; None when there are none."""
        ...

    def open_interest(self, symbol: str, since_ms: int | None) -> OpenInterestSeries | None:
        """Open-interest snapshots from `since_ms` on; None when there are none."""
        ...


class FileMarketData:
    """Data files (`DataSet`); an interval without a file is resampled from a shorter one."""

    def __init__(self, dataset: DataSet) -> None:
        self.dataset = dataset
        self._candles = DataFileCandleSource(dataset)
        self._funding = set(funding_symbols(dataset))
        self._oi = OpenInterestFiles(dataset.dirs)

    def describe(self) -> dict[str, Any]:
        return {"source": "files", "dirs": [str(d) for d in self.dataset.dirs]}

    def candles(self, symbol: str, interval: Interval, since_ms: int | None) -> Candles:
        return self._candles.series(symbol, interval)

    def funding(self, symbol: str, since_ms: int | None) -> FundingHistory | None:
        return self.dataset.funding(symbol) if symbol in self._funding else None

    def open_interest(self, symbol: str, since_ms: int | None) -> OpenInterestSeries | None:
        return self._oi.series(symbol)


def symbols_in_data(wanted: Iterable[str], dataset: DataSet) -> list[str]:
    """The symbols of `wanted` the data has candles of, in `wanted`'s order. A strategy's
    default list is wider than any one data set; a backtest runs the ones there are, as live
    skips the symbols the exchange lacks (both `algo backtest` commands)."""
    return [s for s in wanted if dataset.intervals(s)]


class ExchangeMarketData:
    """The exchange port (live or the loopback simulator), up to `until_ms`.

    The port serves open interest only as recent snapshots, so a backtest from the exchange
    has none (carry then needs `require_open_interest` false, and says so in its result)."""

    def __init__(self, exchange: ExchangeService, until_ms: int) -> None:
        self.exchange = exchange
        self.until_ms = until_ms

    def describe(self) -> dict[str, Any]:
        return {"source": "exchange", "until_ms": self.until_ms}

    def candles(self, symbol: str, interval: Interval, since_ms: int | None) -> Candles:
        if since_ms is None:
            raise ValueError("a backtest from the exchange needs a start time")
        limit = max(1, (self.until_ms - since_ms) // interval.ms + 1)
        got = self.exchange.get_candles(
            symbol, interval, start_ms=since_ms, end_ms=self.until_ms, limit=int(limit)
        )
        return cut_candles(got, interval, self.until_ms)

    def funding(self, symbol: str, since_ms: int | None) -> FundingHistory | None:
        if since_ms is None:
            raise ValueError("a backtest from the exchange needs a start time")
        pages: list[FundingHistory] = []
        end = self.until_ms
        while end >= since_ms:
            page = self.exchange.get_funding_rate_history(
                symbol, start_ms=since_ms, end_ms=end, limit=FUNDING_PAGE
            )
            if len(page) == 0:
                break
            pages.append(page)
            end = int(page.time_ms[0]) - 1
            if len(page) < FUNDING_PAGE:
                break
        if not pages:
            return None
        times = np.concatenate([p.time_ms for p in reversed(pages)])
        rates = np.concatenate([p.rate for p in reversed(pages)])
        return FundingHistory(times, rates)

    def open_interest(self, symbol: str, since_ms: int | None) -> OpenInterestSeries | None:
        return None


def cut_candles(candles: Candles, interval: Interval, end_ms: int) -> Candles:
    """Candles closed by `end_ms` (open + interval <= end)."""
    cut = int(np.searchsorted(candles.start_ms, end_ms - interval.ms, side="right"))
    return candles.slice(0, cut)


def load_history(
    strategy: Strategy[Any], symbol: str, market: BacktestMarketData, since_ms: int | None
) -> MarketHistory:
    """Every timeframe the strategy reads, funding and open interest of one symbol (uncut)."""
    return MarketHistory(
        symbol,
        {iv: market.candles(symbol, iv, since_ms) for iv in strategy.timeframes},
        funding=market.funding(symbol, since_ms),
        open_interest=market.open_interest(symbol, since_ms),
    )


def history_needed_ms(strategy: Strategy[Any]) -> int:
    """How far before the span's start the first bar's windows reach (candles, funding, open
    interest), with one spare bar per timeframe: what a source that fetches by range must fetch."""
    candles = max((w.max_bars + 1) * Interval(iv).ms for iv, w in strategy.windows.items())
    return max(candles, strategy.funding_history_ms, strategy.open_interest_history_ms)


def cut_history(history: MarketHistory, end_ms: int) -> MarketHistory:
    """The history as known at `end_ms`: closed candles, settlements and snapshots up to it
    (the same object when nothing is after the end)."""
    candles = {iv: cut_candles(c, Interval(iv), end_ms) for iv, c in history.candles.items()}
    funding, oi = history.funding, history.open_interest
    if (
        all(len(candles[iv]) == len(c) for iv, c in history.candles.items())
        and (funding is None or len(funding) == 0 or int(funding.time_ms[-1]) <= end_ms)
        and (oi is None or len(oi) == 0 or int(oi.time_ms[-1]) <= end_ms)
    ):
        return history
    if funding is not None:
        keep = funding.time_ms <= end_ms
        funding = FundingHistory(funding.time_ms[keep], funding.rate[keep])
    if oi is not None:
        keep = oi.time_ms <= end_ms
        oi = OpenInterestSeries(oi.time_ms[keep], oi.value[keep])
    return replace(history, candles=candles, funding=funding, open_interest=oi)
