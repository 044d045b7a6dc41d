"""The market-history job (issue 16): its handler with EventBridge Scheduler payloads on the real
PostgreSQL and the loopback simulator, and `algo data fetch` by hand.

The simulator replays tests/data (BTCUSDT and ETHUSDT, 15m..1d klines, 8-hourly funding at
00:00, 08:00, 16:00 UTC, no open interest). Counts are hand arithmetic over the span: the hour up
to 17:00 closes the 15m bars opening 16:00, 16:15, 16:30, 16:45 (4), the 1h bar of 16:00 (1),
no 4h bar (the 16:00 bar closes at 20:00) and no day; it holds the 16:00 settlement (1).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from execution_support import rows, sim_at
from jobs_support import LambdaContext, load_handler, payload
from sim_support import TEST_DATA

from algotrading.cli.main import main
from algotrading.domain.intervals import Interval
from algotrading.domain.timefmt import parse_time
from algotrading.market.datafiles import DataSet
from algotrading.settings import get_settings

T17 = parse_time("2025-10-24T17:00:00Z")
MIN15 = 15 * 60_000
HOUR = 3_600_000
SYMBOLS = ("BTCUSDT", "ETHUSDT")


@pytest.fixture(autouse=True)
def _clean(worker_db_url: str, use_database: str) -> Iterator[None]:
    rows(worker_db_url, "DELETE FROM job_runs RETURNING job")
    yield
    rows(worker_db_url, "DELETE FROM job_runs RETURNING job")


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "history"
    monkeypatch.setenv("ALGO_HISTORY_DIR", str(folder))
    get_settings.cache_clear()
    return folder


def on_sim(monkeypatch: pytest.MonkeyPatch, sim: Any) -> None:
    monkeypatch.setenv("BYBIT_BASE_URL", sim.rest_url)
    get_settings.cache_clear()


def files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*.csv.gz"))
        if ".locks" not in p.parts
    }


def deliver(at_ms: int) -> dict[str, Any]:
    return load_handler("market_history").handler(payload("market_history", at_ms), LambdaContext())


def test_handler_appends_the_closed_bars_of_the_hour(
    worker_db_url: str, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with sim_at(T17) as sim:
        on_sim(monkeypatch, sim)
        answer = deliver(T17)
    assert answer["status"] == "done" and answer["failures"] == []
    assert answer["symbols"] == list(SYMBOLS)
    # per symbol 4 x 15m + 1 x 1h bars, 1 settlement, no open interest in the test data
    assert (answer["klines"], answer["funding"], answer["open_interest"]) == (10, 2, 0)
    assert answer["rows_appended"] == 12
    read = DataSet([store])
    source = DataSet([TEST_DATA])
    for symbol in SYMBOLS:
        got = read.candles(symbol, Interval.M15)
        starts = [T17 - HOUR + k * MIN15 for k in range(4)]
        assert got.start_ms.tolist() == starts
        want = source.candles(symbol, Interval.M15).between(starts[0], T17)
        for column in ("open", "high", "low", "close", "volume", "turnover"):
            assert np.array_equal(getattr(got, column), getattr(want, column)), column
        assert read.candles(symbol, Interval.H1).start_ms.tolist() == [T17 - HOUR]
        assert not read.has_candles(symbol, Interval.H4)
        funding = read.funding(symbol)
        assert funding.time_ms.tolist() == [parse_time("2025-10-24T16:00:00Z")]
        assert (
            funding.rate.tolist()
            == source.funding(symbol)
            .rate[source.funding(symbol).time_ms == funding.time_ms[0]]
            .tolist()
        )
    assert rows(worker_db_url, "SELECT status FROM job_runs WHERE job = 'market_history'") == [
        ("done",)
    ]


def test_twice_delivered_is_one_effect(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with sim_at(T17) as sim:
        on_sim(monkeypatch, sim)
        first = deliver(T17)
        before = files(store)
        second = deliver(T17)
    assert first["replayed"] is False and second["replayed"] is True
    assert second["rows_appended"] == 12
    assert files(store) == before and len(before) == 6  # 15m and 1h klines, funding, x2


def test_two_deliveries_at_once_are_one_effect(
    worker_db_url: str, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers: list[dict[str, Any]] = []
    with sim_at(T17) as sim:
        on_sim(monkeypatch, sim)
        start = threading.Barrier(2)

        def one() -> None:
            start.wait()
            answers.append(deliver(T17))

        threads = [threading.Thread(target=one) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    assert sorted(a["replayed"] for a in answers) == [False, True]
    assert len(DataSet([store]).candles("BTCUSDT", Interval.M15)) == 4


def test_a_missed_hour_is_caught_up_by_the_next_run(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with sim_at(T17) as sim:
        on_sim(monkeypatch, sim)
        deliver(T17)
    t19 = T17 + 2 * HOUR
    with sim_at(t19) as sim:
        on_sim(monkeypatch, sim)
        answer = deliver(t19)
    # 17:00 .. 18:45: 8 x 15m and 2 x 1h bars per symbol; no settlement (next at 00:00)
    assert (answer["klines"], answer["funding"]) == (20, 0)
    got = DataSet([store]).candles("ETHUSDT", Interval.M15).start_ms
    assert got.tolist() == [T17 - HOUR + k * MIN15 for k in range(12)]


@pytest.mark.parametrize("when", ["2025-10-24T16:30:00Z", "2025-10-24T16:15:00Z"])
def test_a_time_off_the_hour_is_refused_and_writes_nothing(
    worker_db_url: str, store: Path, monkeypatch: pytest.MonkeyPatch, when: str
) -> None:
    with sim_at(T17) as sim:
        on_sim(monkeypatch, sim)
        event = {"job": "market_history", "scheduled_time": when}
        answer = load_handler("market_history").handler(event, LambdaContext())
    assert answer["status"] == "refused" and "not on its grid (every 60 minutes)" in answer["error"]
    assert not store.exists()
    assert rows(worker_db_url, "SELECT count(*) FROM job_runs") == [(0,)]


def test_data_fetch_appends_a_span_readable_by_dataset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    dest = tmp_path / "fetched"
    since, until = "2025-10-24T00:00:00Z", "2025-10-24T17:00:00Z"
    with sim_at(T17) as sim:
        args = ["data", "fetch", "--since", since, "--until", until, "--base-url", sim.rest_url]
        code = main([*args, "--dest", str(dest)])
        first = files(dest)
        again = main([*args, "--dest", str(dest)])
    assert code == 0 and again == 0 and files(dest) == first
    read = DataSet([dest])
    # 00:00 .. 17:00 is 17 h: 68 x 15m, 17 x 1h, 4 x 4h (00, 04, 08, 12); the day is still open
    assert len(read.candles("BTCUSDT", Interval.M15)) == 68
    assert len(read.candles("BTCUSDT", Interval.H1)) == 17
    assert read.candles("BTCUSDT", Interval.H4).start_ms.tolist() == [
        parse_time(f"2025-10-24T{h:02d}:00:00Z") for h in (0, 4, 8, 12)
    ]
    assert not read.has_candles("BTCUSDT", Interval.D1)
    assert len(read.funding("BTCUSDT")) == 3  # 00:00, 08:00, 16:00
    out = capsys.readouterr().out
    assert '"rows_appended": 0' in out  # the repeat


@pytest.mark.parametrize("since", ["yesterday", "2025-13-01"])
def test_data_fetch_with_a_bad_time_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture, since: str
) -> None:
    dest = tmp_path / "fetched"
    code = main(["data", "fetch", "--since", since, "--dest", str(dest)])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "--since" in err
    assert not dest.exists()


def test_open_interest_is_stored_hourly_from_the_exchange(tmp_path: Path) -> None:
    """The derivatives set holds BTCUSDT open interest every 4h (00:00 of 2025-10-24: 50488.8,
    04:00: 50847.242); the exchange answers on the 1h grid with the latest value at or before
    each point, so 00:00 .. 04:00 (04:00 excluded, the next run's) is 50488.8 four times."""
    dest = tmp_path / "oi"
    dirs = (TEST_DATA, TEST_DATA / "bybit_derivs_2021_2025")
    at = parse_time("2025-10-24T05:00:00Z")
    with sim_at(at, dirs=dirs, symbols=("BTCUSDT",)) as sim:
        span = ["--since", "2025-10-24T00:00:00Z", "--until", "2025-10-24T04:00:00Z"]
        code = main(["data", "fetch", *span, "--base-url", sim.rest_url, "--dest", str(dest)])
    assert code == 0
    oi = DataSet([dest]).open_interest.series("BTCUSDT")
    assert oi is not None
    assert oi.time_ms.tolist() == [parse_time("2025-10-24T00:00:00Z") + h * HOUR for h in range(4)]
    assert oi.value.tolist() == [50488.8] * 4
