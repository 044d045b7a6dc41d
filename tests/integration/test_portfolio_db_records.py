"""Performance rows, alerts and the portfolio configuration on a real database."""

from __future__ import annotations

from decimal import Decimal

import psycopg
import pytest

from algotrading.db.accounts import AccountNotFound
from algotrading.db.alerts import insert_alert, list_undelivered, mark_delivered
from algotrading.db.performance import load_performance, upsert_performance
from algotrading.db.portfolio_config import (
    MissingStartingCapital,
    load_allocation,
    load_portfolio_config,
    load_risk_limits,
)
from algotrading.db.snapshots import insert_snapshots, load_equity_curve
from algotrading.domain.alerts import AlertEvent, trade_alert
from algotrading.domain.allocation import AllocationError
from algotrading.domain.breaker import BreakerThresholds
from algotrading.domain.limits import InvalidLimits, RiskLimits
from algotrading.domain.performance import PerformanceRow, Period
from algotrading.portfolio.performance import performance_rows
from algotrading.portfolio.sleeves import TradePnl, build_ledger
from algotrading.portfolio.snapshot import take_snapshot
from algotrading.strategies.registry import default_allocation, sleeve_ids

D = Decimal
T = 1_717_200_000_000  # 2024-06-01T00:00:00Z
DAY = 86_400_000


def _account(conn: psycopg.Connection, capital: str | None = "10000", email: str = "r@x.io") -> int:
    user = conn.execute(
        "INSERT INTO users (email, password_hash) VALUES (%s, 'h') RETURNING id", (email,)
    ).fetchone()
    row = conn.execute(
        "INSERT INTO trading_accounts (user_id, name, mode, base_url, starting_capital)"
        " VALUES (%s, 'main', 'paper', 'http://127.0.0.1', %s) RETURNING id",
        (user[0], capital),
    ).fetchone()
    return int(row[0])


def test_performance_rows_upsert_in_place(db: psycopg.Connection) -> None:
    account = _account(db)
    row = PerformanceRow("trend", Period.ALL, T, 0.0123456789, 1.5, 2.25, None, 0.125, 0.6,
                         None, 5)  # fmt: skip
    assert upsert_performance(db, account, [row], known=sleeve_ids()) == 1
    [stored] = load_performance(db, account, "trend", "all")
    assert stored.period_return == 0.01234568  # rounded to the column's 8 decimals
    assert (stored.sharpe, stored.calmar, stored.profit_factor) == (1.5, None, None)
    assert (stored.as_of_ms, stored.trade_count) == (T, 5)
    better = PerformanceRow("trend", Period.ALL, T, 0.02, 1.7, 2.5, 3.0, 0.125, 0.6, 2.0, 6)
    assert upsert_performance(db, account, [better], known=sleeve_ids()) == 1
    assert load_performance(db, account, "trend", "all") == [better]


def test_performance_from_stored_snapshots(db: psycopg.Connection) -> None:
    account = _account(db)
    table, thresholds, states = default_allocation(), BreakerThresholds(), {}
    for day, pnl in enumerate([0, 150, -90, 240]):
        trades = [TradePnl("momentum", realized_pnl=D(pnl))] if pnl else []
        result = take_snapshot(build_ledger(10000, table, trades), states, thresholds,
                               T + day * DAY)  # fmt: skip
        states = result.states
        insert_snapshots(db, account, result.rows, known=sleeve_ids())
    times, equity = load_equity_curve(db, account, "momentum")
    assert list(times) == [T + d * DAY for d in range(4)]
    assert list(equity) == [3000, 3150, 2910, 3240]
    rows = performance_rows("momentum", times, equity, [], T + 3 * DAY, periods_back=0)
    upsert_performance(db, account, rows, known=sleeve_ids())
    [daily] = load_performance(db, account, "momentum", "daily")
    assert daily.period_return == pytest.approx(3240 / 2910 - 1, abs=1e-8)


def test_alerts_are_stored_once_and_marked_delivered(db: psycopg.Connection) -> None:
    account = _account(db)
    event = AlertEvent.create("breaker_triggered", "trend paused", account_id=account,
                              details={"drawdown_pct": D("16.5")}, time_ms=T,
                              dedupe_key="breaker:trend:triggered:1")  # fmt: skip
    first = insert_alert(db, event)
    assert first is not None and insert_alert(db, event) is None
    other = insert_alert(
        db,
        trade_alert(
            "trade_opened",
            account_id=account,
            strategy="trend",
            symbol="BTCUSDT",
            side="long",
            qty=D(1),
            price=D(2),
        ),
    )
    system = AlertEvent.create("reconciliation", "nightly check", dedupe_key="nightly:1")
    assert insert_alert(db, system) is not None and insert_alert(db, system) is None
    pending = list_undelivered(db, account)
    assert [p.id for p in pending] == [first, other]
    assert pending[0].event == event and pending[0].created_ms == T
    assert pending[0].event.details == {"drawdown_pct": "16.5"}
    assert mark_delivered(db, [first]) == 1 and mark_delivered(db, [first]) == 0
    assert [p.id for p in list_undelivered(db, account)] == [other]
    with pytest.raises(AccountNotFound):
        insert_alert(db, AlertEvent.create("reconciliation", "x", account_id=account + 99))


def test_allocation_overrides_are_merged_and_checked(db: psycopg.Connection) -> None:
    account = _account(db)
    assert load_allocation(db, account, default=default_allocation()) == default_allocation()
    sql = (
        "INSERT INTO account_strategy_configs (trading_account_id, strategy, allocation_pct)"
        " VALUES (%s, %s, %s)"
    )
    db.execute(sql, (account, "trend", D(40)))
    db.execute(sql, (account, "scalper", None))  # NULL: keep the default 20
    with pytest.raises(AllocationError, match=rf"trading account {account}: .*got 110 %"):
        load_allocation(db, account, default=default_allocation())
    db.execute(sql, (account, "momentum", D(20)))
    assert load_allocation(db, account, default=default_allocation()).as_dict() == {
        "trend": D(40), "scalper": D(20), "carry": D(20), "momentum": D(20)
    }  # fmt: skip
    db.execute(sql, (account, "grid", D(0)))
    with pytest.raises(AllocationError, match="unknown strategy 'grid'"):
        load_allocation(db, account, default=default_allocation())


def test_limits_and_capital_come_from_the_account(db: psycopg.Connection) -> None:
    account = _account(db)
    config = load_portfolio_config(db, account, default_allocation=default_allocation())
    assert config.starting_capital == D(10000) and config.limits == RiskLimits()
    db.execute(
        "UPDATE trading_accounts SET max_loss_per_trade = 50, max_leverage = 2 WHERE id = %s",
        (account,),
    )
    limits = load_risk_limits(db, account)
    assert (limits.max_loss_per_trade, limits.max_leverage) == (D(50), D(2))
    db.execute("UPDATE trading_accounts SET max_risk_per_trade_pct = 20 WHERE id = %s", (account,))
    with pytest.raises(InvalidLimits, match=rf"trading account {account}: max_risk_per_trade"):
        load_risk_limits(db, account)
    no_capital = _account(db, None, "n@x.io")
    with pytest.raises(MissingStartingCapital, match="has no starting_capital"):
        load_portfolio_config(db, no_capital, default_allocation=default_allocation())
    with pytest.raises(AccountNotFound):
        load_portfolio_config(db, account + 99, default_allocation=default_allocation())
