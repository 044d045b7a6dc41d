"""Two data directories that share times: the one listed first wins, prices must agree, the
overlap is reported, and shorter candles extend a longer interval where no file covers it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from candles import kline_rows, ramp, write_gz
from team_data import shared_data

from algotrading.backtest.config import BacktestInputError
from algotrading.backtest.portfolio import PortfolioBacktestConfig
from algotrading.cli.main import main
from algotrading.domain.intervals import Interval
from algotrading.errors import DataFileError
from algotrading.market.candles import DataFileCandleSource
from algotrading.market.datafiles import DataSet
from algotrading.market.open_interest import OpenInterestFiles

KLINES = "start_ms,open,high,low,close,volume,turnover"
T0 = 1_700_006_400_000  # 2023-11-15 00:00 UTC, a midnight
HOUR = 3_600_000


def _hours(first: int, last: int, turnover: float) -> list[str]:
    """Hour i: open i+1, high i+2, low i, close i+1.5, volume 10, the given turnover."""
    return kline_rows(ramp(range(first, last + 1), start_ms=T0, step=HOUR, turnover=turnover))


@pytest.fixture
def two_dirs(tmp_path: Path) -> tuple[Path, Path]:
    """a: hours 0..5 with turnover 15 (an estimate); b: hours 3..9 with turnover 16 (real)."""
    a, b = tmp_path / "a", tmp_path / "b"
    write_gz(a / "klines/XUSDT_1h.csv.gz", [KLINES, *_hours(0, 5, 15)])
    write_gz(b / "klines/XUSDT_1h.csv.gz", [KLINES, *_hours(3, 9, 16)])
    return a, b


def test_the_directory_listed_first_wins_where_both_have_rows(two_dirs: tuple[Path, Path]) -> None:
    a, b = two_dirs
    candles = DataSet([a, b]).candles("XUSDT", "1h")
    assert list((candles.start_ms - T0) // HOUR) == list(range(10))
    assert list(candles.turnover) == [15] * 6 + [16] * 4  # a's rows 0..5, b adds 6..9
    flipped = DataSet([b, a]).candles("XUSDT", "1h")
    assert list(flipped.turnover) == [15] * 3 + [16] * 7  # b's rows 3..9, a adds 0..2


def test_each_overlap_is_reported_with_how_the_dropped_rows_differ(
    two_dirs: tuple[Path, Path],
) -> None:
    a, b = two_dirs
    ((kind, symbol, interval, overlap),) = DataSet([a, b]).overlaps()
    assert (kind, symbol, interval) == ("klines", "XUSDT", "1h")
    assert (overlap.kept.parent.parent, overlap.dropped.parent.parent) == (a, b)
    assert (overlap.rows, overlap.first_ms, overlap.last_ms) == (3, T0 + 3 * HOUR, T0 + 5 * HOUR)
    ((diff,),) = [overlap.differs]
    # |15 - 16| / 16 on each of the three shared hours; prices and volume are equal
    assert (diff.column, diff.rows, diff.max_rel) == ("turnover", 3, 1 / 16)


def test_a_later_directory_fills_a_gap_of_an_earlier_one(tmp_path: Path) -> None:
    write_gz(tmp_path / "a/klines/XUSDT_1h.csv.gz", [KLINES, *_hours(0, 1, 15), *_hours(4, 5, 15)])
    write_gz(tmp_path / "b/klines/XUSDT_1h.csv.gz", [KLINES, *_hours(0, 5, 16)])
    candles = DataSet([tmp_path / "a", tmp_path / "b"]).candles("XUSDT", "1h")
    assert list(candles.turnover) == [15, 15, 16, 16, 15, 15]


@pytest.mark.parametrize("column", [1, 2, 3, 4])
def test_any_price_that_disagrees_refuses_the_set(tmp_path: Path, column: int) -> None:
    row = _hours(4, 4, 16)[0].split(",")
    row[column] = str(float(row[column]) * 1.001)  # 0.1 %: Binance vs Bybit is about this far
    write_gz(tmp_path / "a/klines/XUSDT_1h.csv.gz", [KLINES, *_hours(0, 5, 15)])
    write_gz(tmp_path / "b/klines/XUSDT_1h.csv.gz", [KLINES, ",".join(row)])
    name = KLINES.split(",")[column]
    with pytest.raises(DataFileError, match=rf"b/klines/XUSDT_1h.csv.gz disagrees with .* {name} "):
        DataSet([tmp_path / "a", tmp_path / "b"]).candles("XUSDT", "1h")


def test_funding_rates_must_agree_and_the_first_listed_wins(tmp_path: Path) -> None:
    header = "funding_time_ms,funding_rate"
    write_gz(
        tmp_path / "a/funding/XUSDT.csv.gz", [header, f"{T0},0.0001", f"{T0 + 8 * HOUR},0.0002"]
    )
    write_gz(
        tmp_path / "b/funding/XUSDT.csv.gz",
        [header, f"{T0 + 8 * HOUR},0.0002", f"{T0 + 16 * HOUR},-5e-05"],
    )
    got = DataSet([tmp_path / "a", tmp_path / "b"]).funding("XUSDT")
    assert list(got.rate) == [0.0001, 0.0002, -0.00005]
    write_gz(tmp_path / "c/funding/XUSDT.csv.gz", [header, f"{T0 + 8 * HOUR},0.00021"])
    with pytest.raises(DataFileError, match=r"funding_rate 0\.00021 vs 0\.0002"):
        DataSet([tmp_path / "a", tmp_path / "c"]).funding("XUSDT")


def test_open_interest_follows_the_same_rule(tmp_path: Path) -> None:
    header = "timestamp_ms,open_interest"
    write_gz(
        tmp_path / "a/open_interest/XUSDT_4h.csv.gz", [header, f"{T0},100", f"{T0 + 4 * HOUR},110"]
    )
    write_gz(
        tmp_path / "b/open_interest/XUSDT_4h.csv.gz",
        [header, f"{T0 + 4 * HOUR},110", f"{T0 + 8 * HOUR},90"],
    )
    files = OpenInterestFiles([tmp_path / "a", tmp_path / "b"])
    series = files.series("XUSDT")
    assert series is not None and list(series.value) == [100, 110, 90]
    ((_, overlap),) = files.overlaps()
    assert (overlap.rows, overlap.differs) == (1, ())
    write_gz(tmp_path / "c/open_interest/XUSDT_4h.csv.gz", [header, f"{T0},101"])
    with pytest.raises(DataFileError, match=r"open_interest 101\.0 vs 100\.0"):
        OpenInterestFiles([tmp_path / "a", tmp_path / "c"]).series("XUSDT")


def test_shorter_candles_extend_an_interval_whose_files_start_later(tmp_path: Path) -> None:
    """a: 1d files for days 2..3 only; b: 4h candles for days 0..3 and no 1d file."""
    day = 86_400_000
    four_hours = [
        f"{T0 + k * 4 * HOUR},{100 + k},{110 + k},{90 + k},{101 + k},{k + 1},{10 * (k + 1)}"
        for k in range(24)
    ]
    write_gz(tmp_path / "b/klines/XUSDT_4h.csv.gz", [KLINES, *four_hours])
    daily = [
        f"{T0 + d * day},{100 + 6 * d},{115 + 6 * d},{90 + 6 * d},{106 + 6 * d},1,1" for d in (2, 3)
    ]
    write_gz(tmp_path / "a/klines/XUSDT_1d.csv.gz", [KLINES, *daily])
    served = DataFileCandleSource(DataSet([tmp_path / "a", tmp_path / "b"])).series("XUSDT", "1d")
    assert list((served.start_ms - T0) // day) == [0, 1, 2, 3]
    # day 0 from 4h rows k = 0..5: open 100, high 110 + 5, low 90, close 101 + 5,
    # volume 1 + 2 + ... + 6 = 21, turnover 10 x 21 = 210; day 1 from k = 6..11
    assert (served.open[0], served.high[0], served.low[0], served.close[0]) == (100, 115, 90, 106)
    assert (served.volume[0], served.turnover[0]) == (21, 210)
    assert (served.open[1], served.close[1], served.volume[1]) == (106, 112, 57)  # 7+...+12
    assert list(served.volume[2:]) == [1, 1]  # days 2 and 3: a's 1d file wins over the resample
    alone = DataFileCandleSource(DataSet([tmp_path / "a"])).series("XUSDT", Interval.D1)
    assert len(alone) == 2


def test_nested_directories_may_be_combined_but_not_the_same_one_twice(tmp_path: Path) -> None:
    outer, inner = tmp_path / "data", tmp_path / "data" / "history"
    write_gz(outer / "klines/XUSDT_1h.csv.gz", [KLINES, *_hours(0, 5, 15)])
    write_gz(inner / "klines/XUSDT_1h.csv.gz", [KLINES, *_hours(3, 9, 16)])
    config = PortfolioBacktestConfig(data_dirs=(str(outer), str(inner)))
    assert config.data_dirs == (str(outer), str(inner))
    with pytest.raises(BacktestInputError, match=r"overlapping data directories: .* given twice"):
        PortfolioBacktestConfig(data_dirs=(str(outer), str(inner / "..")))


def test_data_info_reports_overlaps_and_extensions(
    two_dirs: tuple[Path, Path], capsys: pytest.CaptureFixture
) -> None:
    a, b = two_dirs
    assert main(["data", "info", "--data-dir", str(a), "--data-dir", str(b), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    (overlap,) = info["overlaps"]
    assert overlap["kept"].startswith(str(a)) and overlap["dropped"].startswith(str(b))
    assert (overlap["rows"], overlap["first"], overlap["last"]) == (
        3,
        "2023-11-15T03:00:00Z",
        "2023-11-15T05:00:00Z",
    )
    (series,) = info["series"]
    assert (series["rows"], series["gaps"]) == (10, 0)
    assert main(["data", "info", "--data-dir", str(a), "--data-dir", str(b)]) == 0
    text = capsys.readouterr().out
    assert "the directory listed first wins" in text and "turnover 3 rows (max 6.25%)" in text


def test_binance_prices_are_not_merged_into_a_bybit_series() -> None:
    """Another exchange's candles are refused where they overlap a Bybit series, so they can
    never be traded on (or their volume used) by accident (docs/data.md)."""
    binance = shared_data() / "universe_binance_usdm_2025"
    with pytest.raises(DataFileError, match="universe_binance_usdm_2025/klines/BTCUSDT_1h"):
        DataSet([DataSet().dirs[0], binance]).candles("BTCUSDT", "1h")
