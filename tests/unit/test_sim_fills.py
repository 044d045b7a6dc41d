"""The fill model shared by the simulator and the backtest (docs/fill-model.md)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from algotrading.domain import fills
from algotrading.domain.fills import Bar, ExitKind


def test_bybit_fee_schedule() -> None:
    assert fills.BYBIT_FEES.rate(is_maker=False) == 0.00055
    assert fills.BYBIT_FEES.rate(is_maker=True) == 0.0002
    assert fills.BYBIT_FEES.fee(10_000.0, is_maker=False) == pytest.approx(5.5)
    assert fills.BYBIT_FEES.fee(-10_000.0, is_maker=True) == pytest.approx(2.0)
    assert fills.trade_fee(Decimal("47950.05"), Decimal("0.00055")) == Decimal("26.3725275")


def test_market_fill_moves_against_the_taker_and_onto_the_tick() -> None:
    assert fills.market_fill_price(100_000.0, True, 2.0, 0.1) == 100_020.0  # exact, no extra tick
    assert fills.market_fill_price(100_000.0, False, 2.0, 0.1) == 99_980.0
    assert fills.market_fill_price(110_015.0, True, 2.0, 0.1) == 110_037.1  # 110037.003 up
    assert fills.market_fill_price(110_015.0, False, 2.0, 0.1) == 109_992.9  # 109992.997 down
    assert fills.market_fill_price(0.51234, True, 0.0, 0.0001) == 0.5124
    assert fills.market_fill_price(0.51234, False) == 0.51234
    with pytest.raises(ValueError):
        fills.market_fill_price(100.0, True, -1.0)


def test_limit_orders() -> None:
    bar = Bar(open=100, high=105, low=95, close=101)
    assert fills.limit_is_marketable(True, 101, 100) and not fills.limit_is_marketable(
        True, 99, 100
    )
    assert fills.limit_is_marketable(False, 99, 100) and not fills.limit_is_marketable(
        False, 101, 100
    )
    assert fills.limit_touched(True, 95, bar) and not fills.limit_touched(True, 94.9, bar)
    assert fills.limit_touched(False, 105, bar) and not fills.limit_touched(False, 105.1, bar)


@pytest.mark.parametrize(
    ("is_long", "bar", "stop", "take", "expected"),
    [
        # touched intrabar: the level itself
        (True, Bar(100, 101, 94, 96), 95, None, (ExitKind.STOP_LOSS, 95)),
        (True, Bar(100, 111, 99, 104), 95, 110, (ExitKind.TAKE_PROFIT, 110)),
        (False, Bar(100, 106, 99, 104), 105, None, (ExitKind.STOP_LOSS, 105)),
        (False, Bar(100, 101, 89, 96), None, 90, (ExitKind.TAKE_PROFIT, 90)),
        # a gap through the level: the open
        (True, Bar(93, 97, 92, 96), 95, None, (ExitKind.STOP_LOSS, 93)),
        (True, Bar(112, 115, 111, 113), 95, 110, (ExitKind.TAKE_PROFIT, 112)),
        (False, Bar(107, 108, 103, 104), 105, None, (ExitKind.STOP_LOSS, 107)),
        # both touched in one bar: the stop first
        (True, Bar(100, 111, 94, 104), 95, 110, (ExitKind.STOP_LOSS, 95)),
        (False, Bar(100, 106, 89, 96), 105, 90, (ExitKind.STOP_LOSS, 105)),
        # nothing touched
        (True, Bar(100, 109, 96, 104), 95, 110, None),
    ],
)
def test_stop_and_take_profit_inside_a_bar(
    is_long: bool, bar: Bar, stop: float | None, take: float | None, expected: tuple | None
) -> None:
    found = fills.resolve_exit(is_long, bar, stop_loss=stop, take_profit=take)
    assert (None if found is None else (found.kind, found.price)) == expected


def test_liquidation_price_isolated() -> None:
    # long 10x, mmr 0.5 %: 100 * (1 - 0.1 + 0.005) = 90.5; bankrupt at 90
    assert fills.liquidation_price(100.0, True, 10.0) == pytest.approx(90.5)
    assert fills.bankruptcy_price(100.0, True, 10.0) == pytest.approx(90.0)
    assert fills.liquidation_price(100.0, False, 10.0) == pytest.approx(109.5)
    assert fills.bankruptcy_price(100.0, False, 10.0) == pytest.approx(110.0)
    assert fills.liquidation_price(100.0, True, 100.0, mmr=0.005) == pytest.approx(99.5)
    assert fills.liquidated(True, 90.5, Bar(95, 96, 90.5, 91))
    assert not fills.liquidated(False, 109.5, Bar(105, 109.4, 100, 101))
    with pytest.raises(ValueError):
        fills.liquidation_price(100.0, True, 0.5)
    with pytest.raises(ValueError):
        fills.liquidation_price(100.0, True, 300.0)  # 1/300 < mmr: no margin left to lose


def test_liquidation_against_stops() -> None:
    bar = Bar(100, 101, 89, 92)
    # stop above the liquidation price is hit first on the way down
    found = fills.resolve_exit(True, bar, stop_loss=95, liquidation=90.5, bankruptcy=90)
    assert found == fills.Exit(ExitKind.STOP_LOSS, 95)
    # a stop below the liquidation price never gets the chance
    found = fills.resolve_exit(True, bar, stop_loss=89.5, liquidation=90.5, bankruptcy=90)
    assert found == fills.Exit(ExitKind.LIQUIDATION, 90)
    # a gap through the liquidation price liquidates, stop or not
    gap = Bar(88, 89, 87, 88)
    assert fills.resolve_exit(True, gap, stop_loss=95, liquidation=90.5, bankruptcy=90) == (
        fills.Exit(ExitKind.LIQUIDATION, 90)
    )
    # without a bankruptcy price the exit is at the liquidation price
    assert fills.resolve_exit(False, Bar(100, 110, 99, 105), liquidation=109.5) == fills.Exit(
        ExitKind.LIQUIDATION, 109.5
    )


def test_funding_payment_signs() -> None:
    assert fills.funding_payment(10_000.0, 0.0001, is_long=True) == pytest.approx(-1.0)
    assert fills.funding_payment(10_000.0, 0.0001, is_long=False) == pytest.approx(1.0)
    assert fills.funding_payment(10_000.0, -0.0002, is_long=True) == pytest.approx(2.0)
    assert fills.funding_payment(10_000.0, -0.0002, is_long=False) == pytest.approx(-2.0)
    assert fills.funding_payment(Decimal("1000.5"), Decimal("0.0001"), True) == Decimal("-0.10005")


def test_realized_pnl() -> None:
    assert fills.realized_pnl(100.0, 110.0, 2.0, is_long=True) == pytest.approx(20.0)
    assert fills.realized_pnl(100.0, 110.0, 2.0, is_long=False) == pytest.approx(-20.0)
    assert fills.realized_pnl(Decimal(100), Decimal(95), Decimal("0.5"), False) == Decimal("2.5")
