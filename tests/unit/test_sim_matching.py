"""Matching, margin and funding in the simulator's engine, on small hand-made markets.

Prices sit near 100 (tick 0.001, quantity step 0.1), slippage is 0, so every number below can be
checked by hand. Bars are 5 minutes; the engine starts when bar 2 opens (bars 0 and 1 closed).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sim_support import HAND_START, KEY, MINUTE, engine_for, order

from algotrading.local.bybit_sim import trading
from algotrading.local.bybit_sim.engine import Engine
from algotrading.local.bybit_sim.envelope import BybitError
from algotrading.local.bybit_sim.params import Params
from algotrading.local.bybit_sim.state import account_from_json, to_json

START = HAND_START
BAR = 5 * MINUTE
FLAT = (100.0, 100.5, 99.5, 100.0)


def position(engine: Engine):  # type: ignore[no-untyped-def]
    return engine.position(engine.accounts[KEY], "TESTUSDT")


def after(engine: Engine, bars: int) -> None:
    engine.advance_to(START + (2 + bars) * BAR)


def test_one_way_mode_flips_a_position_in_one_execution(tmp_path: Path) -> None:
    engine = engine_for(tmp_path, [FLAT] * 4)
    order(engine, side="Buy", orderType="Market", qty="1")
    order(engine, side="Sell", orderType="Market", qty="3")
    account = engine.accounts[KEY]
    flip = account.executions[-1]
    assert flip.closed_size == 1 and flip.exec_qty == 3 and flip.exec_pnl == 0
    assert position(engine).side == "Sell" and position(engine).size == 2
    assert position(engine).margin == Decimal("20")  # 2 x 100 / 10
    fees = Decimal("0.055") + Decimal("0.165")  # 100 and 300 USDT at 0.055 %
    assert account.wallet == Decimal(100_000) - fees


def test_realised_pnl_and_margin_release_on_a_partial_close(tmp_path: Path) -> None:
    engine = engine_for(tmp_path, [FLAT, FLAT, (100.0, 110.5, 99.5, 110.0), FLAT])
    order(engine, side="Buy", orderType="Market", qty="2")
    after(engine, 1)  # the bar that closes at 110
    order(engine, side="Sell", orderType="Market", qty="0.5")
    account = engine.accounts[KEY]
    assert account.executions[-1].exec_pnl == Decimal("5")  # 0.5 x (110 - 100)
    assert position(engine).size == Decimal("1.5") and position(engine).margin == Decimal("15")
    open_fee, close_fee = Decimal("0.11"), Decimal("0.03025")  # 200 and 55 USDT traded
    assert account.wallet == Decimal(100_000) - open_fee + 5 - close_fee


def test_stop_gapped_through_fills_at_the_open(tmp_path: Path) -> None:
    engine = engine_for(tmp_path, [FLAT, FLAT, FLAT, (97.0, 97.5, 96.0, 97.2)])
    order(engine, side="Buy", orderType="Market", qty="1")
    trading.trading_stop(engine, engine.accounts[KEY], Params({"symbol": "TESTUSDT",
                         "category": "linear", "stopLoss": "98"}))  # fmt: skip
    after(engine, 1)
    assert position(engine).size == 1, "the first bar stays above 98"
    after(engine, 2)
    exit_fill = engine.accounts[KEY].executions[-1]
    assert exit_fill.exec_price == Decimal("97") and exit_fill.stop_order_type == "StopLoss"
    assert not position(engine).open


def test_stop_and_take_profit_in_one_bar_take_the_stop(tmp_path: Path) -> None:
    engine = engine_for(tmp_path, [FLAT, FLAT, (100.0, 104.0, 96.0, 101.0)])
    order(engine, side="Sell", orderType="Market", qty="1", takeProfit="97", stopLoss="103")
    assert position(engine).take_profit == Decimal("97")
    after(engine, 1)
    exit_fill = engine.accounts[KEY].executions[-1]
    assert exit_fill.exec_price == Decimal("103") and exit_fill.create_type == "CreateByStopLoss"


def test_reduce_only_orders_go_when_the_position_does(tmp_path: Path) -> None:
    engine = engine_for(tmp_path, [FLAT, FLAT, (100.0, 100.2, 94.0, 95.0), FLAT])
    order(engine, side="Buy", orderType="Market", qty="1", stopLoss="96")
    order(engine, side="Sell", orderType="Limit", qty="1", price="120", reduceOnly=True,
          orderLinkId="tp-1")  # fmt: skip
    after(engine, 1)
    account = engine.accounts[KEY]
    take = account.order_by(None, "tp-1")
    assert take is not None and take.status == "Cancelled"
    assert take.cancel_type == "CancelByReduceOnly"


def test_resting_limit_fills_as_maker_only_from_bars_that_start_after_it(tmp_path: Path) -> None:
    bars = [FLAT, FLAT, (100.0, 100.1, 98.0, 99.0), (99.0, 99.5, 97.0, 98.0), FLAT]
    engine = engine_for(tmp_path, bars)
    engine.advance_to(START + 2 * BAR + MINUTE)  # mid-bar: bar 2 started before the order
    order(engine, side="Buy", orderType="Limit", qty="1", price="98", orderLinkId="m-1")
    after(engine, 1)
    assert engine.accounts[KEY].order_by(None, "m-1").status == "New"  # type: ignore[union-attr]
    after(engine, 2)
    fill = engine.accounts[KEY].executions[-1]
    assert fill.is_maker and fill.exec_price == Decimal("98")
    assert fill.exec_fee == Decimal("0.0196") and fill.exec_time == START + 4 * BAR


def test_post_only_and_ioc_orders_that_cannot_rest(tmp_path: Path) -> None:
    engine = engine_for(tmp_path, [FLAT] * 3)
    order(engine, side="Buy", orderType="Limit", qty="1", price="101", timeInForce="PostOnly",
          orderLinkId="po")  # fmt: skip
    order(engine, side="Buy", orderType="Limit", qty="1", price="99", timeInForce="IOC",
          orderLinkId="ioc")  # fmt: skip
    account = engine.accounts[KEY]
    post_only, ioc = account.order_by(None, "po"), account.order_by(None, "ioc")
    assert post_only is not None and post_only.reject_reason == "EC_PostOnlyWillTakeLiquidity"
    assert ioc is not None and ioc.status == "Cancelled"
    assert account.executions == [] and not position(engine).open
    order(engine, side="Buy", orderType="Limit", qty="1", price="100.5")  # crosses: taker at 100
    assert (
        account.executions[-1].exec_price == Decimal("100") and not account.executions[-1].is_maker
    )


def test_margin_is_checked_before_an_order_is_accepted(tmp_path: Path) -> None:
    engine = engine_for(tmp_path, [FLAT] * 3, balance=Decimal(1000))
    with pytest.raises(BybitError) as err:
        order(engine, side="Buy", orderType="Market", qty="100")  # 10 000 USDT / 10 > 1000
    assert err.value.ret_code == 110007
    order(engine, side="Buy", orderType="Limit", qty="90", price="99")  # holds 891 USDT
    with pytest.raises(BybitError) as err:
        order(engine, side="Buy", orderType="Limit", qty="20", price="99")
    assert err.value.ret_code == 110007
    assert engine.accounts[KEY].executions == []


def test_leverage_rules(tmp_path: Path) -> None:
    engine = engine_for(tmp_path, [FLAT] * 3)
    account = engine.accounts[KEY]

    def lever(value: str) -> None:
        body = {"category": "linear", "symbol": "TESTUSDT", "buyLeverage": value,
                "sellLeverage": value}  # fmt: skip
        trading.set_leverage(engine, account, Params(body))

    with pytest.raises(BybitError) as err:
        lever("10")
    assert err.value.ret_code == 110043, "unchanged"
    with pytest.raises(BybitError) as err:
        lever("51")  # above the derived maximum for a price of 100
    assert err.value.ret_code == 10001
    order(engine, side="Buy", orderType="Market", qty="10")
    assert position(engine).margin == Decimal("100")
    lever("50")
    assert position(engine).margin == Decimal("20"), "isolated margin follows the leverage"


def test_trading_stop_validation(tmp_path: Path) -> None:
    engine = engine_for(tmp_path, [FLAT] * 3)
    account = engine.accounts[KEY]

    def stop(**fields: str) -> None:
        trading.trading_stop(engine, account, Params({"category": "linear",
                             "symbol": "TESTUSDT", **fields}))  # fmt: skip

    with pytest.raises(BybitError, match="zero position"):
        stop(stopLoss="90")
    order(engine, side="Buy", orderType="Market", qty="1")
    with pytest.raises(BybitError, match="lower"):
        stop(stopLoss="101")
    stop(stopLoss="95", takeProfit="110")
    with pytest.raises(BybitError) as err:
        stop(stopLoss="95")
    assert err.value.ret_code == 34040
    stop(stopLoss="0")
    assert position(engine).stop_loss == 0 and position(engine).take_profit == Decimal("110")


def test_funding_with_a_negative_rate_pays_the_longs(tmp_path: Path) -> None:
    settle = START + 3 * BAR
    engine = engine_for(tmp_path, [FLAT] * 5, funding=[(START, 0.0001), (settle, -0.0005)])
    order(engine, side="Buy", orderType="Market", qty="4")
    before = engine.accounts[KEY].wallet
    after(engine, 2)
    entry = engine.accounts[KEY].ledger[-1]
    assert entry.type == "SETTLEMENT" and entry.time_ms == settle
    assert entry.funding == Decimal("0.2")  # 4 x 100 x 0.0005, received
    assert engine.accounts[KEY].wallet == before + Decimal("0.2")


def test_a_snapshot_round_trips_exactly(tmp_path: Path) -> None:
    engine = engine_for(tmp_path, [FLAT] * 4)
    order(engine, side="Buy", orderType="Market", qty="1.5", orderLinkId="snap")
    order(engine, side="Sell", orderType="Limit", qty="1", price="130", reduceOnly=True)
    account = engine.accounts[KEY]
    assert account_from_json(to_json(account)) == account


def test_amending_a_resting_order_across_the_price_fills_it_as_a_taker(tmp_path: Path) -> None:
    engine = engine_for(tmp_path, [FLAT] * 3)
    order(engine, side="Buy", orderType="Limit", qty="1", price="95", orderLinkId="a-1")
    account = engine.accounts[KEY]
    body = {"category": "linear", "symbol": "TESTUSDT", "orderLinkId": "a-1", "price": "101"}
    trading.amend_order(engine, account, Params(body))
    fill = account.executions[-1]
    assert fill.exec_price == Decimal("100") and not fill.is_maker, "the better market price"
    with pytest.raises(BybitError) as err:
        trading.amend_order(engine, account, Params(body))
    assert err.value.ret_code == 110001, "a filled order cannot be amended"
