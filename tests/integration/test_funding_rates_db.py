"""Persisting funding history to `funding_rates` on the real migrated PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import psycopg
import pytest

from algotrading.db.funding_rates import FundingRateRow, load_funding_history, upsert_funding_rates
from algotrading.domain.series import FundingHistory
from algotrading.domain.timefmt import parse_time
from algotrading.jobs.funding_history import record_funding_history
from algotrading.market.datafiles import DataSet


def _intervals(db: psycopg.Connection, symbol: str) -> dict[object, int]:
    rows = db.execute(
        "SELECT interval_hours, count(*) FROM funding_rates WHERE symbol = %s GROUP BY 1",
        (symbol,),
    ).fetchall()
    return dict(rows)


def test_4h_history_is_stored_once_with_its_interval(
    db: psycopg.Connection, shared_data: Path
) -> None:
    history = DataSet([shared_data / "universe_bybit_2024"]).funding("CTKUSDT")
    assert record_funding_history(db, "CTKUSDT", history) == len(history) == 396
    assert _intervals(db, "CTKUSDT") == {None: 1, 4: 395}
    assert record_funding_history(db, "CTKUSDT", history) == 0  # a repeated poll writes nothing
    loaded = load_funding_history(db, "CTKUSDT")
    np.testing.assert_array_equal(loaded.time_ms, history.time_ms)
    np.testing.assert_array_equal(loaded.rate, history.rate)  # exact: stored as the decimal


def test_8h_history_and_known_interval_fill_the_first_row(
    db: psycopg.Connection,
) -> None:
    bundled = DataSet().funding("BTCUSDT")
    keep = bundled.time_ms >= parse_time("2025-09-24T08:00")  # the primary set's rows
    history = FundingHistory(bundled.time_ms[keep], bundled.rate[keep])
    written = record_funding_history(db, "BTCUSDT", history, known_interval_hours=8)
    assert written == 566 and _intervals(db, "BTCUSDT") == {8: 566}
    stored = db.execute(
        "SELECT rate::text FROM funding_rates WHERE symbol = 'BTCUSDT' ORDER BY funding_time "
        "LIMIT 1"
    ).fetchone()
    assert stored[0] == "0.0000100400"  # 1.004e-05 as written in the file
    window = load_funding_history(db, "BTCUSDT", parse_time("2026-01-01"), parse_time("2026-01-02"))
    assert len(window) == 4  # 00:00, 08:00, 16:00 and the next day's 00:00 (both ends count)


def test_a_corrected_rate_is_updated_in_place(db: psycopg.Connection) -> None:
    at = parse_time("2026-01-01T08:00")
    first = [FundingRateRow("ETHUSDT", at, 0.0001, 8)]
    assert upsert_funding_rates(db, first) == 1
    before = db.execute("SELECT recorded_at FROM funding_rates").fetchone()[0]
    assert upsert_funding_rates(db, first) == 0
    assert upsert_funding_rates(db, [FundingRateRow("ETHUSDT", at, 0.00012, None)]) == 1
    rate, hours = db.execute("SELECT rate, interval_hours FROM funding_rates").fetchone()
    assert float(rate) == 0.00012 and hours == 8  # an unknown interval does not erase a known one
    assert db.execute("SELECT recorded_at FROM funding_rates").fetchone()[0] >= before


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (FundingRateRow("ETHUSDT", 0, 0.0001, 3), "1, 2, 4 or 8 hours"),
        (FundingRateRow("ethusdt", 0, 0.0001, 8), "invalid symbol"),
        (FundingRateRow("ETHUSDT", 0, float("nan"), 8), "must be finite"),
    ],
)
def test_bad_rows_write_nothing(db: psycopg.Connection, row: FundingRateRow, message: str) -> None:
    good = FundingRateRow("ETHUSDT", parse_time("2026-01-01"), 0.0001, 8)
    with pytest.raises(ValueError, match=message):
        upsert_funding_rates(db, [good, row])
    assert db.execute("SELECT count(*) FROM funding_rates").fetchone()[0] == 0


def test_empty_history_writes_nothing(db: psycopg.Connection) -> None:
    empty = FundingHistory(np.empty(0, dtype=np.int64), np.empty(0))
    assert record_funding_history(db, "SOLUSDT", empty) == 0
