"""What a strategy sees at a close, fetched through the exchange port.

Closed candles: the exchange's kline answer always ends with the candle in progress (Bybit, and
the simulator likewise), so asking for candles opening up to the close time and dropping the
newest row leaves exactly the candles closed by then, whatever the host clock says (the
market stream's `_fetch_closed` relies on the same rule). If the exchange has not reached the
close yet, the last candle we keep closes *before* it and the strategy is skipped for that bar;
if we are late, nothing after the close is used, so a retried evaluation computes the same
signals. Each timeframe is fetched with the strategy's longest window (`windows[iv].max_bars`,
200 candles for the default parameters) plus a few bars, so every row from the last few closes
is computed from exactly the candles the backtest uses for it (docs/STRATEGIES.md, warm-up) and
the bars since a position's last step have their rows too.

Closed candles never change, so each (symbol, interval) series is kept: at the next close it is
reused as is (a 1h, 4h or daily series at a 15-minute close of the same bucket) or extended by the
few candles closed since, one small request instead of hundreds of candles again; a gap that
does not join up is fetched whole. Funding settlements are paged back over the strategy's
look-back and asked again only once a new settlement can have happened; open interest comes at
1h resolution if the exchange has it. The trading symbols are asked once per market hour.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import fields
from typing import Any

import numpy as np

from algotrading.domain.funding import DEFAULT_FUNDING_INTERVAL_H
from algotrading.domain.intervals import HOUR_MS, Interval
from algotrading.domain.series import Candles, FundingHistory, OpenInterestSeries
from algotrading.exchange.port import ExchangeService, without_open_candle
from algotrading.market.candles import closed_only
from algotrading.market.resample import bucket_start
from algotrading.strategies.base import MarketHistory, Strategy

EXTRA_BARS = 12
"""Bars fetched beyond the warm-up: the rows a position steps through after a missed close."""
FUNDING_PAGE = 200
CACHE_ENTRIES = 512
CACHE_BARS = 1200
"""Candles kept per series (the longest default window is 200 + EXTRA_BARS)."""
EXTEND_LIMIT = 200
"""More missing candles than this are fetched whole again."""


class CloseMarketData:
    """Closed candles, funding and open interest at a close time, from one exchange."""

    def __init__(self, exchange: ExchangeService, max_entries: int = CACHE_ENTRIES) -> None:
        self.exchange = exchange
        self.max_entries = max_entries
        self.requests = 0
        self._series: OrderedDict[tuple[str, Interval], Candles] = OrderedDict()
        self._funding: dict[str, FundingHistory] = {}
        self._active: tuple[int, list[str]] | None = None
        self.scans: dict[tuple[str, int, str], list[str]] = {}
        """Scanned universes by (strategy, scan time, parameters): `execution.universe`."""
        self._lock = threading.Lock()

    def closed_candles(self, symbol: str, interval: Interval, close_ms: int, count: int) -> Candles:
        """Up to `count` candles closed by `close_ms`, ascending; possibly ending early (the
        caller checks the last close).

        A series kept from an earlier close is extended by the few candles closed since (one
        small request) instead of being fetched again whole.
        """
        last_close = bucket_start(close_ms, interval)
        with self._lock:
            known = self._series.get((symbol, interval))
        if known is not None and len(known) >= count and _ends_at(known, interval, last_close):
            return _tail(known, count, interval, close_ms)
        fresh = None
        if known is not None and len(known) >= count and int(known.start_ms[-1]) < last_close:
            fresh = self._extend(symbol, interval, close_ms, known)
        if fresh is None:
            fresh = self._fetch(symbol, interval, close_ms, count)
        if len(fresh) and _ends_at(fresh, interval, last_close):
            with self._lock:
                self._series[(symbol, interval)] = fresh.slice(max(0, len(fresh) - CACHE_BARS))
                self._series.move_to_end((symbol, interval))
                while len(self._series) > self.max_entries:
                    self._series.popitem(last=False)
        return _tail(fresh, count, interval, close_ms)

    def _fetch(self, symbol: str, interval: Interval, close_ms: int, count: int) -> Candles:
        self.requests += 1
        raw = self.exchange.get_candles(symbol, interval, end_ms=close_ms, limit=count + 1)
        return closed_only(without_open_candle(raw), interval, close_ms)

    def _extend(
        self, symbol: str, interval: Interval, close_ms: int, known: Candles
    ) -> Candles | None:
        """`known` plus the candles closed since; None when they do not join up (refetch)."""
        start = int(known.start_ms[-1]) + interval.ms
        missing = (close_ms - start) // interval.ms + 1
        if missing > EXTEND_LIMIT:
            return None
        self.requests += 1
        raw = self.exchange.get_candles(
            symbol, interval, start_ms=start, end_ms=close_ms, limit=missing + 1
        )
        new = closed_only(without_open_candle(raw), interval, close_ms)
        if not len(new) or int(new.start_ms[0]) != start:
            return None
        return _concat(known, new)

    def active_symbols(self, close_ms: int) -> list[str]:
        """The exchange's trading symbols, asked once per market hour."""
        hour = close_ms // HOUR_MS
        if self._active is None or self._active[0] != hour:
            self.requests += 1
            self._active = (hour, self.exchange.get_active_symbols())
        return self._active[1]

    def history(self, strategy: Strategy[Any], symbol: str, close_ms: int) -> MarketHistory:
        """Everything `strategy` needs for `symbol` as known at `close_ms`."""
        candles = {
            iv: self.closed_candles(
                symbol, iv, close_ms, strategy.windows[iv].max_bars + EXTRA_BARS
            )
            for iv in strategy.timeframes
        }
        funding = oi = None
        interval_hours = None
        if strategy.funding_history_ms:
            funding = self.funding(symbol, close_ms, strategy.funding_history_ms)
            interval_hours = self.exchange.get_symbol_info(symbol).funding_interval_hours
        if strategy.open_interest_history_ms:
            oi = self.open_interest(symbol, close_ms, strategy.open_interest_history_ms)
        return MarketHistory(symbol, candles, funding, oi, interval_hours)

    def histories(
        self, strategy: Strategy[Any], symbols: Iterable[str], close_ms: int
    ) -> dict[str, MarketHistory]:
        return {s: self.history(strategy, s, close_ms) for s in symbols}

    def funding(self, symbol: str, close_ms: int, lookback_ms: int) -> FundingHistory:
        """Settlements in [close - lookback, close]; asked again only once the next settlement
        (by the symbol's interval) can have happened."""
        known = self._funding.get(symbol)
        if known is not None and len(known):
            hours = (
                self.exchange.get_symbol_info(symbol).funding_interval_hours
                or DEFAULT_FUNDING_INTERVAL_H
            )
            if close_ms < int(known.time_ms[-1]) + hours * HOUR_MS:
                return _funding_window(known, close_ms - lookback_ms, close_ms)
        history = self._fetch_funding(symbol, close_ms, lookback_ms)
        self._funding[symbol] = history
        return history

    def _fetch_funding(self, symbol: str, close_ms: int, lookback_ms: int) -> FundingHistory:
        """Paged back 200 settlements at a time."""
        start, end = close_ms - lookback_ms, close_ms
        times: list[np.ndarray] = []
        rates: list[np.ndarray] = []
        while end >= start:
            self.requests += 1
            page = self.exchange.get_funding_rate_history(
                symbol, start_ms=start, end_ms=end, limit=FUNDING_PAGE
            )
            times.insert(0, page.time_ms)
            rates.insert(0, page.rate)
            if len(page) < FUNDING_PAGE:
                break
            end = int(page.time_ms[0]) - 1
        t = np.concatenate(times) if times else np.empty(0, dtype=np.int64)
        r = np.concatenate(rates) if rates else np.empty(0, dtype=np.float64)
        t, first = np.unique(t, return_index=True)
        return FundingHistory(t.astype(np.int64), r[first].astype(np.float64))

    def open_interest(
        self, symbol: str, close_ms: int, lookback_ms: int
    ) -> OpenInterestSeries | None:
        """Hourly snapshots stamped at or before the close; None when the exchange has none."""
        self.requests += 1
        limit = min(200, lookback_ms // HOUR_MS + 2)
        points = self.exchange.get_open_interest(symbol, interval=Interval.H1, limit=limit)
        known = [p for p in points if close_ms - lookback_ms <= p.time_ms <= close_ms]
        if not known:
            return None
        return OpenInterestSeries(
            np.array([p.time_ms for p in known], dtype=np.int64),
            np.array([float(p.open_interest) for p in known], dtype=np.float64),
        )

    def market_time(self, symbol: str, interval: Interval, close_ms: int) -> int:
        """The open time of the exchange's newest `interval` candle of `symbol` from `close_ms`
        on: how far the market has moved past the close (an evaluation running a whole entry
        bar late must not enter on that bar's signal)."""
        self.requests += 1
        newest = self.exchange.get_candles(symbol, interval, start_ms=close_ms, limit=1000)
        return int(newest.start_ms[-1]) if len(newest) else close_ms


def _ends_at(candles: Candles, interval: Interval, last_close: int) -> bool:
    return bool(len(candles)) and int(candles.start_ms[-1]) + interval.ms == last_close


def _tail(candles: Candles, count: int, interval: Interval, close_ms: int) -> Candles:
    closed = closed_only(candles, interval, close_ms)
    return closed.slice(max(0, len(closed) - count))


def _concat(a: Candles, b: Candles) -> Candles:
    return Candles(*(np.concatenate([getattr(a, f.name), getattr(b, f.name)]) for f in fields(a)))


def _funding_window(history: FundingHistory, start: int, end: int) -> FundingHistory:
    keep = (history.time_ms >= start) & (history.time_ms <= end)
    return FundingHistory(history.time_ms[keep], history.rate[keep])
