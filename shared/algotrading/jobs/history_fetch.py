"""What the market-history job reads from the exchange: the closed klines, funding settlements and
open-interest snapshots of one symbol after a point, up to a scheduled time.

The spans, chosen so a repeat over the same time reads the same rows whatever the exchange's
clock says:

- klines: the bars that **closed** in (`since`, `until`], or after the last stored bar. The
  exchange's kline answer ends with the bar in progress (or, late, with the bar opening at
  `until`, which closes after it), so the newest row is dropped and only bars closed by `until`
  are kept (`without_open_candle`, `closed_only`): never the bar still forming.
- funding settlements and open interest: the points stamped in [`since`, `until`), or after the
  last stored point. A point stamped exactly at `until` is left to the next run: Bybit
  publishes the 00:00 settlement minutes late, so taking it at 00:00 would depend on timing.

Funding history comes 200 settlements per request and open interest 200 snapshots: both are
paged back from `until` until the span is covered.
"""

from __future__ import annotations

import numpy as np

from algotrading.domain.intervals import Interval
from algotrading.domain.series import Candles, FundingHistory
from algotrading.exchange.port import ExchangeService, without_open_candle
from algotrading.market.candles import closed_only
from algotrading.market.resample import bucket_start

PAGE = 200
"""Bybit's largest page of funding history and of open interest."""
OPEN_INTEREST_INTERVAL = Interval.H1
"""The finest open interest the executor reads (`execution.inputs`): stored at the same grid."""


def first_open(interval: Interval, since_ms: int, last_open: int | None) -> int:
    """The open time of the first bar to fetch: the bar after the last stored one, else the
    first bar closing after `since_ms`."""
    if last_open is not None:
        return last_open + interval.ms
    return bucket_start(since_ms, interval)


def closed_klines(
    exchange: ExchangeService, symbol: str, interval: Interval, lo_open: int, until_ms: int
) -> Candles:
    """The bars opening at or after `lo_open` that closed by `until_ms`, ascending."""
    if lo_open + interval.ms > until_ms:
        return Candles(*(np.empty(0, dtype=t) for t in (np.int64, *[np.float64] * 6)))
    count = (until_ms - lo_open) // interval.ms + 1  # with the bar at `until`, dropped below
    raw = exchange.get_candles(symbol, interval, start_ms=lo_open, end_ms=until_ms, limit=count)
    return closed_only(without_open_candle(raw), interval, until_ms).between(lo_open, None)


def settlements(
    exchange: ExchangeService, symbol: str, lo_ms: int, until_ms: int
) -> FundingHistory:
    """Funding settlements stamped in [`lo_ms`, `until_ms`), ascending."""
    times: list[np.ndarray] = []
    rates: list[np.ndarray] = []
    end = until_ms - 1
    while end >= lo_ms:
        page = exchange.get_funding_rate_history(symbol, start_ms=lo_ms, end_ms=end, limit=PAGE)
        times.insert(0, page.time_ms)
        rates.insert(0, page.rate)
        if len(page) < PAGE:
            break
        end = int(page.time_ms[0]) - 1
    if not times:
        return FundingHistory(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64))
    t, r = np.concatenate(times), np.concatenate(rates)
    keep = (t >= lo_ms) & (t < until_ms)
    return FundingHistory(t[keep], r[keep])


def open_interest(
    exchange: ExchangeService, symbol: str, lo_ms: int, until_ms: int
) -> list[tuple[int, float]]:
    """(time, open interest) at the hourly grid, stamped in [`lo_ms`, `until_ms`), ascending."""
    found: dict[int, float] = {}
    end = until_ms - 1
    while end >= lo_ms:
        page = exchange.get_open_interest(
            symbol, interval=OPEN_INTEREST_INTERVAL, limit=PAGE, end_ms=end
        )
        found.update((p.time_ms, float(p.open_interest)) for p in page)
        if len(page) < PAGE:
            break
        end = min(p.time_ms for p in page) - 1
    return sorted((t, v) for t, v in found.items() if lo_ms <= t < until_ms)
