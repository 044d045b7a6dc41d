"""The scalper's partial take-profit rests at the exchange (execution/resting.py), on the
simulator with real data.

BTCUSDT, 2025-10-21: the scalper shorts at the 11:30 close (filled at the open of the 11:30 bar),
its target (the middle band) follows the band at every close, and the stop takes the position in
the 12:15 bar before the target is reached (the portfolio backtest's trade list for that day says
the same). So the resting order is placed with the entry, moved at each close, and
cancelled when the stop closes the trade. The partial filling at its level is proven by the
live-parity test (tests/integration/test_portfolio_parity.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import pytest
from execution_support import (
    QUARTER,
    SCALPER_ENTRY,
    autocommit,
    make_account,
    remove_test_accounts,
    rows,
    runtime,
    sim_at,
    use_secrets_key,
)
from sim_support import KEY

from algotrading.db.strategy_state import load_positions
from algotrading.domain.timefmt import parse_time
from algotrading.execution import evaluate

SIGNAL_CLOSE = parse_time("2025-10-21T11:30:00Z")
TICK, LOT = Decimal("0.1"), Decimal("0.0001")
"""The simulator's BTCUSDT tick and lot step."""


@pytest.fixture(autouse=True)
def _remove_accounts(worker_db_url: str) -> Iterator[None]:
    yield
    remove_test_accounts(worker_db_url)


def resting(sim: object) -> list[object]:
    orders = sim.engine.accounts[KEY].orders.values()  # type: ignore[attr-defined]
    return [o for o in orders if o.is_conditional]


def test_the_partial_rests_at_the_target_follows_it_and_goes_with_the_trade(
    worker_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_secrets_key(monkeypatch)
    spec = {"params": SCALPER_ENTRY, "symbols": ["BTCUSDT"]}
    seen: list[Decimal] = []
    with sim_at(SIGNAL_CLOSE) as sim:
        account = make_account(worker_db_url, sim.rest_url, strategies={"scalper": spec})
        rt = runtime(sim)
        with autocommit(worker_db_url) as conn:
            for close in [SIGNAL_CLOSE + k * QUARTER for k in range(4)]:
                sim.step_to(close)
                evaluate(account, close, conn=conn, runtime=rt)
                state = load_positions(conn, account)[("scalper", "BTCUSDT")].position
                assert state is not None and not state.is_long and not state.partial_done
                (order,) = resting(sim)
                assert order.status == "Untriggered" and order.side == "Buy"
                assert order.reduce_only and order.trigger_direction == 2  # falls to the target
                target = Decimal(repr(state.target)) / TICK
                assert order.trigger_price == target.to_integral_value(ROUND_CEILING) * TICK
                position = sim.engine.accounts[KEY].positions["BTCUSDT"]
                assert order.qty == (position.size / 2).quantize(LOT, rounding=ROUND_FLOOR)
                seen.append(order.trigger_price)
            sim.step_to(SIGNAL_CLOSE + 4 * QUARTER)
            evaluate(account, SIGNAL_CLOSE + 4 * QUARTER, conn=conn, runtime=rt)
        (order,) = resting(sim)
    assert len(set(seen)) == 4  # moved at every close after the entry, never placed twice
    assert order.status == "Deactivated" and order.cum_exec_qty == 0
    trades = rows(
        worker_db_url, "SELECT status, exit_reason FROM trades WHERE trading_account_id = %s",
        account,
    )  # fmt: skip
    assert trades == [("closed", "stop_loss")]
    stored = rows(
        worker_db_url,
        "SELECT purpose, status, price FROM orders WHERE trading_account_id = %s ORDER BY id",
        account,
    )  # fmt: skip
    assert [r[:2] for r in stored] == [
        ("entry", "filled"), ("take_profit", "cancelled"), ("stop_loss", "filled"),
    ]  # fmt: skip
    assert stored[1][2] == seen[-1]  # the row follows the level it was moved to
