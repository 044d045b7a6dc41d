"""The candle service: closed candles only, and a cache that is fast but never stale across a
candle close, driven by a fake clock over the real bundled data."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field

import numpy as np
import pytest

from algotrading.domain.intervals import MINUTE_MS, Interval
from algotrading.domain.series import Candles
from algotrading.domain.timefmt import parse_time
from algotrading.errors import AppError
from algotrading.exchange.port import ExchangeService
from algotrading.market.candles import (
    CandleService,
    CandleSource,
    DataFileCandleSource,
    UnknownSeriesError,
)
from algotrading.market.datafiles import DataSet
from algotrading.market.resample import resample


@dataclass
class FakeClock:
    now: int

    def __call__(self) -> int:
        return self.now

    def advance(self, ms: int) -> None:
        self.now += ms


@dataclass
class RecordingSource:
    """A real data-file source that also records each request it serves."""

    inner: DataFileCandleSource
    calls: list[tuple[object, ...]] = field(default_factory=list)

    def get_candles(
        self,
        symbol: str,
        interval: Interval,
        *,
        start_ms: int | None = None,
        end_ms: int | None = None,
        limit: int = 200,
    ) -> Candles:
        self.calls.append((symbol, interval, start_ms, end_ms, limit))
        return self.inner.get_candles(
            symbol, interval, start_ms=start_ms, end_ms=end_ms, limit=limit
        )


@pytest.fixture(scope="module")
def files() -> DataFileCandleSource:
    # the bundled data: 2025-09-24 .. 2026-03-31; BTC/ETH/SOL 4h and 1d from 2025-01-01
    return DataFileCandleSource(DataSet())


def _service(files: DataFileCandleSource, at: str) -> tuple[CandleService, FakeClock, list]:
    clock = FakeClock(parse_time(at))
    source = RecordingSource(files)
    return CandleService(source, clock), clock, source.calls


def test_the_forming_candle_is_never_returned(files: DataFileCandleSource) -> None:
    service, clock, _ = _service(files, "2026-03-31T12:07")
    got = service.get_candles("BTCUSDT", Interval.M15, limit=3)
    assert list(got.start_ms) == [
        parse_time(f"2026-03-31T{t}") for t in ("11:15", "11:30", "11:45")
    ]
    assert files.series("BTCUSDT", Interval.M15).between(parse_time("2026-03-31T12:00")).start_ms[0]
    clock.now = parse_time("2026-03-31T12:15")  # the 12:00 candle closes exactly now
    assert service.get_candles("BTCUSDT", Interval.M15, limit=3).start_ms[-1] == parse_time(
        "2026-03-31T12:00"
    )


def test_limit_and_inclusive_range(files: DataFileCandleSource) -> None:
    service, _, _ = _service(files, "2026-03-31T23:59")
    got = service.get_candles(
        "ETHUSDT",
        "1h",
        start_ms=parse_time("2026-03-30T10:00"),
        end_ms=parse_time("2026-03-30T12:00"),
    )
    assert list(got.start_ms) == [parse_time(f"2026-03-30T{h}:00") for h in (10, 11, 12)]
    assert len(service.get_candles("ETHUSDT", "1h", limit=7)) == 7
    full = files.series("ETHUSDT", Interval.H1)
    np.testing.assert_array_equal(
        service.get_candles("ETHUSDT", "1h", limit=7).close, full.close[-8:-1]
    )


def test_cache_hits_within_ttl_and_refetches_after(files: DataFileCandleSource) -> None:
    service, clock, calls = _service(files, "2026-03-31T12:00:30")
    first = service.get_candles("SOLUSDT", "1h", limit=50)
    clock.advance(29_000)
    assert service.get_candles("SOLUSDT", "1h", limit=50) is first
    clock.advance(30_999)  # 59.999 s after the fetch
    service.get_candles("SOLUSDT", "1h", limit=50)
    assert len(calls) == 1 and (service.hits, service.misses) == (2, 1)
    clock.advance(1)  # 60 s: expired
    service.get_candles("SOLUSDT", "1h", limit=50)
    assert len(calls) == 2


def test_a_candle_close_expires_the_entry_before_the_ttl(files: DataFileCandleSource) -> None:
    service, clock, calls = _service(files, "2026-03-31T12:14:30")
    before = service.get_candles("BNBUSDT", Interval.M15, limit=2)
    clock.now = parse_time("2026-03-31T12:15:10")  # 40 s later, but the 12:00 candle closed
    after = service.get_candles("BNBUSDT", Interval.M15, limit=2)
    assert len(calls) == 2
    assert after.start_ms[-1] == before.start_ms[-1] + 15 * MINUTE_MS


def test_least_recently_used_entry_goes_first(files: DataFileCandleSource) -> None:
    service, _, calls = _service(files, "2026-03-31T12:00:30")
    for limit in range(1, 101):
        service.get_candles("ADAUSDT", "4h", limit=limit)
    assert len(service) == 100
    service.get_candles("ADAUSDT", "4h", limit=1)  # now the most recently used
    service.get_candles("ADAUSDT", "4h", limit=101)  # evicts limit=2, the least recent
    assert len(service) == 100
    fetched = len(calls)
    service.get_candles("ADAUSDT", "4h", limit=1)
    assert len(calls) == fetched
    service.get_candles("ADAUSDT", "4h", limit=2)
    assert len(calls) == fetched + 1


def test_cached_arrays_cannot_be_modified(files: DataFileCandleSource) -> None:
    service, _, _ = _service(files, "2026-03-31T12:00:30")
    got = service.get_candles("AVAXUSDT", "1d", limit=5)
    with pytest.raises(ValueError, match="read-only"):
        got.close[0] = 0.0


def test_missing_intervals_are_built_from_shorter_files(files: DataFileCandleSource) -> None:
    service, _, _ = _service(files, "2026-04-02")
    weeks = service.get_candles("BTCUSDT", "1w", limit=500)
    daily = files.dataset.candles("BTCUSDT", "1d")
    expected = resample(daily, Interval.D1, Interval.W1)
    np.testing.assert_array_equal(weeks.close, expected.close)
    # 2025-01-06 (the first Monday of the daily history) .. the week of 2026-03-23: 441 days =
    # 63 weeks between the two Mondays, so 64 weeks; the week of 2026-03-30 is partial
    assert len(weeks) == 64
    halves = service.get_candles("BTCUSDT", "30m", limit=2)
    quarter = files.dataset.candles("BTCUSDT", "15m")
    assert halves.close[-1] == quarter.close[-1] and halves.high[-1] == quarter.high[-2:].max()


def test_unknown_symbols_intervals_and_bad_limits(files: DataFileCandleSource) -> None:
    service, _, _ = _service(files, "2026-03-31")
    with pytest.raises(UnknownSeriesError, match="unknown symbol 'DOGEUSDT'") as caught:
        service.get_candles("DOGEUSDT", "1h")
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, AppError)
    with pytest.raises(UnknownSeriesError, match="no 1m candles for BTCUSDT"):
        service.get_candles("BTCUSDT", "1m")
    with pytest.raises(ValueError, match="unknown interval '2h'"):
        service.get_candles("BTCUSDT", "2h")
    with pytest.raises(ValueError, match="limit must be an integer >= 1"):
        service.get_candles("BTCUSDT", "1h", limit=0)


def test_the_exchange_port_is_a_candle_source() -> None:
    """The contract with the exchange port: the same get_candles signature, so the service
    runs on Bybit exactly as on the files."""
    assert inspect.signature(ExchangeService.get_candles) == inspect.signature(
        CandleSource.get_candles
    )
    assert inspect.signature(DataFileCandleSource.get_candles) == inspect.signature(
        CandleSource.get_candles
    )


def test_before_the_data_starts_there_are_no_candles(files: DataFileCandleSource) -> None:
    service, _, _ = _service(files, "2020-01-01")
    assert len(service.get_candles("BTCUSDT", "1h")) == 0
