"""The scheduled-job handlers invoked in process with EventBridge Scheduler payloads, against the
real PostgreSQL and the loopback simulator (issue 16).

The scalper account of tests/execution_support.py enters long on BTCUSDT at the 15m close of
2025-10-24 15:00 UTC: one market order at the simulator, whatever the number of deliveries.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from execution_support import (
    ENTRY_CLOSE,
    QUARTER,
    remove_test_accounts,
    rows,
    scalper_account,
    sim_at,
    use_secrets_key,
)
from jobs_support import LambdaContext, load_handler, payload
from sim_support import KEY, funding_rate

HOUR = 3_600_000


@pytest.fixture(autouse=True)
def _clean(
    worker_db_url: str, use_database: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    use_secrets_key(monkeypatch)
    rows(worker_db_url, "DELETE FROM job_runs RETURNING job")
    yield
    remove_test_accounts(worker_db_url)
    rows(worker_db_url, "DELETE FROM job_runs RETURNING job")


def market_orders(sim: Any) -> list[Any]:
    return [o for o in sim.engine.accounts[KEY].orders.values() if not o.is_conditional]


def job_rows(url: str, job: str) -> list[tuple]:
    return rows(url, "SELECT status, attempts FROM job_runs WHERE job = %s", job)


def test_candle_close_twice_places_one_order(worker_db_url: str) -> None:
    handler = load_handler("candle_close").handler
    with sim_at(ENTRY_CLOSE) as sim:
        account = scalper_account(worker_db_url, sim)
        first = handler(payload("candle_close", ENTRY_CLOSE), LambdaContext())
        stored = rows(worker_db_url, "SELECT count(*) FROM orders WHERE trading_account_id = %s",
                      account)  # fmt: skip
        second = handler(payload("candle_close", ENTRY_CLOSE), LambdaContext())
        assert len(market_orders(sim)) == 1
    assert first["status"] == "done" and first["replayed"] is False and first["failures"] == []
    # the entry and its resting partial take-profit: two order rows, one market order
    assert stored == [(2,)] and first["orders_placed"] == 2
    mine = [a for a in first["accounts"] if a["account_id"] == account]
    assert mine[0]["strategies"] == ["scalper", "carry"]  # 15:00 closes 15m and 1h bars only
    assert second["replayed"] is True and second["orders_placed"] == 2
    assert job_rows(worker_db_url, "candle_close") == [("done", 1)]
    assert rows(worker_db_url, "SELECT count(*) FROM orders WHERE trading_account_id = %s",
                account) == stored  # fmt: skip


def test_candle_close_delivered_twice_at_once_places_one_order(worker_db_url: str) -> None:
    handler = load_handler("candle_close").handler
    with sim_at(ENTRY_CLOSE) as sim:
        scalper_account(worker_db_url, sim)
        start = threading.Barrier(2)
        answers: list[dict[str, Any]] = []

        def deliver() -> None:
            start.wait()
            answers.append(handler(payload("candle_close", ENTRY_CLOSE), LambdaContext()))

        threads = [threading.Thread(target=deliver) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert len(market_orders(sim)) == 1
    assert sorted(a["replayed"] for a in answers) == [False, True]
    assert job_rows(worker_db_url, "candle_close") == [("done", 1)]


@pytest.mark.parametrize(
    ("event", "why"),
    [
        ({"job": "candle_close"}, "scheduled_time: Field required"),
        ({"job": "candle_close", "scheduled_time": "2025-10-24T15:07:00Z"}, "not on its grid"),
        ({"job": "candle_close", "scheduled_time": "2025-10-24T15:00:00"}, "timezone"),
        ({"job": "candle_close", "scheduled_time": 1761318000000}, "ISO 8601"),
        ({"job": "funding_poll", "scheduled_time": "2025-10-24T15:00:00Z"}, "'funding_poll'"),
    ],
)
def test_bad_payload_is_refused_and_writes_nothing(
    worker_db_url: str, event: dict[str, Any], why: str
) -> None:
    with sim_at(ENTRY_CLOSE) as sim:
        account = scalper_account(worker_db_url, sim)
        answer = load_handler("candle_close").handler(event, LambdaContext())
        assert market_orders(sim) == []
    assert answer["status"] == "refused" and why in answer["error"]
    assert rows(worker_db_url, "SELECT count(*) FROM job_runs") == [(0,)]
    assert rows(worker_db_url, "SELECT count(*) FROM evaluations WHERE trading_account_id = %s",
                account) == [(0,)]  # fmt: skip


def test_undecryptable_account_fails_with_an_alert_and_the_other_trades(worker_db_url: str) -> None:
    with sim_at(ENTRY_CLOSE) as sim:
        broken = scalper_account(worker_db_url, sim)
        healthy = scalper_account(worker_db_url, sim)
        rows(worker_db_url, "UPDATE trading_accounts SET api_key_encrypted = 'not a token'"
             " WHERE id = %s RETURNING id", broken)  # fmt: skip
        answer = load_handler("candle_close").handler(
            payload("candle_close", ENTRY_CLOSE), LambdaContext()
        )
        assert len(market_orders(sim)) == 1
    assert [f["account_id"] for f in answer["failures"]] == [broken]
    assert healthy in [a["account_id"] for a in answer["accounts"]]
    assert answer["status"] == "failed" and answer["orders_placed"] == 2
    alerts = rows(
        worker_db_url,
        "SELECT trading_account_id, kind, level FROM alerts"
        " WHERE kind = 'job_failed' AND trading_account_id IN (%s, %s)",
        broken,
        healthy,
    )
    assert alerts == [(broken, "job_failed", "critical")]


def test_equity_snapshot_twice_stores_one_snapshot(worker_db_url: str) -> None:
    handler = load_handler("equity_snapshot").handler
    at = ENTRY_CLOSE + 5 * 60_000
    with sim_at(at) as sim:
        account = scalper_account(worker_db_url, sim)
        first = handler(payload("equity_snapshot", at), LambdaContext())
        count = rows(worker_db_url, "SELECT count(*) FROM portfolio_snapshots"
                     " WHERE trading_account_id = %s", account)  # fmt: skip
        second = handler(payload("equity_snapshot", at), LambdaContext())
        again = rows(worker_db_url, "SELECT count(*) FROM portfolio_snapshots"
                     " WHERE trading_account_id = %s", account)  # fmt: skip
    assert first["status"] == "done" and second["replayed"] is True
    assert count[0][0] >= 1 and again == count
    times = rows(worker_db_url, "SELECT DISTINCT snapshot_time FROM portfolio_snapshots"
                 " WHERE trading_account_id = %s", account)  # fmt: skip
    assert [int(t[0].timestamp() * 1000) for t in times] == [at]


def test_funding_poll_records_the_held_symbols_settlements(worker_db_url: str) -> None:
    with sim_at(ENTRY_CLOSE) as sim:
        scalper_account(worker_db_url, sim)
        load_handler("candle_close").handler(payload("candle_close", ENTRY_CLOSE), LambdaContext())
        poll = load_handler("funding_poll").handler
        first = poll(payload("funding_poll", ENTRY_CLOSE), LambdaContext())
        second = poll(payload("funding_poll", ENTRY_CLOSE), LambdaContext())
    assert first["symbols"] == ["BTCUSDT"] and first["status"] == "done"
    assert second["replayed"] is True
    # settlements every 8 h in the day before 2025-10-24 15:00: 10-23 16:00, 10-24 00:00, 08:00
    settled = [ENTRY_CLOSE - 23 * HOUR, ENTRY_CLOSE - 15 * HOUR, ENTRY_CLOSE - 7 * HOUR]
    stored = rows(worker_db_url, "SELECT funding_time, rate FROM funding_rates WHERE symbol ="
                  " 'BTCUSDT' AND funding_time BETWEEN to_timestamp(%s) AND to_timestamp(%s)"
                  " ORDER BY funding_time", settled[0] / 1000, ENTRY_CLOSE / 1000)  # fmt: skip
    assert [int(t.timestamp() * 1000) for t, _ in stored] == settled
    assert [float(r) for _, r in stored] == [float(funding_rate("BTCUSDT", t)) for t in settled]


def test_weekly_rebalance_outside_its_window_does_nothing_once(worker_db_url: str) -> None:
    handler = load_handler("weekly_rebalance").handler
    with sim_at(ENTRY_CLOSE) as sim:  # a Friday: the last Monday is four days back
        account = scalper_account(worker_db_url, sim)
        first = handler(payload("weekly_rebalance", ENTRY_CLOSE), LambdaContext())
        second = handler(payload("weekly_rebalance", ENTRY_CLOSE + QUARTER), LambdaContext())
        assert market_orders(sim) == []
    assert first["rebalance"] is None and first["reason"] == "outside the catch-up window"
    assert second["status"] == "done" and second["replayed"] is False
    assert rows(worker_db_url, "SELECT count(*) FROM evaluations WHERE trading_account_id = %s",
                account) == [(0,)]  # fmt: skip
    assert job_rows(worker_db_url, "weekly_rebalance") == [("done", 1), ("done", 1)]
