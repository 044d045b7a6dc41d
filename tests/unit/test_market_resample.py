"""The resampler: UTC-aligned buckets, complete ones only, weeks from Monday, and on real data
exactly the candles the exchange itself produced."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from candles import ohlc

from algotrading.domain.intervals import DAY_MS, HOUR_MS, MINUTE_MS, Interval
from algotrading.domain.series import Candles
from algotrading.domain.timefmt import parse_time
from algotrading.market.datafiles import DataSet
from algotrading.market.resample import bucket_start, resample

PRIMARY_SYMBOLS = ["AAVEUSDT", "ADAUSDT", "APEUSDT", "AVAXUSDT", "BNBUSDT", "BTCUSDT", "ETHUSDT",
                   "SOLUSDT"]  # fmt: skip


def _minutes(start: str, count: int, step_min: int = 1, skip: tuple[int, ...] = ()) -> Candles:
    """Synthetic candles: open = i, high = i + 0.5, low = i - 0.5, close = i + 0.25 for row i."""
    idx = np.array([i for i in range(count) if i not in skip], dtype=np.int64)
    x = idx.astype(np.float64)
    times = parse_time(start) + idx * step_min * MINUTE_MS
    return ohlc(x, x + 0.5, x - 0.5, x + 0.25, times=times, turnover=x * 2)


def test_only_complete_utc_aligned_buckets_are_kept() -> None:
    # 00:03 .. 00:21 in 1m candles: 00:05-00:10 and 00:10-00:15 and 00:15-00:20 are complete;
    # 00:00 (starts at 00:03) and 00:20 (ends at 00:21) are cut and must not appear.
    c = _minutes("2026-01-01T00:03", 19)
    out = resample(c, Interval.M1, Interval.M5)
    assert [t - parse_time("2026-01-01") for t in out.start_ms] == [5 * MINUTE_MS, 10 * MINUTE_MS,
                                                                    15 * MINUTE_MS]  # fmt: skip
    # The bucket 00:05 holds source rows 2..6 (00:05 .. 00:09).
    assert (out.open[0], out.high[0], out.low[0], out.close[0]) == (2.0, 6.5, 1.5, 6.25)
    assert (out.volume[0], out.turnover[0]) == (5.0, 2 * (2 + 3 + 4 + 5 + 6))


def test_a_gap_drops_its_bucket_and_nothing_else() -> None:
    c = _minutes("2026-01-01T00:00", 60, skip=(17,))
    out = resample(c, Interval.M1, Interval.M15)
    assert [(t % HOUR_MS) // MINUTE_MS for t in out.start_ms] == [0, 30, 45]


def test_weeks_start_on_monday_utc() -> None:
    # 2026-01-01 is a Thursday: the first complete week is Monday 2026-01-05 .. 2026-01-12.
    days = _minutes("2026-01-01", 30, step_min=24 * 60)
    out = resample(days, Interval.D1, Interval.W1)
    starts = [datetime.fromtimestamp(t / 1000, UTC) for t in out.start_ms]
    assert [s.date().isoformat() for s in starts] == ["2026-01-05", "2026-01-12", "2026-01-19"]
    assert all(s.weekday() == 0 and s.hour == 0 for s in starts)
    assert out.open[0] == 4.0 and out.close[0] == 10.25  # Monday's open .. Sunday's close
    assert bucket_start(parse_time("2026-01-11T23:59"), Interval.W1) == parse_time("2026-01-05")
    assert bucket_start(parse_time("2026-01-12"), Interval.W1) == parse_time("2026-01-12")
    assert bucket_start(parse_time("2026-01-12T05:00"), Interval.H4) == parse_time("2026-01-12T04")


@pytest.mark.parametrize(
    ("source", "target", "message"),
    [
        (Interval.H1, Interval.M15, "not a whole multiple"),
        (Interval.H4, Interval.D1, None),
        (Interval.M15, Interval.M30, None),
    ],
)
def test_target_must_be_a_multiple_of_source(
    source: Interval, target: Interval, message: str | None
) -> None:
    c = _minutes("2026-01-01", 4, step_min=source.ms // MINUTE_MS)
    if message:
        with pytest.raises(ValueError, match=message):
            resample(c, source, target)
    else:
        assert len(resample(c, source, target)) <= 2


def test_candles_off_the_source_grid_or_out_of_order_are_refused() -> None:
    with pytest.raises(ValueError, match="not on the 5m grid"):
        resample(_minutes("2026-01-01T00:01", 10, step_min=5), Interval.M5, Interval.H1)
    c = _minutes("2026-01-01", 10)
    backwards = Candles(c.start_ms[::-1].copy(), c.open, c.high, c.low, c.close, c.volume,
                        c.turnover)  # fmt: skip
    with pytest.raises(ValueError, match="strictly ascending"):
        resample(backwards, Interval.M1, Interval.M5)
    assert len(resample(Candles.empty(), Interval.M1, Interval.H1)) == 0


@pytest.mark.parametrize("symbol", PRIMARY_SYMBOLS)
def test_4h_from_15m_equals_the_shipped_4h_file(symbol: str) -> None:
    """The 4h file is Bybit's own (not resampled by anyone): identical times and prices. Its
    volume is Bybit's sum, equal to ours up to float rounding of the sum; its turnover is an
    estimate (volume x mean price of the 4h bar, see PROVENANCE.md), so it is not comparable.
    On the bundled set (the primary set's 15m and 4h rows), from where its 15m rows begin."""
    data = DataSet()
    ours = resample(data.candles(symbol, "15m"), Interval.M15, Interval.H4)
    _assert_same_bars(ours, data.candles(symbol, "4h").between(int(ours.start_ms[0])))


@pytest.mark.parametrize("symbol", PRIMARY_SYMBOLS)
def test_4h_from_5m_equals_the_shipped_4h_file(symbol: str, shared_data: Path) -> None:
    data = DataSet([shared_data])
    ours = resample(data.candles(symbol, "5m"), Interval.M5, Interval.H4)
    _assert_same_bars(ours, data.candles(symbol, "4h"))
    fine = data.candles(symbol, "5m")
    np.testing.assert_allclose(ours.turnover, fine.turnover.reshape(-1, 48).sum(axis=1), 1e-12)


def test_1d_from_1h_equals_bybit_daily_candles(shared_data: Path) -> None:
    """universe_bybit_2024 has Bybit's original 1h and 1d files: days are 00:00 UTC buckets."""
    data = DataSet([shared_data / "universe_bybit_2024"])
    for symbol in ("BTCUSDT", "CTKUSDT", "XTZUSDT"):
        ours = resample(data.candles(symbol, "1h"), Interval.H1, Interval.D1)
        _assert_same_bars(ours, data.candles(symbol, "1d"))
        assert (ours.start_ms % DAY_MS == 0).all()


def _assert_same_bars(ours: Candles, theirs: Candles) -> None:
    assert len(ours) == len(theirs) > 0
    for column in ("start_ms", "open", "high", "low", "close"):
        np.testing.assert_array_equal(getattr(ours, column), getattr(theirs, column), column)
    np.testing.assert_allclose(ours.volume, theirs.volume, rtol=1e-12, atol=0)
