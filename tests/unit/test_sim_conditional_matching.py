"""Conditional market orders in the simulator's engine, on small hand-made markets.

The bundled data has no gaps (every 5m bar opens at the previous close), so the gap rule, a
position flipped under a reduce-only stop and a stop that cannot be funded when it fires are
checked here. Prices sit near 100 (tick 0.001, quantity step 0.1), slippage is 0; the engine
starts when bar 2 opens (bars 0 and 1 closed, current price 100).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sim_support import HAND_START, KEY, MINUTE, engine_for, order

from algotrading.domain import fills
from algotrading.domain.fills import Bar
from algotrading.local.bybit_sim.engine import Engine
from algotrading.local.bybit_sim.state import Order, account_from_json, to_json

START = HAND_START
BAR = 5 * MINUTE
FLAT = (100.0, 100.5, 99.5, 100.0)
TAKER = Decimal("0.00055")


@pytest.mark.parametrize(
    ("rising", "trigger", "bar", "expected"),
    [
        (True, 101.0, Bar(100.0, 101.5, 99.0, 101.0), 101.0),  # touched: the level
        (True, 101.0, Bar(100.0, 101.0, 99.0, 100.5), 101.0),  # high exactly at the level
        (True, 101.0, Bar(103.0, 104.0, 102.5, 103.5), 103.0),  # gapped past: the open
        (True, 101.0, Bar(101.0, 101.2, 100.8, 101.1), 101.0),  # opens at the level
        (True, 101.0, Bar(100.0, 100.9, 99.0, 100.5), None),  # not reached
        (False, 99.0, Bar(100.0, 100.5, 98.5, 99.5), 99.0),
        (False, 99.0, Bar(100.0, 100.5, 99.0, 99.5), 99.0),
        (False, 99.0, Bar(97.0, 97.5, 96.0, 97.2), 97.0),
        (False, 99.0, Bar(100.0, 100.5, 99.1, 99.5), None),
    ],
)
def test_trigger_fill_price_is_the_level_or_a_gapped_open(
    rising: bool, trigger: float, bar: Bar, expected: float | None
) -> None:
    assert fills.trigger_fill_price(rising, trigger, bar) == expected


def stop(engine: Engine, side: str, trigger: str, direction: int, **fields: object) -> Order:
    placed = order(engine, side=side, orderType="Market", triggerPrice=trigger,
                   triggerDirection=direction, **fields)  # fmt: skip
    return engine.accounts[KEY].orders[placed["orderId"]]


def after(engine: Engine, bars: int) -> None:
    engine.advance_to(START + (2 + bars) * BAR)


@pytest.mark.parametrize(
    ("side", "trigger", "direction", "gap_bar", "fill"),
    [
        ("Buy", "101", 1, (103.0, 104.0, 102.5, 103.5), Decimal("103")),
        ("Sell", "99", 2, (97.0, 97.5, 96.0, 97.2), Decimal("97")),
    ],
)
def test_a_bar_gapping_through_the_trigger_fills_at_its_open(
    tmp_path: Path, side: str, trigger: str, direction: int, gap_bar: tuple, fill: Decimal
) -> None:
    engine = engine_for(tmp_path, [FLAT, FLAT, FLAT, gap_bar])
    placed = stop(engine, side, trigger, direction, qty="1")
    after(engine, 1)
    assert placed.status == "Untriggered", "the flat bar stays inside 99.5-100.5"
    after(engine, 2)
    [execution] = engine.accounts[KEY].executions
    assert execution.exec_price == fill and execution.exec_qty == 1
    assert execution.exec_fee == fill * TAKER and not execution.is_maker
    assert execution.exec_time == START + 4 * BAR and execution.stop_order_type == "Stop"
    assert placed.status == "Filled"


def test_firing_pushes_triggered_then_the_fill_events(tmp_path: Path) -> None:
    engine = engine_for(tmp_path, [FLAT, FLAT, (100.0, 101.5, 99.8, 101.2)])
    placed = stop(engine, "Buy", "101", 1, qty="1")
    placing = engine.drain()
    assert [(e.topic, e.row["orderStatus"]) for e in placing] == [("order", "Untriggered")]
    assert placing[0].row["triggerDirection"] == 1 and placing[0].row["price"] == "0"
    after(engine, 1)
    events = engine.drain()
    assert [e.topic for e in events] == ["order", "order", "execution", "position", "wallet"]
    assert [e.row["orderStatus"] for e in events[:2]] == ["Triggered", "Filled"]
    assert events[2].row["execPrice"] == "101.000" and events[2].row["stopOrderType"] == "Stop"
    assert placed.cum_exec_qty == 1


def test_a_reduce_only_stop_under_a_flipped_position_is_deactivated(tmp_path: Path) -> None:
    engine = engine_for(tmp_path, [FLAT, FLAT, (100.0, 100.2, 97.5, 98.0)])
    order(engine, side="Buy", orderType="Market", qty="1")
    protect = stop(engine, "Sell", "98", 2, qty="1", reduceOnly=True)
    order(engine, side="Sell", orderType="Market", qty="2")  # now short 1: nothing to reduce
    assert protect.status == "Untriggered", "a flip does not close the position"
    after(engine, 1)
    assert protect.status == "Deactivated" and protect.cancel_type == "CancelByReduceOnly"
    assert len(engine.accounts[KEY].executions) == 2, "the stop traded nothing"
    assert engine.position(engine.accounts[KEY], "TESTUSDT").side == "Sell"


def test_a_stop_that_cannot_be_funded_when_it_fires_is_cancelled(tmp_path: Path) -> None:
    engine = engine_for(tmp_path, [FLAT, FLAT, (100.0, 101.5, 99.8, 101.2)],
                        balance=Decimal(1000))  # fmt: skip
    placed = stop(engine, "Buy", "101", 1, qty="100")  # 10 100 USDT at 10x needs 1010 + fee
    assert engine.accounts[KEY].wallet == 1000, "accepted: no margin is held while it waits"
    after(engine, 1)
    assert placed.status == "Cancelled" and placed.reject_reason == "EC_Others"
    assert engine.accounts[KEY].executions == []


def test_untriggered_orders_survive_a_snapshot_and_old_snapshots_load(tmp_path: Path) -> None:
    engine = engine_for(tmp_path, [FLAT] * 4)
    order(engine, side="Buy", orderType="Market", qty="1.5")
    stop(engine, "Sell", "97.5", 2, qty="1", reduceOnly=True, orderLinkId="snap-stop")
    account = engine.accounts[KEY]
    restored = account_from_json(to_json(account))
    assert restored == account
    waiting = restored.order_by(None, "snap-stop")
    assert waiting is not None and waiting.status == "Untriggered"
    assert waiting.trigger_price == Decimal("97.5") and waiting.trigger_direction == 2

    old = to_json(account)
    for row in old["orders"].values():  # as written before conditional orders existed
        del row["trigger_direction"]
    ordinary = next(o for o in account_from_json(old).orders.values() if o.status == "Filled")
    assert ordinary.trigger_direction == 0 and not ordinary.is_conditional
