"""Market-data files: parsing, continuation across directories, and errors naming file and line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from candles import kline_rows, ramp, write_gz

from algotrading.bundled import BUNDLED_DATA_DIR
from algotrading.errors import DataFileError
from algotrading.market.datafiles import DataSet

PRIMARY = ["AAVEUSDT", "ADAUSDT", "APEUSDT", "AVAXUSDT", "BNBUSDT", "BTCUSDT", "ETHUSDT", "SOLUSDT"]
HEADER = "start_ms,open,high,low,close,volume,turnover"
SPAN_START_MS = 1_758_672_000_000  # 2025-09-24 00:00 UTC
HISTORY_START_MS = 1_735_689_600_000  # 2025-01-01 00:00 UTC


def _rows(start: int, count: int, step: int = 3_600_000) -> list[str]:
    """Row i: open i+1, high i+2, low i, close i+1.5, volume 10, turnover 15."""
    return kline_rows(ramp(count, start_ms=start, step=step))


def test_bundled_set_is_the_primary_set_from_2025_09_24(shared_data: Path) -> None:
    """From 2025-09-24 the bundled files are the primary set's; before it only BTC, ETH and SOL
    have rows (the history from bybit_derivs_2021_2025, tests/unit/test_bundled_history.py)."""
    bundled, shared = DataSet(), DataSet([shared_data])
    assert bundled.symbols() == PRIMARY
    for symbol in PRIMARY:
        assert [i.value for i in bundled.intervals(symbol)] == ["15m", "1h", "4h", "1d"]
        ours, theirs = bundled.candles(symbol, "4h"), shared.candles(symbol, "4h")
        ours = ours.between(SPAN_START_MS)
        assert np.array_equal(ours.start_ms, theirs.start_ms)
        assert np.array_equal(ours.close, theirs.close)
        assert np.array_equal(ours.turnover, theirs.turnover)
        funding = bundled.funding(symbol)
        assert np.array_equal(funding.time_ms[-566:], shared.funding(symbol).time_ms)
        has_history = symbol in ("BTCUSDT", "ETHUSDT", "SOLUSDT")
        first_4h = int(bundled.candles(symbol, "4h").start_ms[0])
        assert first_4h == (HISTORY_START_MS if has_history else SPAN_START_MS)


def test_a_later_directory_continues_an_earlier_one(tmp_path: Path) -> None:
    rows = _rows(1_700_000_000_000, 10)
    write_gz(tmp_path / "a/klines/XUSDT_1h.csv.gz", [HEADER, *rows[:6]])
    write_gz(tmp_path / "b/klines/XUSDT_1h.csv.gz", [HEADER, *rows[4:]])
    candles = DataSet([tmp_path / "a", tmp_path / "b"]).candles("XUSDT", "1h")
    assert len(candles) == 10
    assert np.all(np.diff(candles.start_ms) == 3_600_000)
    assert candles.close[-1] == 10.5


def test_overlapping_prices_that_disagree_are_an_error(tmp_path: Path) -> None:
    rows = _rows(1_700_000_000_000, 6)
    changed = rows[4].replace(",5.5,10,15", ",5.6,10,15")  # the close of the fifth hour
    write_gz(tmp_path / "a/klines/XUSDT_1h.csv.gz", [HEADER, *rows[:5]])
    write_gz(tmp_path / "b/klines/XUSDT_1h.csv.gz", [HEADER, changed, rows[5]])
    with pytest.raises(
        DataFileError, match=r"b/klines/XUSDT_1h.csv.gz disagrees with .*a/klines.*close 5.6 vs 5.5"
    ):
        DataSet([tmp_path / "a", tmp_path / "b"]).candles("XUSDT", "1h")


def test_gaps_are_counted_in_missing_candles(tmp_path: Path) -> None:
    rows = _rows(1_700_000_000_000, 10)
    write_gz(tmp_path / "klines/XUSDT_1h.csv.gz", [HEADER, *rows[:3], *rows[6:]])
    (info,) = DataSet([tmp_path]).inventory()
    assert (info.rows, info.gaps) == (7, 3)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("1700010800000,1,2,x,1,1,1", ":5: not a number: 'x'"),
        ("1700010800000,1,2,0,1,1", ":5: expected 7 fields, found 6"),
        ("1700010800000,1,2,0,nan,1,1", ":5: not a finite number"),
        ("1700000000000,1,2,0,1,1,1", ":5: earlier timestamp"),
    ],
)
def test_malformed_line_names_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = write_gz(
        tmp_path / "klines/XUSDT_1h.csv.gz", [HEADER, *_rows(1_700_000_000_000, 3), line]
    )
    with pytest.raises(DataFileError) as info:
        DataSet([tmp_path]).candles("XUSDT", "1h")
    assert str(info.value).startswith(f"{path}{message}")


def test_wrong_header_and_unknown_directory(tmp_path: Path) -> None:
    write_gz(tmp_path / "klines/XUSDT_1h.csv.gz", ["time,o,h,l,c,v,t", *_rows(0, 2)])
    with pytest.raises(DataFileError, match=r"XUSDT_1h.csv.gz:1: expected header"):
        DataSet([tmp_path]).candles("XUSDT", "1h")
    with pytest.raises(DataFileError, match="data directory not found"):
        DataSet([tmp_path / "nowhere"])
    with pytest.raises(DataFileError, match="neither a klines/ nor a funding/"):
        DataSet([BUNDLED_DATA_DIR.parent])


def test_unknown_symbol_or_interval(tmp_path: Path) -> None:
    dataset = DataSet()
    with pytest.raises(DataFileError, match="no 5m klines for BTCUSDT"):
        dataset.candles("BTCUSDT", "5m")
    with pytest.raises(ValueError, match="unknown interval '7m'"):
        dataset.candles("BTCUSDT", "7m")
    with pytest.raises(DataFileError, match="no funding history for DOGEUSDT"):
        dataset.funding("DOGEUSDT")
