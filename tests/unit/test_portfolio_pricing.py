"""The combine step books a taken position at the prices the executor's fills land on: entry and
market exits on the tick against the taker, the stop at the backtest's distance from the ticked
entry rounded towards the entry, a partial take-profit rounded towards the entry, each leg's
quantity floored to the lot (tick 0.1, lot 0.001). Expected values are worked out by hand."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from algotrading.backtest.portfolio.book import Candidate
from algotrading.backtest.portfolio.combine import GRID_MS, combine
from algotrading.backtest.portfolio.instruments import symbol_info
from algotrading.backtest.portfolio.pricing import price_position
from algotrading.backtest.trades import REASON_CODE
from algotrading.market.instruments import Filters

T0 = 1_760_000_400_000 - (1_760_000_400_000 % GRID_MS)
HOUR = 3_600_000
FEE = 0.00055
INFO = symbol_info("BTCUSDT", Filters(Decimal("0.1"), Decimal("0.001"), Decimal(10**6),
                                      Decimal(10**6), Decimal(100)))  # fmt: skip


def trend(side: int, close: float, entry: float, stop: float, legs: list[tuple]) -> Candidate:
    """A trend candidate signalled and entered at T0, its legs (reason, fraction, price) at
    hours 1, 2, ...; the unit's own money columns hold the untouched (off-tick) values."""
    until = T0 + len(legs) * HOUR
    row = np.array([T0, T0, side, entry, stop, np.nan, until, 0.0, 0.0, 0.0, 0.0, entry * FEE,
                    close])  # fmt: skip
    table = np.array([[0, T0 + (i + 1) * HOUR, T0 + i * HOUR, price, f, REASON_CODE[r],
                       side * (price - entry) * f, price * f * FEE]
                      for i, (r, f, price) in enumerate(legs)])  # fmt: skip
    marks = np.array([[T0, close], [until, legs[-1][2]]], dtype=float)
    return Candidate("trend", "BTCUSDT", (0, 1), row, table, np.empty((0, 3)), marks, 1.0)


def test_a_long_is_booked_on_the_tick_with_its_legs_on_the_lot() -> None:
    # signal close 100, stop distance 5 (on the tick at 95): 2 % of the 3,000 trend sleeve
    # over 5 + 195 x 0.00055 = 5.10725 is 11.748005..., floored to 11.748
    c = trend(1, 100.0, 100.03125, 95.03125,
              [("partial_take_profit", 0.3, 103.03125), ("signal", 0.7, 104.96875)])  # fmt: skip
    done = combine([c], 10_000.0, T0, T0 + 3 * HOUR, FEE, {}, {"BTCUSDT": INFO})
    t = done.trades[0]
    assert t["qty"] == 11.748
    assert t["entry_price"] == 100.1  # a buy: 100.03125 up to the tick
    assert t["stop"] == pytest.approx(95.1, abs=1e-12)  # 100.1 - 5
    # partial: 103.03125 down to 103.0 (towards the entry), 0.3 x 11.748 = 3.5244 -> 3.524;
    # the signal exit sells: 104.96875 down to 104.9, the rest 8.224
    assert [e["price"] for e in t["exits"]] == [103.0, 104.9]
    assert t["gross_pnl"] == pytest.approx(2.9 * 3.524 + 4.8 * 8.224, abs=1e-9)  # 49.6948
    entry_fee = 100.1 * 11.748 * FEE  # 0.64678614
    exit_fees = 103.0 * 3.524 * FEE + 104.9 * 8.224 * FEE  # 0.1996346 + 0.47448368
    assert t["fees"] == pytest.approx(1.32090442, abs=1e-9)
    assert entry_fee + exit_fees == pytest.approx(1.32090442, abs=1e-9)
    assert t["exit_price"] == pytest.approx((103.0 * 3.524 + 104.9 * 8.224) / 11.748, abs=1e-9)
    assert done.sleeves["trend"][-1] == pytest.approx(3_000 + 49.6948 - 1.32090442, abs=1e-9)


def test_a_short_stop_fills_at_its_distance_from_the_ticked_entry() -> None:
    # signal close 200, distance 4 (stop 204 on the tick): 60 / (4 + 404 x 0.00055 = 4.2222)
    # is 14.2106..., floored to 14.21
    c = trend(-1, 200.0, 199.96875, 203.96875, [("stop_loss", 1.0, 203.96875)])
    done = combine([c], 10_000.0, T0, T0 + 2 * HOUR, FEE, {}, {"BTCUSDT": INFO})
    t = done.trades[0]
    assert t["qty"] == 14.21
    assert t["entry_price"] == 199.9  # a sell: down to the tick
    # 199.9 + 4 = 203.9, already on the tick (the unit's stop was 203.96875)
    assert t["exit_price"] == 203.9 and t["stop"] == 203.9
    assert t["gross_pnl"] == pytest.approx(-56.84, abs=1e-9)  # -(203.9 - 199.9) x 14.21
    fees = 199.9 * 14.21 * FEE + 203.9 * 14.21 * FEE  # 1.56231845 + 1.59358045
    assert t["fees"] == pytest.approx(3.1558989, abs=1e-9) and fees == pytest.approx(3.1558989)
    assert t["pnl"] == pytest.approx(-56.84 - 3.1558989, abs=1e-9)


def test_without_filters_the_units_prices_are_kept() -> None:
    c = trend(-1, 200.0, 199.96875, 203.96875, [("stop_loss", 1.0, 203.96875)])
    t = combine([c], 10_000.0, T0, T0 + 2 * HOUR, FEE, {}).trades[0]
    assert (t["entry_price"], t["exit_price"]) == (199.96875, 203.96875)
    assert t["gross_pnl"] == pytest.approx(-4.0 * t["qty"], rel=1e-12)


def test_a_paper_position_is_priced_as_the_live_paper_fill() -> None:
    # paper entry: the signal close 100 slipped 2 bps (100.02) up to the tick, 100.1; its stop
    # the stepper's level 5 below, unrounded; quantities are not floored (no order is sent)
    c = trend(1, 100.0, 100.03125, 95.03125, [("stop_loss", 1.0, 95.03125)])
    priced = price_position(c, 2.0005, True, INFO, FEE)
    assert priced.entry == 100.1
    assert priced.stop == pytest.approx(95.1, abs=1e-12)
    price, qty, gross, fee = priced.legs[0]
    assert price == pytest.approx(95.1, abs=1e-12) and qty == 2.0005
    assert gross == pytest.approx(-5.0 * 2.0005, abs=1e-9)
    assert fee == pytest.approx(95.1 * 2.0005 * FEE, abs=1e-12)
    assert priced.entry_fee == pytest.approx(100.1 * 2.0005 * FEE, abs=1e-12)
