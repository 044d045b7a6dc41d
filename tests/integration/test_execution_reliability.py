"""The executor's reliability on the simulator and real data (issue 6, "must be proven").

Every test trades the scalper on BTCUSDT with the documented override that makes it enter long
at the 15m bar closing 2025-10-24 15:00 UTC (tests/execution_support.py).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

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
from sim_support import KEY, SECRET

from algotrading.domain.credentials import ApiCredentials
from algotrading.exchange.errors import ExchangeTimeout
from algotrading.exchange.factory import open_bybit
from algotrading.execution import Runtime, booking, evaluate

HOLDING = SCALPER_ENTRY | {"rsi_exit_low": 99.0, "rsi_exit_high": 99.0, "rsi_short_above": 100.0}
"""The same entry, and no RSI exit for a while: the position is still open at the next close."""


@pytest.fixture(autouse=True)
def _remove_accounts(worker_db_url: str) -> Iterator[None]:
    yield
    remove_test_accounts(worker_db_url)


class Crash(BaseException):
    """Stands for the process dying: no handler of ours catches it."""


def sim_orders(sim: Any) -> list[Any]:
    """The account's orders at the simulator, the resting partial take-profit left out."""
    return [o for o in sim.engine.accounts[KEY].orders.values() if not o.is_conditional]


def resting_orders(sim: Any) -> list[Any]:
    return [o for o in sim.engine.accounts[KEY].orders.values() if o.is_conditional]


