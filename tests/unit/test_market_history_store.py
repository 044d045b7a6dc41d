"""The market-history store (issue 16): appending rows to a data-layout file, the local folder
and the S3 adapter (under moto), and the spans read from the exchange, by hand arithmetic."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import boto3
import numpy as np
import pytest
from moto import mock_aws

from algotrading.domain.intervals import Interval
from algotrading.domain.series import Candles
from algotrading.errors import ConfigError
from algotrading.jobs.history_fetch import closed_klines, first_open
from algotrading.jobs.history_files import appended
from algotrading.jobs.history_s3 import S3HistoryStore
from algotrading.jobs.history_store import PACKAGE_DIR, LocalHistoryStore
from algotrading.jobs.market_history import append_series
from algotrading.market.csvfiles import FUNDING_HEADER
from algotrading.market.datafiles import DataSet

T0 = 1_761_264_000_000  # 2025-10-24T00:00:00Z
M15 = 15 * 60_000
HOUR = 3_600_000


def text(data: bytes) -> str:
    return gzip.decompress(data).decode()


def test_appending_keeps_only_rows_after_the_last_stored_time() -> None:
    first, n1 = appended(None, FUNDING_HEADER, [(T0, 1e-4), (T0 + 8 * HOUR, -7.085e-05)])
    assert n1 == 2 and first is not None
    assert text(first) == f"funding_time_ms,funding_rate\n{T0},0.0001\n{T0 + 8 * HOUR},-7.085e-05\n"
    again, n2 = appended(first, FUNDING_HEADER, [(T0, 1e-4), (T0 + 8 * HOUR, -7.085e-05)])
    assert (again, n2) == (None, 0)
    more, n3 = appended(first, FUNDING_HEADER, [(T0 + 8 * HOUR, 9.0), (T0 + 16 * HOUR, 2e-05)])
    assert n3 == 1 and more is not None
    assert text(more).splitlines()[1:] == [f"{T0},0.0001", f"{T0 + 8 * HOUR},-7.085e-05",
                                           f"{T0 + 16 * HOUR},2e-05"]  # fmt: skip


def test_the_same_rows_give_the_same_bytes() -> None:
    rows = [(T0, 111937.5, 111979.7, 111757.0, 111971.3, 549.009, 61440352.0774)]
    header = ("start_ms", "open", "high", "low", "close", "volume", "turnover")
    assert appended(None, header, rows) == appended(None, header, rows)


@pytest.mark.parametrize(
    ("interval", "since", "last", "expected"),
    [
        (Interval.M15, T0 + 16 * HOUR, None, T0 + 16 * HOUR),  # the bar opening at since
        (Interval.H4, T0 + 17 * HOUR, None, T0 + 16 * HOUR),  # the 16:00 bar closes at 20:00
        (Interval.D1, T0 + 17 * HOUR, None, T0),  # today's bar, closing tomorrow 00:00
        (Interval.H1, T0, T0 + 5 * HOUR, T0 + 6 * HOUR),  # after the last stored bar
    ],
)
def test_first_open(interval: Interval, since: int, last: int | None, expected: int) -> None:
    assert first_open(interval, since, last) == expected


class KlineExchange:
    """Serves 15m bars opening every 15 minutes up to `now` (the last one still forming), as
    Bybit's kline endpoint does; close = the bar's index."""

    def __init__(self, now: int) -> None:
        self.now = now
        self.asked: list[dict[str, Any]] = []

    def get_candles(self, symbol: str, interval: Interval, **kw: Any) -> Candles:
        self.asked.append(kw)
        last = min(kw["end_ms"], self.now - self.now % M15)
        starts = np.arange(kw["start_ms"], last + 1, M15, dtype=np.int64)[-kw["limit"] :]
        values = [np.arange(len(starts), dtype=np.float64) for _ in range(6)]
        return Candles(starts, *values)


@pytest.mark.parametrize(
    ("now", "bars"),
    [(T0 + HOUR, 4), (T0 + HOUR - 5 * 60_000, 3), (T0 + 5 * HOUR, 4)],
)
def test_only_bars_closed_by_the_scheduled_time(now: int, bars: int) -> None:
    """Up to 01:00: on time 4 bars; behind at 00:55, 3 (00:45 still forming); far ahead, 4."""
    exchange: Any = KlineExchange(now)
    got = closed_klines(exchange, "BTCUSDT", Interval.M15, T0, T0 + HOUR)
    assert got.start_ms.tolist() == [T0, T0 + M15, T0 + 2 * M15, T0 + 3 * M15][:bars]


def test_local_store_round_trip_reads_back_through_dataset(tmp_path: Path) -> None:
    store = LocalHistoryStore(tmp_path / "h")
    rows = [(T0, 1.0, 2.0, 0.5, 1.5, 10.0, 15.0), (T0 + M15, 1.5, 1.6, 1.4, 1.45, 3.0, 4.5)]
    assert append_series(store, "klines/BTCUSDT_15m.csv.gz", "klines", lambda last: rows) == 2
    assert append_series(store, "klines/BTCUSDT_15m.csv.gz", "klines", lambda last: rows) == 0
    candles = DataSet([tmp_path / "h"]).candles("BTCUSDT", "15m")
    assert candles.start_ms.tolist() == [T0, T0 + M15] and candles.close.tolist() == [1.5, 1.45]
    leftovers = [p.name for p in (tmp_path / "h" / "klines").iterdir()]
    assert leftovers == ["BTCUSDT_15m.csv.gz"]  # no temporary file left behind


def test_local_store_refuses_the_installed_package(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="inside the installed package"):
        LocalHistoryStore(PACKAGE_DIR / "bundled")


def test_the_last_stored_time_is_what_the_fetch_continues_from(tmp_path: Path) -> None:
    store = LocalHistoryStore(tmp_path)
    seen: list[int | None] = []

    def fetch(last: int | None) -> list[tuple[int, float]]:
        seen.append(last)
        return [(T0, 1e-4)] if last is None else [(last, 5.0), (last + 8 * HOUR, 3e-05)]

    append_series(store, "funding/BTCUSDT.csv.gz", "funding", fetch)
    append_series(store, "funding/BTCUSDT.csv.gz", "funding", fetch)
    assert seen == [None, T0]
    assert DataSet([tmp_path]).funding("BTCUSDT").rate.tolist() == [1e-4, 3e-05]


@mock_aws
def test_s3_store_round_trip() -> None:
    client = boto3.client("s3", region_name="eu-west-1")
    client.create_bucket(
        Bucket="history", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    store = S3HistoryStore("history", "market-data/", client=client)
    key = "funding/ETHUSDT.csv.gz"
    assert store.read(key) is None
    assert append_series(store, key, "funding", lambda last: [(T0, 1e-4)]) == 1
    assert (
        append_series(store, key, "funding", lambda last: [(T0, 1e-4), (T0 + 8 * HOUR, 2e-4)]) == 1
    )
    stored = client.get_object(Bucket="history", Key="market-data/funding/ETHUSDT.csv.gz")
    assert text(stored["Body"].read()) == (
        f"funding_time_ms,funding_rate\n{T0},0.0001\n{T0 + 8 * HOUR},0.0002\n"
    )
    assert store.describe() == "s3://history/market-data"
