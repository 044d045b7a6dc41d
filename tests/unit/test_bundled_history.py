"""The history the bundled set carries before 2025-09-24 (BTC/ETH/SOL 4h, 1d, funding; open
interest to 2025-11-04), checked against its source rows by hand and, where the team data folder
is present, against the source files themselves."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from team_data import shared_data

from algotrading.backtest.data import FileMarketData
from algotrading.domain.intervals import Interval
from algotrading.domain.timefmt import parse_time
from algotrading.market.candles import DataFileCandleSource
from algotrading.market.datafiles import DataSet

HISTORY = ("BTCUSDT", "ETHUSDT", "SOLUSDT")
NO_HISTORY = ("AAVEUSDT", "ADAUSDT", "APEUSDT", "AVAXUSDT", "BNBUSDT")

# The six 4h rows of BTCUSDT on 2025-03-15 UTC, verbatim from
# bybit_derivs_2021_2025/klines/BTCUSDT_4h.csv.gz (source: HowardLiYH/NichePopulation, MIT).
BTC_4H_2025_03_15 = """\
1741996800000,83948.3,84661.8,83936.3,84459.8,6625.053,558695056.8002
1742011200000,84459.8,84545.0,83780.5,83811.9,5852.794,492593502.183
1742025600000,83811.9,84144.2,83591.8,84055.1,6928.004,580902913.2281
1742040000000,84055.1,84429.8,83972.3,84299.5,5860.527,493551262.4671
1742054400000,84299.5,84457.2,84061.1,84260.0,3722.681,313752364.9139
1742068800000,84260.0,84442.0,84200.9,84308.4,2611.954,220293832.71"""


def shared_or_skip() -> Path:
    """The team data folder (tests/team_data.py): skipped without it, a failure under CI=true."""
    return shared_data()


@pytest.fixture(scope="module")
def bundled() -> DataFileCandleSource:
    return DataFileCandleSource(DataSet())


def test_btc_daily_row_of_2025_03_15_is_built_from_its_six_4h_rows(
    bundled: DataFileCandleSource,
) -> None:
    day = bundled.series("BTCUSDT", Interval.D1).between(parse_time("2025-03-15"))
    assert int(day.start_ms[0]) == 1741996800000
    # By hand from the rows above: open of 00:00, max high (00:00 row), min low (08:00 row),
    # close of 20:00; volume 6625.053 + 5852.794 + 6928.004 + 5860.527 + 3722.681 + 2611.954.
    assert (day.open[0], day.high[0], day.low[0], day.close[0]) == (
        83948.3,
        84661.8,
        83591.8,
        84308.4,
    )
    assert day.volume[0] == pytest.approx(31601.013, abs=1e-9)
    assert day.turnover[0] == pytest.approx(2659788932.3023, abs=1e-4)


def test_the_shipped_4h_rows_of_that_day_are_the_source_rows(
    bundled: DataFileCandleSource,
) -> None:
    expected = np.array([[float(x) for x in line.split(",")] for line in BTC_4H_2025_03_15.split()])
    got = bundled.series("BTCUSDT", Interval.H4).between(parse_time("2025-03-15"))
    got = got.slice(0, 6)
    table = np.column_stack([got.start_ms, got.open, got.high, got.low, got.close, got.volume])
    np.testing.assert_array_equal(np.column_stack([table, got.turnover]), expected)


def test_every_interval_reaches_as_far_back_as_its_data(bundled: DataFileCandleSource) -> None:
    served = (Interval.M15, Interval.M30, Interval.H1, Interval.H4, Interval.D1, Interval.W1)
    first = {iv: int(bundled.series("BTCUSDT", iv).start_ms[0]) for iv in served}
    span, history = parse_time("2025-09-24"), parse_time("2025-01-01")
    assert first[Interval.M15] == first[Interval.M30] == first[Interval.H1] == span  # no 15m/1h
    assert first[Interval.H4] == first[Interval.D1] == history
    assert first[Interval.W1] == parse_time("2025-01-06")  # the first Monday of 2025
    for symbol in NO_HISTORY:
        assert int(bundled.series(symbol, Interval.D1).start_ms[0]) == span


def test_daily_history_is_gapless_across_the_seam(bundled: DataFileCandleSource) -> None:
    for symbol in HISTORY:
        days = bundled.series(symbol, Interval.D1)
        # 2025-01-01 .. 2026-03-31: 365 days of 2025 + 31 + 28 + 31 of 2026
        assert len(days) == 455
        assert np.all(np.diff(days.start_ms) == Interval.D1.ms)
        assert int((days.start_ms < parse_time("2025-09-24")).sum()) == 266


def test_funding_runs_every_8_hours_from_2025_01_01() -> None:
    for symbol in HISTORY:
        funding = DataSet().funding(symbol)
        assert int(funding.time_ms[0]) == parse_time("2025-01-01")
        assert int(funding.time_ms[-1]) == parse_time("2026-03-31T16:00:00Z")
        # 454 days x 3 settlements + 00:00 and 08:00 and 16:00 of 2026-03-31 = 1365 (no gap
        # at the seam: the 2025-09-24 00:00 settlement comes from the history set)
        assert len(funding) == 1365
        assert np.all(np.diff(funding.time_ms) == 8 * 3_600_000)


def test_open_interest_is_loaded_for_btc_up_to_2025_11_04() -> None:
    oi = FileMarketData(DataSet()).open_interest("BTCUSDT", None)
    assert oi is not None
    assert int(oi.time_ms[0]) == parse_time("2025-01-01")
    assert int(oi.time_ms[-1]) == parse_time("2025-11-04T20:00:00Z")
    # 2025-01-01 .. 2025-11-04: 307 whole days of six 4h snapshots + the six of 2025-11-04
    assert len(oi) == 308 * 6
    # the first and last source rows: 1735689600000,60006.946 and 1762286400000,55017.712
    assert (oi.value[0], oi.value[-1]) == (60006.946, 55017.712)
    for symbol in ("ETHUSDT", "SOLUSDT"):
        other = FileMarketData(DataSet()).open_interest(symbol, None)
        assert other is not None and len(other) == 308 * 6
    assert FileMarketData(DataSet()).open_interest("AAVEUSDT", None) is None


def _lines(path: Path) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return handle.read().splitlines()[1:]


def test_the_history_rows_are_the_source_rows() -> None:
    derivs = shared_or_skip() / "bybit_derivs_2021_2025"
    bundled = DataSet().dirs[0]
    lo, hi = parse_time("2025-01-01"), parse_time("2025-09-24")
    assert set(BTC_4H_2025_03_15.split()) <= set(_lines(derivs / "klines/BTCUSDT_4h.csv.gz"))
    for symbol in HISTORY:
        for folder, name, end in [
            ("klines", f"{symbol}_4h.csv.gz", hi),
            ("funding", f"{symbol}.csv.gz", hi + 1),
            ("open_interest", f"{symbol}_4h.csv.gz", 2**62),
        ]:
            source = [x for x in _lines(derivs / folder / name) if lo <= int(x.split(",")[0]) < end]
            ours = [x for x in _lines(bundled / folder / name) if int(x.split(",")[0]) < end]
            assert ours == source, (folder, name)


def test_the_daily_history_recomputed_from_the_source_4h_file() -> None:
    """A plain per-day grouping of the source text, independent of `market.resample`."""
    derivs = shared_or_skip() / "bybit_derivs_2021_2025"
    lo, hi = parse_time("2025-01-01"), parse_time("2025-09-24")
    for symbol in HISTORY:
        days: dict[int, list[list[float]]] = {}
        for line in _lines(derivs / "klines" / f"{symbol}_4h.csv.gz"):
            row = [float(x) for x in line.split(",")]
            if lo <= row[0] < hi:
                days.setdefault(int(row[0]) // 86_400_000 * 86_400_000, []).append(row)
        got = DataSet().candles(symbol, "1d").between(lo, hi)
        assert len(got) == len(days) == 266
        for k, (start, rows) in enumerate(sorted(days.items())):
            assert len(rows) == 6
            expected = (start, rows[0][1], max(r[2] for r in rows), min(r[3] for r in rows))
            assert (int(got.start_ms[k]), got.open[k], got.high[k], got.low[k]) == expected
            assert got.close[k] == rows[-1][4]
            assert got.volume[k] == pytest.approx(sum(r[5] for r in rows), rel=1e-12)
            assert got.turnover[k] == pytest.approx(sum(r[6] for r in rows), rel=1e-12)