def test_fifty_concurrent_evaluates_place_one_order(
    worker_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_secrets_key(monkeypatch)
    with sim_at(ENTRY_CLOSE) as sim:
        account = scalper_account(worker_db_url, sim)
        start = threading.Barrier(50)
        results: list[Any] = []
        failures: list[BaseException] = []

        def one() -> None:
            exchange = open_bybit(sim.rest_url, ApiCredentials(KEY, SECRET))
            own = Runtime(exchange=exchange, fill_delays_s=(0.0, 0.0, 0.0))
            with autocommit(worker_db_url) as conn:
                start.wait()
                try:
                    results.append(evaluate(account, ENTRY_CLOSE, conn=conn, runtime=own))
                except BaseException as exc:  # collected, asserted below
                    failures.append(exc)

        threads = [threading.Thread(target=one) for _ in range(50)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        assert sorted(r.replayed for r in results) == [False] + [True] * 49
        assert len({repr(r.report) for r in results}) == 1
        entries = [r for r in results[0].report["signals"] if r["action"] == "entry_long"]
        assert [s["decision"] for s in entries] == ["accepted"]
        exchange_orders = sim_orders(sim)
        assert len(exchange_orders) == 1 and exchange_orders[0].order_link_id.startswith("SEL-")
        (resting,) = resting_orders(sim)  # the partial take-profit, placed once as well
        assert resting.order_link_id.startswith("SR-") and resting.status == "Untriggered"
    stored = rows(
        worker_db_url,
        "SELECT order_link_id FROM orders WHERE trading_account_id = %s ORDER BY id", account,
    )  # fmt: skip
    assert stored == [(exchange_orders[0].order_link_id,), (resting.order_link_id,)]
    assert rows(worker_db_url, "SELECT count(*) FROM trades WHERE trading_account_id = %s",
                account) == [(1,)]  # fmt: skip


@pytest.mark.parametrize("retry_after", [0, QUARTER], ids=["same close", "next close"])
def test_crash_after_the_exchange_accepted_is_recovered_by_link_id(
    worker_db_url: str, monkeypatch: pytest.MonkeyPatch, retry_after: int
) -> None:
    use_secrets_key(monkeypatch)

    def crash(*args: object, **kwargs: object) -> None:
        raise Crash("killed between the exchange's fill and our commit")

    with sim_at(ENTRY_CLOSE) as sim:
        spec = {"params": HOLDING, "symbols": ["BTCUSDT"]}
        account = make_account(worker_db_url, sim.rest_url, strategies={"scalper": spec})
        rt = runtime(sim)
        with monkeypatch.context() as patch, autocommit(worker_db_url) as conn:
            patch.setattr(booking, "record_entry_fill", crash)
            with pytest.raises(Crash):
                evaluate(account, ENTRY_CLOSE, conn=conn, runtime=rt)
        (position,) = rt.exchange.get_positions()  # the exchange filled it...
        assert position.stop_loss is None
        assert rows(  # ...and the database only holds the intent
            worker_db_url,
            "SELECT o.status, t.status FROM orders o JOIN trades t ON t.id = o.trade_id"
            " WHERE o.trading_account_id = %s", account,
        ) == [("created", "pending")]  # fmt: skip
        sim.step_to(ENTRY_CLOSE + retry_after)
        with autocommit(worker_db_url) as conn:
            again = evaluate(account, ENTRY_CLOSE + retry_after, conn=conn, runtime=rt)
        (order,) = sim_orders(sim)
        (position,) = rt.exchange.get_positions()
    assert again.status == "done" and not again.replayed
    assert [f["kind"] for f in again.report["reconciliation"]] == ["missed_fill", "protected"]
    (stored,) = rows(
        worker_db_url,
        "SELECT o.order_link_id, o.status, o.filled_qty, t.status, t.entry_price, t.stop_loss"
        " FROM orders o JOIN trades t ON t.id = o.trade_id WHERE o.trading_account_id = %s"
        " AND o.purpose = 'entry'",
        account,
    )
    assert stored[:4] == (order.order_link_id, "filled", order.qty, "open")
    assert stored[4] == position.entry_price and stored[5] == position.stop_loss
    assert position.stop_loss is not None and position.stop_loss < position.entry_price
    statuses = rows(
        worker_db_url,
        "SELECT status FROM evaluations WHERE trading_account_id = %s ORDER BY close_time",
        account,
    )
    assert statuses == ([("done",)] if retry_after == 0 else [("running",), ("done",)])


def test_entry_whose_stop_loss_call_failed_is_protected_at_the_next_evaluate(
    worker_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_secrets_key(monkeypatch)
    with sim_at(ENTRY_CLOSE) as sim:
        spec = {"params": HOLDING, "symbols": ["BTCUSDT"]}
        account = make_account(worker_db_url, sim.rest_url, strategies={"scalper": spec})
        rt = runtime(sim)
        real = rt.exchange.set_stop_loss_take_profit
        calls: list[Decimal | None] = []

        def flaky(symbol: str, **levels: Decimal | None) -> None:
            calls.append(levels.get("stop_loss"))
            if len(calls) == 1:
                raise ExchangeTimeout("trading-stop timed out")
            real(symbol, **levels)

        monkeypatch.setattr(rt.exchange, "set_stop_loss_take_profit", flaky)
        with autocommit(worker_db_url) as conn:
            first = evaluate(account, ENTRY_CLOSE, conn=conn, runtime=rt)
            (naked,) = rt.exchange.get_positions()
            sim.step_to(ENTRY_CLOSE + QUARTER)
            second = evaluate(account, ENTRY_CLOSE + QUARTER, conn=conn, runtime=rt)
        (protected,) = rt.exchange.get_positions()
    assert first.status == "failed"  # incomplete: an unprotected position must be retried
    assert [f["kind"] for f in first.report["reconciliation"]] == ["unprotected"]
    assert naked.stop_loss is None
    ((stop,),) = rows(worker_db_url, "SELECT stop_loss FROM trades WHERE trading_account_id = %s",
                      account)  # fmt: skip
    assert calls == [stop, stop]
    assert protected.stop_loss == stop and protected.size == naked.size
    assert second.status == "done"
    assert "protected" in [f["kind"] for f in second.report["reconciliation"]]
    alerts = rows(
        worker_db_url,
        "SELECT level, kind FROM alerts WHERE trading_account_id = %s AND kind = 'reconciliation'"
        " ORDER BY id", account,
    )  # fmt: skip
    assert alerts == [("critical", "reconciliation"), ("warning", "reconciliation")]
