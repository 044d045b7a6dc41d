"""The candle close fanned out over an SQS FIFO queue (moto) to the real `account_worker`
handler, against the real PostgreSQL and the loopback simulator (issue 16, item 7).

Fifty accounts: the scalper account of tests/execution_support.py (it enters long on BTCUSDT at
2025-10-24 15:00 UTC: one market order and its resting take-profit, two order rows), one whose
keys cannot be decrypted, and 48 with every strategy disabled on the simulator's second wallet.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from execution_support import (
    ENTRY_CLOSE,
    remove_test_accounts,
    rows,
    scalper_account,
    sim_at,
    use_secrets_key,
)
from fanout_support import acknowledge, bodies, fifo_queue, idle_accounts, receive_event
from jobs_support import LambdaContext, load_handler, payload
from sim_support import KEY

from algotrading.settings import get_settings

IDLE = 48


@pytest.fixture(autouse=True)
def _clean(
    worker_db_url: str, use_database: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    use_secrets_key(monkeypatch)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    rows(worker_db_url, "DELETE FROM job_runs RETURNING job")
    yield
    remove_test_accounts(worker_db_url)
    rows(worker_db_url, "DELETE FROM job_runs RETURNING job")
    get_settings.cache_clear()


def use_queue(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("ALGO_ACCOUNT_QUEUE_URL", url)
    get_settings.cache_clear()


def market_orders(sim: Any) -> list[Any]:
    return [o for o in sim.engine.accounts[KEY].orders.values() if not o.is_conditional]


def queue_depth(sqs: Any, url: str) -> tuple[int, int]:
    """(visible, in flight) messages of the queue."""
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    found = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return int(found[names[0]]), int(found[names[1]])


def drain(sqs: Any, url: str, worker: Any) -> tuple[list[dict], list[dict]]:
    """Deliver batches to the worker until nothing is visible: (the events, the answers)."""
    events: list[dict] = []
    answers: list[dict] = []
    while (event := receive_event(sqs, url))["Records"]:
        answer = worker(event, LambdaContext())
        acknowledge(sqs, url, event, answer)
        events.append(event)
        answers.append(answer)
    return events, answers


def evaluations(url: str, ids: list[int]) -> dict[str, int]:
    found = rows(url, "SELECT status, count(*) FROM evaluations WHERE job = 'evaluate'"
                 " AND close_time = to_timestamp(%s) AND trading_account_id = ANY(%s)"
                 " GROUP BY status", ENTRY_CLOSE / 1000, ids)  # fmt: skip
    return dict(found)


def test_fifty_accounts_fan_out_once_each_and_a_failure_is_reported_alone(
    worker_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fifo_queue() as (sqs, url), sim_at(ENTRY_CLOSE) as sim:
        use_queue(monkeypatch, url)
        trader = scalper_account(worker_db_url, sim)
        broken = scalper_account(worker_db_url, sim)
        rows(worker_db_url, "UPDATE trading_accounts SET api_key_encrypted = 'not a token'"
             " WHERE id = %s RETURNING id", broken)  # fmt: skip
        ids = [trader, broken, *idle_accounts(worker_db_url, sim.rest_url, IDLE)]
        active = rows(worker_db_url, "SELECT count(*) FROM trading_accounts WHERE is_active")[0][0]
        dispatch = load_handler("candle_close").handler
        first = dispatch(payload("candle_close", ENTRY_CLOSE), LambdaContext())
        # the same close dispatched again (its job_runs row forgotten, so it really sends again)
        rows(worker_db_url, "DELETE FROM job_runs RETURNING job")
        again = dispatch(payload("candle_close", ENTRY_CLOSE), LambdaContext())
        assert market_orders(sim) == []  # the dispatcher evaluates nothing itself
        assert queue_depth(sqs, url) == (active, 0)  # the second dispatch collapsed into the first
        events, answers = drain(sqs, url, load_handler("account_worker").handler)
        assert len(market_orders(sim)) == 1
        assert queue_depth(sqs, url) == (0, 1)  # the failed message waits for its retry
    assert len(ids) == 50
    assert first["dispatched"] == again["dispatched"] == active
    assert first["accounts"] == [] and first["orders_placed"] == 0 and first["status"] == "done"
    delivered = [b["account_id"] for e in events for b in bodies(e)]
    assert sorted(delivered) == sorted(set(delivered)) and set(ids) <= set(delivered)
    failed = [f["itemIdentifier"] for a in answers for f in a["batchItemFailures"]]
    failed_accounts = [
        b["account_id"]
        for e in events
        for r, b in zip(e["Records"], bodies(e), strict=True)
        if r["messageId"] in failed
    ]
    assert failed_accounts == [broken]
    assert evaluations(worker_db_url, ids) == {"done": 49}
    assert rows(worker_db_url, "SELECT count(*) FROM orders WHERE trading_account_id = %s",
                trader) == [(2,)]  # fmt: skip
    alerts = rows(worker_db_url, "SELECT trading_account_id, level FROM alerts WHERE kind ="
                  " 'job_failed' AND trading_account_id = ANY(%s)", ids)  # fmt: skip
    assert alerts == [(broken, "critical")]


def test_a_message_delivered_twice_has_one_effect(
    worker_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fifo_queue() as (sqs, url), sim_at(ENTRY_CLOSE) as sim:
        use_queue(monkeypatch, url)
        trader = scalper_account(worker_db_url, sim)
        load_handler("candle_close").handler(payload("candle_close", ENTRY_CLOSE), LambdaContext())
        worker = load_handler("account_worker").handler
        event = receive_event(sqs, url)
        mine = {"Records": [r for r, b in zip(event["Records"], bodies(event), strict=True)
                            if b["account_id"] == trader]}  # fmt: skip
        first = worker(mine, LambdaContext())
        # SQS delivers at least once: the same record again, alone and twice in one batch
        second = worker(mine, LambdaContext())
        third = worker({"Records": mine["Records"] * 2}, LambdaContext())
        assert len(market_orders(sim)) == 1
    assert len(mine["Records"]) == 1
    assert first == second == third == {"batchItemFailures": []}
    assert evaluations(worker_db_url, [trader]) == {"done": 1}
    assert rows(worker_db_url, "SELECT count(*) FROM orders WHERE trading_account_id = %s",
                trader) == [(2,)]  # fmt: skip


def test_a_body_that_is_not_an_account_message_is_refused_not_retried(
    worker_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fifo_queue() as (sqs, url), sim_at(ENTRY_CLOSE) as sim:
        use_queue(monkeypatch, url)
        idle = idle_accounts(worker_db_url, sim.rest_url, 1)
        load_handler("candle_close").handler(payload("candle_close", ENTRY_CLOSE), LambdaContext())
        event = receive_event(sqs, url)
        good = [r for r, b in zip(event["Records"], bodies(event), strict=True)
                if b["account_id"] == idle[0]]  # fmt: skip
        bad = [dict(good[0], messageId="bad-1", body='{"job": "candle_close"}'),
               dict(good[0], messageId="bad-2", body="not json")]  # fmt: skip
        answer = load_handler("account_worker").handler({"Records": bad + good}, LambdaContext())
    assert answer == {"batchItemFailures": []}
    assert evaluations(worker_db_url, idle) == {"done": 1}
