"""The position side <-> order side mapping the executor uses for entries, exits, stops and
reconciliation: one place, checked against the exchange's convention (a long is bought)."""

from algotrading.domain.positions import PositionSide
from algotrading.exchange.types import (
    OrderSide,
    order_side_to_close,
    order_side_to_open,
    position_side_opened_by,
)


def test_a_long_is_opened_by_a_buy_and_closed_by_a_sell() -> None:
    assert order_side_to_open(PositionSide.LONG) is OrderSide.BUY
    assert order_side_to_close(PositionSide.LONG) is OrderSide.SELL


def test_a_short_is_opened_by_a_sell_and_closed_by_a_buy() -> None:
    assert order_side_to_open(PositionSide.SHORT) is OrderSide.SELL
    assert order_side_to_close(PositionSide.SHORT) is OrderSide.BUY


def test_an_entry_fill_s_side_gives_back_the_position_it_opened() -> None:
    assert position_side_opened_by(OrderSide.BUY) is PositionSide.LONG
    assert position_side_opened_by(OrderSide("sell")) is PositionSide.SHORT
