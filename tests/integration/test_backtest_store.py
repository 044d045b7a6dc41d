"""A backtest run stored in PostgreSQL and read back: the run row, its trades and the daily
equity curve come back as they were written (within the columns' NUMERIC scale)."""

from __future__ import annotations

import psycopg
import pytest

from algotrading.backtest import BacktestConfig, FileMarketData, run_backtest
from algotrading.backtest.result import RESULT_KEYS
from algotrading.backtest.stored import load_stored_run
from algotrading.db.backtests import insert_run, list_runs
from algotrading.domain.timefmt import parse_time
from algotrading.market.datafiles import DataSet


def test_a_stored_run_round_trips(db: psycopg.Connection) -> None:
    span = {"start_ms": parse_time("2025-11-01"), "end_ms": parse_time("2026-01-01")}
    config = BacktestConfig("ema_cross", symbols=("BTCUSDT", "SOLUSDT"), **span)
    result = run_backtest(config, FileMarketData(DataSet()))
    assert insert_run(db, result) == result.run_id
    stored = load_stored_run(db, result.run_id)
    assert stored is not None and tuple(stored) == RESULT_KEYS
    assert (stored["strategy"], stored["symbols"], stored["interval"]) == (
        "ema_cross", ["BTCUSDT", "SOLUSDT"], "15m")  # fmt: skip
    assert (stored["start"], stored["end"]) == ("2025-11-01T00:00:00Z", "2026-01-01T00:00:00Z")
    assert stored["final_equity"] == pytest.approx(result.final_equity, abs=1e-8)
    assert stored["params"] == result.params and stored["assumptions"] == result.assumptions
    want = result.to_json()
    assert stored["metrics"] == want["metrics"]
    daily = stored["equity_curve"]
    assert len(daily["time_ms"]) == 62 and daily["equity"][-1] == pytest.approx(result.final_equity)
    rows, written = stored["trades"], result.trade_rows()
    assert len(rows) == len(written) > 100
    by_key = {(t["symbol"], t["entry_time"]): t for t in written}
    for row in rows:
        t = by_key[(row["symbol"], row["entry_time"])]
        assert (row["side"], row["exit_time"], row["exit_reason"]) == (
            t["side"], t["exit_time"], t["exit_reason"])  # fmt: skip
        assert row["qty"] == pytest.approx(t["qty"], rel=1e-9)
        assert row["entry_price"] == pytest.approx(t["entry_price"], abs=1e-12)
        for key in ("pnl", "fees", "funding"):
            assert row[key] == pytest.approx(t[key], abs=1e-8)
    assert list_runs(db)[0].run_id == result.run_id
    assert load_stored_run(db, "bt-none") is None
