"""Breaker states on a real database: round trip, idempotent snapshot cycle, per-account lock."""

from __future__ import annotations

from decimal import Decimal

import psycopg
import pytest

from algotrading.db.accounts import AccountNotFound
from algotrading.db.alerts import insert_alert
from algotrading.db.portfolio_state import load_states, save_states
from algotrading.db.snapshots import insert_snapshots, load_snapshots
from algotrading.domain.breaker import BreakerState, BreakerStatus, BreakerThresholds, Override
from algotrading.domain.scopes import PORTFOLIO, UnknownStrategy
from algotrading.portfolio import TradePnl, build_ledger, take_snapshot
from algotrading.strategies.registry import default_allocation, sleeve_ids

D = Decimal
T = 1_717_200_000_000  # 2024-06-01T00:00:00Z


def _account(conn: psycopg.Connection, email: str = "pm@x.io") -> int:
    user = conn.execute(
        "INSERT INTO users (email, password_hash) VALUES (%s, 'h') RETURNING id", (email,)
    ).fetchone()
    row = conn.execute(
        "INSERT INTO trading_accounts (user_id, name, mode, base_url, starting_capital)"
        " VALUES (%s, 'main', 'paper', 'http://127.0.0.1', 10000) RETURNING id",
        (user[0],),
    ).fetchone()
    return int(row[0])


def _count(conn: psycopg.Connection, table: str, account: int) -> int:
    sql = f"SELECT count(*) FROM {table} WHERE trading_account_id = %s"
    return conn.execute(sql, (account,)).fetchone()[0]  # type: ignore[index]


def test_states_round_trip_with_every_field(db: psycopg.Connection) -> None:
    account = _account(db)
    user = db.execute("SELECT user_id FROM trading_accounts WHERE id = %s", (account,))
    by = user.fetchone()[0]  # type: ignore[index]
    states = [
        BreakerState(PORTFOLIO, BreakerStatus.HALTED, D("10000.5"), D("12.25"), D("7400"),
                     Override.FORCE_PAUSE, by, "portfolio force_pause", T, True),
        BreakerState("trend", peak_equity=D(3000)),
    ]  # fmt: skip
    assert save_states(db, account, states, known=sleeve_ids()) == 2
    assert load_states(db, account) == {s.scope: s for s in states}
    assert (
        save_states(db, account, states, known=sleeve_ids()) == 0
    )  # unchanged rows are not rewritten
    assert (
        save_states(db, account, [BreakerState("trend", peak_equity=D(3100))], known=sleeve_ids())
        == 1
    )
    assert load_states(db, account, for_update=True)["trend"].peak_equity == D(3100)


def test_floor_and_operator_fields_round_trip(db: psycopg.Connection) -> None:
    account = _account(db)
    floored = BreakerState(
        "trend", BreakerStatus.PAUSED, D(840), D(61), D("901.5"), reason="floor", changed_ms=T,
        warned=True, real_peak=D("1000.25"), floor_peak=D(990), floored=True,
        resumed_by="ops", resumed_reason="exchange outage over", resumed_ms=T - 60_000,
        last_flow_ms=T - 120_000,
    )  # fmt: skip
    assert save_states(db, account, [floored], known=sleeve_ids()) == 1
    assert load_states(db, account) == {"trend": floored}
    with pytest.raises(psycopg.errors.CheckViolation):
        db.execute(
            "INSERT INTO portfolio_state (trading_account_id, scope, breaker_state, floored)"
            " VALUES (%s, 'carry', 'active', TRUE)",
            (account,),
        )


def test_bad_input_writes_nothing(db: psycopg.Connection) -> None:
    account = _account(db)
    with pytest.raises(AccountNotFound, match=f"trading account {account + 99} does not exist"):
        save_states(db, account + 99, [BreakerState("trend")], known=sleeve_ids())
    with pytest.raises(UnknownStrategy, match="'grid'"):
        save_states(db, account, [BreakerState("trend"), BreakerState("grid")], known=sleeve_ids())
    assert _count(db, "portfolio_state", account) == 0
    with pytest.raises(AccountNotFound):
        load_states(db, account + 99)


def test_the_schema_refuses_a_paused_portfolio(db: psycopg.Connection) -> None:
    account = _account(db)
    with pytest.raises(psycopg.errors.CheckViolation):
        db.execute(
            "INSERT INTO portfolio_state (trading_account_id, scope, breaker_state)"
            " VALUES (%s, 'portfolio', 'paused')",
            (account,),
        )


def _cycle(conn: psycopg.Connection, account: int, trades: list[TradePnl], time_ms: int):
    """One equity-tracker run as the executor wires it (load, decide, store)."""
    ledger = build_ledger(D(10000), default_allocation(), trades)
    result = take_snapshot(ledger, load_states(conn, account, for_update=True),
                           BreakerThresholds(), time_ms)  # fmt: skip
    save_states(conn, account, result.states.values(), known=sleeve_ids())
    new_rows = insert_snapshots(conn, account, result.rows, known=sleeve_ids())
    alert_ids = [insert_alert(conn, event) for event in result.alerts(account)]
    return result, new_rows, alert_ids


def test_a_retried_snapshot_run_changes_nothing(db: psycopg.Connection) -> None:
    account = _account(db)
    losing = [TradePnl("trend", realized_pnl=D(-600), fees=D(5))]  # trend 2395 of 3000: 20.2 %
    result, new_rows, alert_ids = _cycle(db, account, losing, T)
    assert new_rows == 5 and len(alert_ids) == 1 and alert_ids[0] is not None
    assert load_states(db, account)["trend"].status is BreakerStatus.PAUSED
    again, new_rows, alert_ids = _cycle(db, account, losing, T)  # EventBridge delivered twice
    assert again.transitions == [] and new_rows == 0 and alert_ids == []
    assert _count(db, "alerts", account) == 1 and _count(db, "portfolio_snapshots", account) == 5
    [row] = load_snapshots(db, account, "trend")
    assert row == next(r for r in result.rows if r.scope == "trend")
    assert (row.equity, row.shadow_equity, row.breaker_drawdown_pct) == (
        D(2395), D(2395), D("20.166667"))  # fmt: skip
    assert (row.real_peak, row.real_drawdown_pct, row.breaker_reference) == (
        D(3000), D("20.166667"), D(3000))  # fmt: skip
    assert row.realized_pnl == D(-605) and row.breaker_state is BreakerStatus.PAUSED


def test_breaker_runs_of_one_account_are_serialized(worker_db_url: str) -> None:
    with psycopg.connect(worker_db_url, autocommit=True) as setup:
        account = _account(setup, "lock@x.io")
    try:
        with psycopg.connect(worker_db_url) as first, psycopg.connect(worker_db_url) as second:
            load_states(first, account, for_update=True)
            second.execute("SET lock_timeout = '200ms'")
            with pytest.raises(psycopg.errors.LockNotAvailable):
                load_states(second, account, for_update=True)
            second.rollback()
            first.rollback()  # the lock ends with the transaction
            second.execute("SET lock_timeout = '2s'")
            assert load_states(second, account, for_update=True) == {}
            second.rollback()
    finally:
        with psycopg.connect(worker_db_url, autocommit=True) as cleanup:
            cleanup.execute("DELETE FROM users WHERE email = 'lock@x.io'")
