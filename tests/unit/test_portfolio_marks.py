"""Open positions are marked where the exchange marks them: the finest closes of the symbol,
and the strategy's own closes only before the finest data begins."""

from __future__ import annotations

import csv
import gzip

from algotrading.backtest.data import FileMarketData
from algotrading.backtest.portfolio.units import mark_closes
from algotrading.bundled import BUNDLED_DATA_DIR
from algotrading.domain.intervals import Interval
from algotrading.domain.timefmt import parse_time
from algotrading.market.datafiles import DataSet


def closes(interval: str) -> dict[int, float]:
    """(close time -> close) read straight from the bundled CSV, not through our loader."""
    path = BUNDLED_DATA_DIR / "klines" / f"BTCUSDT_{interval}.csv.gz"
    ms = Interval.parse(interval).ms
    with gzip.open(path, "rt") as f:
        return {int(r["start_ms"]) + ms: float(r["close"]) for r in csv.DictReader(f)}


def test_a_daily_position_is_marked_at_daily_closes_then_at_every_15_minutes() -> None:
    market = FileMarketData(DataSet([BUNDLED_DATA_DIR]))
    daily = market.candles("BTCUSDT", Interval.D1, None)
    start, end = parse_time("2025-09-21T00:00:00Z"), parse_time("2025-09-25T00:00:00Z")
    marks = mark_closes(market, "BTCUSDT", (daily, Interval.D1), start, end)
    day, quarter = closes("1d"), closes("15m")
    # 15m data begins with the candle closing 2025-09-24 00:15: before it, the daily closes of
    # 09-21 .. 09-24 00:00 (4), then 96 quarter-hours up to 09-25 00:00
    early = [t for t in sorted(day) if start <= t <= parse_time("2025-09-24T00:00:00Z")]
    late = [t for t in sorted(quarter) if t <= end]
    assert len(early) == 4 and len(late) == 96
    assert [int(t) for t in marks[:, 0]] == early + late
    assert list(marks[:, 1]) == [day[t] for t in early] + [quarter[t] for t in late]
