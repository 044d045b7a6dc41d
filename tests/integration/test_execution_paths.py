"""Executor paths on the simulator: a repeated evaluate, paper trading while paused, snapshots
with their breaker, and bad input that writes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import ROUND_CEILING, Decimal

import psycopg
import pytest
from execution_support import (
    ENTRY_CLOSE,
    QUARTER,
    SCALPER_ENTRY,
    autocommit,
    make_account,
    remove_test_accounts,
    rows,
    runtime,
    scalper_account,
    sim_at,
    use_secrets_key,
)
from sim_support import KEY

from algotrading.cli.main import main
from algotrading.db.accounts import AccountNotFound
from algotrading.domain.allocation import AllocationError
from algotrading.execution import BadCloseTime, Runtime, evaluate, snapshot
from algotrading.strategies import StrategyConfigError

PER_ACCOUNT = ("evaluations", "signals", "orders", "trades", "portfolio_snapshots", "alerts")


@pytest.fixture(autouse=True)
def _remove_accounts(worker_db_url: str) -> Iterator[None]:
    yield
    remove_test_accounts(worker_db_url)


def written(url: str, account: int) -> dict[str, int]:
    return {
        table: rows(url, f"SELECT count(*) FROM {table} WHERE trading_account_id = %s",
                    account)[0][0]
        for table in PER_ACCOUNT
    }  # fmt: skip


def test_a_repeated_evaluate_returns_the_first_result_and_places_nothing(
    worker_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_secrets_key(monkeypatch)
    with sim_at(ENTRY_CLOSE) as sim:
        account = scalper_account(worker_db_url, sim)
        rt = runtime(sim)
        with autocommit(worker_db_url) as conn:
            first = evaluate(account, ENTRY_CLOSE, conn=conn, runtime=rt)
            before = written(worker_db_url, account)
            again = evaluate(account, ENTRY_CLOSE, conn=conn, runtime=rt)
        placed = list(sim.engine.accounts[KEY].orders.values())
        assert [o.status for o in placed] == ["Filled", "Untriggered"]  # entry, resting partial
    assert (first.replayed, again.replayed) == (False, True)
    assert again.report == first.report and again.status == "done"
    assert [o["purpose"] for o in first.report["orders"]] == ["entry", "take_profit"]
    assert written(worker_db_url, account) == before


def test_a_paused_strategy_trades_on_paper(
    worker_db_url: str,
    use_database: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    use_secrets_key(monkeypatch)
    with sim_at(ENTRY_CLOSE) as sim:
        account = scalper_account(worker_db_url, sim)
        assert main(["strategies", "pause", "scalper", "--account", str(account)]) == 0
        rt = runtime(sim)
        with autocommit(worker_db_url) as conn:
            entry = evaluate(account, ENTRY_CLOSE, conn=conn, runtime=rt)
            sim.step_to(ENTRY_CLOSE + QUARTER)
            evaluate(account, ENTRY_CLOSE + QUARTER, conn=conn, runtime=rt)
        assert sim.engine.accounts[KEY].orders == {}  # nothing reached the exchange
        assert rt.exchange.get_positions() == []
    (decision,) = [s for s in entry.report["signals"] if s["action"] == "entry_long"]
    assert decision["decision"] == "rejected"
    assert decision["reason"].startswith("strategy_paused")
    trades = rows(
        worker_db_url,
        "SELECT is_shadow, status, exit_reason, entry_price FROM trades"
        " WHERE trading_account_id = %s", account,
    )  # fmt: skip
    assert [t[:3] for t in trades] == [(True, "closed", "signal")]
    # filled at the signal bar's close plus 2 bps against the buyer, up to BTCUSDT's 0.1 tick
    paid = (Decimal(decision["price"]) * Decimal("1.0002") / Decimal("0.1")).to_integral_value(
        rounding=ROUND_CEILING
    ) * Decimal("0.1")
    assert trades[0][3] == paid
    assert rows(worker_db_url, "SELECT count(*) FROM orders WHERE trading_account_id = %s",
                account) == [(0,)]  # fmt: skip
    capsys.readouterr()
    assert main(["strategies", "resume", "scalper", "--account", str(account), "--actor", "ops",
                 "--reason", "paper run checked"]) == 0  # fmt: skip
    assert main(["strategies", "list", "--account", str(account), "--json"]) == 0
    out = capsys.readouterr().out
    listed = json.loads(out[out.index("[") :])
    scalper = next(line for line in listed if line["strategy"] == "scalper")
    assert scalper["status"] == "active" and scalper["override"] is None


def test_snapshot_rows_metrics_and_a_breaker_in_a_constructed_drawdown(
    worker_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_secrets_key(monkeypatch)
    with sim_at(ENTRY_CLOSE) as sim:
        account = make_account(worker_db_url, sim.rest_url)
        with psycopg.connect(worker_db_url) as conn:  # trend lost 600 of its 3000 sleeve: 20 %
            conn.execute(
                "INSERT INTO trades (trading_account_id, strategy, symbol, side, status, qty,"
                " entry_price, exit_price, realized_pnl, fees, opened_at, closed_at, exit_reason)"
                " VALUES (%s, 'trend', 'SOLUSDT', 'long', 'closed', 10, 200, 141, -590, 10,"
                " to_timestamp(%s / 1000.0) - interval '1 day', to_timestamp(%s / 1000.0),"
                " 'stop_loss')",
                (account, ENTRY_CLOSE, ENTRY_CLOSE),
            )
        rt = Runtime(exchange=runtime(sim).exchange)
        with autocommit(worker_db_url) as conn:
            taken = snapshot(account, ENTRY_CLOSE, conn=conn, runtime=rt)
            again = snapshot(account, ENTRY_CLOSE, conn=conn, runtime=rt)
    equity = {r["scope"]: r["equity"] for r in taken.report["rows"]}
    assert Decimal(equity["portfolio"]) == 9400 and Decimal(equity["trend"]) == 2400
    assert taken.report["transitions"][0].startswith("trend: triggered")
    assert again.replayed and again.report == taken.report
    snaps = rows(
        worker_db_url,
        "SELECT scope, breaker_drawdown_pct, breaker_state FROM portfolio_snapshots"
        " WHERE trading_account_id = %s ORDER BY id", account,
    )  # fmt: skip
    assert [s[0] for s in snaps] == ["portfolio", "trend", "scalper", "carry", "momentum"]
    assert snaps[1][1:] == (Decimal(20), "paused") and snaps[0][1:] == (Decimal(6), "active")
    periods = rows(
        worker_db_url,
        "SELECT scope, period, trade_count, win_rate FROM strategy_performance"
        " WHERE trading_account_id = %s ORDER BY scope, period", account,
    )  # fmt: skip
    assert {(p[0], p[1]) for p in periods} >= {("portfolio", "all"), ("trend", "daily")}
    assert ("trend", "all", 1, Decimal(0)) in periods
    alerts = rows(worker_db_url, "SELECT kind, level FROM alerts WHERE trading_account_id = %s",
                  account)  # fmt: skip
    assert alerts == [("breaker_triggered", "critical")]


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ("UPDATE account_strategy_configs SET params = '{\"stop_atr_mult\": -2}'"
         " WHERE strategy = 'scalper' AND trading_account_id = %s", StrategyConfigError),
        ("UPDATE account_strategy_configs SET allocation_pct = 50"
         " WHERE strategy = 'trend' AND trading_account_id = %s", AllocationError),
    ],
)  # fmt: skip
def test_bad_configuration_is_refused_before_anything_is_written(
    worker_db_url: str, monkeypatch: pytest.MonkeyPatch, change: str, error: type[Exception]
) -> None:
    use_secrets_key(monkeypatch)
    account = make_account(worker_db_url, "http://127.0.0.1:9", strategies={"scalper": {}})
    with psycopg.connect(worker_db_url) as conn:
        conn.execute(change, (account,))
    with autocommit(worker_db_url) as conn, pytest.raises(error):
        evaluate(account, ENTRY_CLOSE, conn=conn)
    assert set(written(worker_db_url, account).values()) == {0}


def test_unknown_account_and_bad_close_are_refused(worker_db_url: str) -> None:
    with autocommit(worker_db_url) as conn:
        with pytest.raises(AccountNotFound):
            evaluate(987_654_321, ENTRY_CLOSE, conn=conn)
        with pytest.raises(BadCloseTime):
            evaluate(1, ENTRY_CLOSE + 60_000, conn=conn)


def test_a_stop_loss_hit_at_the_exchange_is_settled_from_its_executions(
    worker_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Half an ATR of stop: the 15:05 bar's low (109950.2) takes it before the next close."""
    use_secrets_key(monkeypatch)
    tight = {"params": SCALPER_ENTRY | {"stop_atr_mult": 0.5}, "symbols": ["BTCUSDT"]}
    with sim_at(ENTRY_CLOSE) as sim:
        account = make_account(worker_db_url, sim.rest_url, strategies={"scalper": tight})
        rt = runtime(sim)
        with autocommit(worker_db_url) as conn:
            evaluate(account, ENTRY_CLOSE, conn=conn, runtime=rt)
            sim.step_to(ENTRY_CLOSE + QUARTER)
            later = evaluate(account, ENTRY_CLOSE + QUARTER, conn=conn, runtime=rt)
        fills = rt.exchange.get_executions(ENTRY_CLOSE, "BTCUSDT")
    entry, stop = fills
    assert (entry.side.value, stop.side.value) == ("buy", "sell") and stop.qty == entry.qty
    (trade,) = rows(
        worker_db_url,
        "SELECT status, exit_reason, entry_price, exit_price, stop_loss, realized_pnl, fees"
        " FROM trades WHERE trading_account_id = %s", account,
    )  # fmt: skip
    assert trade[:2] == ("closed", "stop_loss")
    assert trade[2] == entry.price and trade[3] == stop.price == trade[4]
    assert trade[5] == (stop.price - entry.price) * entry.qty and trade[6] == entry.fee + stop.fee
    orders = rows(
        worker_db_url,
        "SELECT purpose, strategy, status, exchange_order_id FROM orders"
        " WHERE trading_account_id = %s ORDER BY id", account,
    )  # fmt: skip
    assert [o[:3] for o in orders] == [
        ("entry", "scalper", "filled"), ("take_profit", "scalper", "cancelled"),
        ("stop_loss", "scalper", "filled"),
    ]  # fmt: skip  # the resting partial does not outlive its trade
    assert orders[2][3] == stop.order_id
    assert [f["kind"] for f in later.report["reconciliation"]] == ["closed_at_exchange"]
    assert ("trade_stopped",) in rows(
        worker_db_url, "SELECT kind FROM alerts WHERE trading_account_id = %s", account
    )
