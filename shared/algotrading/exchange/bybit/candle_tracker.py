"""Exactly-once, in-order emission of closed candles, whatever path they arrive by.

Per (symbol, interval) the tracker remembers the open time of the last candle it emitted. A live
confirmed candle at or before it is a duplicate (a resent message, or one already backfilled);
one more than an interval after it reveals a gap, which is filled from REST first. After a
reconnect every series is backfilled from REST up to the exchange's present.
"""

from __future__ import annotations

from collections.abc import Callable

from algotrading.domain.intervals import Interval
from algotrading.domain.series import Candles
from algotrading.exchange.events import CandleClosed
from algotrading.logs import get_logger

log = get_logger(__name__)
Fetch = Callable[[str, Interval, "int | None"], Candles]


class CandleTracker:
    """Owned by one thread (the stream's dispatcher); not thread-safe by design."""

    def __init__(self, emit: Callable[[CandleClosed], None], fetch: Fetch) -> None:
        self._emit = emit
        self._fetch = fetch
        self._last: dict[tuple[str, Interval], int | None] = {}

    def seed(self, symbol: str, interval: Interval, history: Candles) -> None:
        """Start after the newest closed candle already known (history is not re-emitted)."""
        self._last[(symbol, interval)] = int(history.start_ms[-1]) if len(history) else None

    def last_emitted(self, symbol: str, interval: Interval) -> int | None:
        return self._last.get((symbol, interval))

    def confirmed(self, candle: CandleClosed) -> None:
        key = (candle.symbol, candle.interval)
        last = self._last.get(key)
        if last is not None and candle.start_ms <= last:
            return
        if last is not None and candle.start_ms > last + candle.interval.ms:
            log.warning("gap in %s %s before %d; filling from REST", *key, candle.start_ms)
            self._fill(key, before_ms=candle.start_ms)
        self._publish(candle)

    def backfill_all(self) -> None:
        """Emit every closed candle missed while disconnected."""
        for key in list(self._last):
            self._fill(key, before_ms=None)

    def _fill(self, key: tuple[str, Interval], before_ms: int | None) -> None:
        last = self._last.get(key)
        if last is None:
            return
        symbol, interval = key
        candles = self._fetch(symbol, interval, last)
        for i in range(len(candles)):
            start = int(candles.start_ms[i])
            if before_ms is not None and start >= before_ms:
                break
            if start > (self._last[key] or -1):
                self._publish(_row(candles, i, symbol, interval))

    def _publish(self, candle: CandleClosed) -> None:
        self._last[(candle.symbol, candle.interval)] = candle.start_ms
        self._emit(candle)


def _row(candles: Candles, i: int, symbol: str, interval: Interval) -> CandleClosed:
    return CandleClosed(
        symbol=symbol,
        interval=interval,
        start_ms=int(candles.start_ms[i]),
        open=float(candles.open[i]),
        high=float(candles.high[i]),
        low=float(candles.low[i]),
        close=float(candles.close[i]),
        volume=float(candles.volume[i]),
        turnover=float(candles.turnover[i]),
    )
