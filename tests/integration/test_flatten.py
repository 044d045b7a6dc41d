"""`flatten` on the simulator and the real database: the scope's orders cancelled, its positions
closed at market and booked with the reason `flatten`, the scope halted, one audit row and one
alert; a second flatten only adds its audit row."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from execution_support import (
    ENTRY_CLOSE,
    autocommit,
    remove_test_accounts,
    rows,
    runtime,
    scalper_account,
    sim_at,
    use_secrets_key,
)

from algotrading.execution import evaluate
from algotrading.execution.flatten import flatten

LATER = ENTRY_CLOSE + 60_000


@pytest.fixture(autouse=True)
def _remove_accounts(worker_db_url: str) -> Iterator[None]:
    yield
    remove_test_accounts(worker_db_url)


def count(url: str, sql: str, account: int) -> int:
    return int(rows(url, sql, account)[0][0])


@pytest.mark.parametrize(("scope", "status"), [("scalper", "paused"), ("portfolio", "halted")])
def test_flatten_closes_cancels_halts_and_is_audited_once(
    worker_db_url: str, monkeypatch: pytest.MonkeyPatch, scope: str, status: str
) -> None:
    use_secrets_key(monkeypatch)
    url = worker_db_url
    with sim_at(ENTRY_CLOSE) as sim:
        account = scalper_account(url, sim)
        rt = runtime(sim)
        with autocommit(url) as conn:
            entry = evaluate(account, ENTRY_CLOSE, conn=conn, runtime=rt)
            # the entry is open at the exchange with its resting partial take-profit
            assert [o["purpose"] for o in entry.report["orders"]] == ["entry", "take_profit"]
            assert len(rt.exchange.get_positions()) == 1
            assert len(rt.exchange.get_open_orders()) == 1
            alerts_before = count(
                url, "SELECT count(*) FROM alerts WHERE trading_account_id = %s", account
            )
            first = flatten(account, scope, actor="alice", reason="exchange incident",
                            conn=conn, runtime=rt, now_ms=LATER)  # fmt: skip
            positions, orders = rt.exchange.get_positions(), rt.exchange.get_open_orders()
            second = flatten(account, scope, actor="bob", reason="make sure",
                             conn=conn, runtime=rt, now_ms=LATER + 60_000)  # fmt: skip
    assert positions == [] and orders == []
    assert len(first.closed) == 1 and len(first.cancelled) == 1 and first.errors == []
    assert first.transitions[0]["to"] == status
    assert (second.closed, second.cancelled, second.transitions) == ([], [], [])
    trades = rows(url, "SELECT status, exit_reason, is_shadow FROM trades"
                  " WHERE trading_account_id = %s", account)  # fmt: skip
    assert trades == [("closed", "flatten", False)]
    exits = rows(url, "SELECT purpose, reduce_only, status FROM orders WHERE"
                 " trading_account_id = %s AND order_link_id LIKE 'SF-%%'", account)  # fmt: skip
    assert exits == [("exit", True, "filled")]
    state = rows(url, "SELECT breaker_state, manual_override FROM portfolio_state"
                 " WHERE trading_account_id = %s AND scope = %s", account, scope)  # fmt: skip
    assert state == [(status, "force_pause")]
    audit = rows(url, "SELECT action, scope, actor, reason, jsonb_array_length(detail->"
                 "'closed_trades') FROM operator_actions WHERE trading_account_id = %s"
                 " ORDER BY id", account)  # fmt: skip
    assert audit == [
        ("flatten", scope, "alice", "exchange incident", 1),
        ("flatten", scope, "bob", "make sure", 0),
    ]
    new_alerts = rows(url, "SELECT kind FROM alerts WHERE trading_account_id = %s"
                      " ORDER BY id OFFSET %s", account, alerts_before)  # fmt: skip
    # the close is booked like any exit (its trade alert); the flatten raises one alert of its own
    assert sorted(new_alerts) == [("operator_action",), ("trade_closed",)]
