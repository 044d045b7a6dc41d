"""The live events the scheduled jobs publish (docs/api.md, "Live events"), against the real
PostgreSQL and the loopback simulator, through the Lambda handlers as in test_jobs_handlers.

The scalper account of tests/execution_support.py enters long on BTCUSDT at the 15m close of
2025-10-24 15:00 UTC; a second delivery of any job publishes nothing new.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from execution_support import ENTRY_CLOSE, remove_test_accounts, rows, scalper_account, sim_at
from execution_support import use_secrets_key as secrets_key
from jobs_support import LambdaContext, load_handler, payload
from sim_support import funding_rate

HOUR = 3_600_000


@pytest.fixture(autouse=True)
def _clean(
    worker_db_url: str, use_database: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    secrets_key(monkeypatch)
    rows(worker_db_url, "DELETE FROM job_runs RETURNING job")
    rows(worker_db_url, "DELETE FROM live_events RETURNING id")
    yield
    remove_test_accounts(worker_db_url)
    rows(worker_db_url, "DELETE FROM job_runs RETURNING job")
    rows(worker_db_url, "DELETE FROM live_events RETURNING id")


def events(url: str) -> list[tuple]:
    return rows(url, "SELECT type, trading_account_id, time_ms, data FROM live_events ORDER BY id")


def test_candle_close_publishes_its_signal_and_opened_trade_once(worker_db_url: str) -> None:
    handler = load_handler("candle_close").handler
    with sim_at(ENTRY_CLOSE) as sim:
        account = scalper_account(worker_db_url, sim)
        handler(payload("candle_close", ENTRY_CLOSE), LambdaContext())
        first = events(worker_db_url)
        handler(payload("candle_close", ENTRY_CLOSE), LambdaContext())  # a second delivery
        again = events(worker_db_url)
        # as if the first had died after the account's work: the job runs again, the account's
        # ledger replays its result, and its events are published again under the same keys
        rows(worker_db_url, "DELETE FROM job_runs RETURNING job")
        rerun = handler(payload("candle_close", ENTRY_CLOSE), LambdaContext())
    assert rerun["replayed"] is False and rerun["accounts"][0]["replayed"] is True
    assert again == first and events(worker_db_url) == first
    mine = [e for e in first if e[1] == account]
    assert mine == first  # only this account's events
    signals = [e[3] for e in mine if e[0] == "strategy:signal"]
    entries = [s for s in signals if s["action"] == "entry_long"]
    assert [(s["strategy"], s["symbol"], s["decision"]) for s in entries] == [
        ("scalper", "BTCUSDT", "accepted")
    ]
    opened = [e[3] for e in mine if e[0] == "strategy:position_opened"]
    trade = rows(worker_db_url, "SELECT id, qty, entry_price FROM trades"
                 " WHERE trading_account_id = %s AND NOT is_shadow", account)  # fmt: skip
    assert len(trade) == 1 and len(opened) == 1
    assert opened[0]["trade_id"] == trade[0][0] and opened[0]["side"] == "long"
    assert Decimal(opened[0]["qty"]) == trade[0][1]
    assert Decimal(opened[0]["entry_price"]) == trade[0][2]
    assert {e[2] for e in mine} == {ENTRY_CLOSE}


def test_equity_snapshot_publishes_the_stored_snapshot_once(worker_db_url: str) -> None:
    handler = load_handler("equity_snapshot").handler
    at = ENTRY_CLOSE + 5 * 60_000
    with sim_at(at) as sim:
        account = scalper_account(worker_db_url, sim)
        handler(payload("equity_snapshot", at), LambdaContext())
        handler(payload("equity_snapshot", at), LambdaContext())
    published = events(worker_db_url)
    assert [(e[0], e[1], e[2]) for e in published] == [("portfolio:equity_update", account, at)]
    data = published[0][3]
    stored = dict(rows(worker_db_url, "SELECT scope, equity FROM portfolio_snapshots"
                       " WHERE trading_account_id = %s", account))  # fmt: skip
    assert Decimal(data["equity"]) == stored["portfolio"]
    assert {s: Decimal(v["equity"]) for s, v in data["strategies"].items()} == {
        s: e for s, e in stored.items() if s != "portfolio"
    }
    # a fresh account at its first snapshot: no peak above it, no drawdown, breakers closed
    assert Decimal(data["real_drawdown_pct"]) == 0 and data["breaker_state"] == "active"


def test_funding_poll_publishes_the_rates_once_for_everyone(worker_db_url: str) -> None:
    with sim_at(ENTRY_CLOSE) as sim:
        scalper_account(worker_db_url, sim)
        load_handler("candle_close").handler(payload("candle_close", ENTRY_CLOSE), LambdaContext())
        rows(worker_db_url, "DELETE FROM live_events RETURNING id")
        poll = load_handler("funding_poll").handler
        poll(payload("funding_poll", ENTRY_CLOSE), LambdaContext())
        rows(worker_db_url, "DELETE FROM job_runs WHERE job = 'funding_poll' RETURNING job")
        poll(payload("funding_poll", ENTRY_CLOSE), LambdaContext())  # run again: no new event
    published = events(worker_db_url)
    assert [(e[0], e[1], e[2]) for e in published] == [("funding:rate_update", None, ENTRY_CLOSE)]
    # settlements every 8 h in the day before 2025-10-24 15:00: 10-23 16:00, 10-24 00:00, 08:00
    settled = [ENTRY_CLOSE - 23 * HOUR, ENTRY_CLOSE - 15 * HOUR, ENTRY_CLOSE - 7 * HOUR]
    data = published[0][3]
    assert data["symbol"] == "BTCUSDT" and data["funding_time_ms"] == settled[-1]
    assert [s["time_ms"] for s in data["settlements"]] == settled
    assert Decimal(data["rate"]) == Decimal(str(funding_rate("BTCUSDT", settled[-1])))
