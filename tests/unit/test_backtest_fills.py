"""The fill model inside the backtest, case by case on hand-made bars whose outcome is worked out
by hand: next-open entries with slippage, fees, a gap through the stop, a bar touching both the
stop and the take-profit, isolated-margin liquidation, funding at the real settlement times with
its sign. Every case runs through the whole engine (`backtest.simulate`) on both walks. The
array forms of the fill model are checked against the scalar functions they mirror."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from backtest_support import HOUR, T0, ScriptedStrategy, hourly
from candles import funding as settlements

from algotrading.backtest import BacktestConfig, BacktestSizing, SizingMode, simulate
from algotrading.backtest.result import BacktestResult
from algotrading.domain.fills import (
    EXIT_KINDS,
    Bar,
    market_fill_price,
    market_fill_prices,
    resolve_exit,
    resolve_exits,
)
from algotrading.domain.series import FundingHistory
from algotrading.domain.timefmt import ms_to_iso
from algotrading.strategies.base import MarketHistory, PositionPolicy, TakeProfitMode

FEE = 0.00055
FLAT = (100.0, 101.0, 99.0, 100.0)
PATHS = ("fast", "stepped")
UNIT = BacktestSizing(SizingMode.UNITS, units=1.0)


def run(
    strategy: ScriptedStrategy,
    rows: list[tuple[float, float, float, float]],
    path: str,
    *,
    slippage: float = 0.0,
    funding: FundingHistory | None = None,
    sizing: BacktestSizing = UNIT,
) -> BacktestResult:
    history = MarketHistory("TESTUSDT", {strategy.entry_interval: hourly(rows)}, funding=funding)
    config = BacktestConfig("scripted", capital=10_000.0, fee_rate=FEE, slippage_bps=slippage,
                            sizing=sizing, path=path)  # type: ignore[arg-type]  # fmt: skip
    return simulate(strategy, {"TESTUSDT": history}, config)


def only_trade(result: BacktestResult) -> dict[str, Any]:
    rows = result.trade_rows()
    assert len(rows) == 1
    return rows[0]


@pytest.mark.parametrize("path", PATHS)
def test_entry_at_next_open_with_slippage_and_fees_on_both_fills(path: str) -> None:
    strategy = ScriptedStrategy(PositionPolicy(), entry_long=[1], exit_long=[3])
    rows = [FLAT, FLAT, (102, 103, 101, 102), (102, 104, 101, 103), (105, 106, 104, 105), FLAT]
    result = run(strategy, rows, path, slippage=2.0)
    t = only_trade(result)
    entry, exit_ = 102 * 1.0002, 105 * 0.9998
    assert t["entry_time"] == ms_to_iso(T0 + 2 * HOUR)  # signal at bar 1's close
    assert t["exit_time"] == ms_to_iso(T0 + 4 * HOUR)  # exit flag at bar 3's close
    assert t["entry_price"] == pytest.approx(entry, rel=1e-15)
    assert t["exit_price"] == pytest.approx(exit_, rel=1e-15)
    assert t["exit_reason"] == "signal"
    assert t["fees"] == pytest.approx(FEE * (entry + exit_), rel=1e-12)
    assert t["pnl"] == pytest.approx(exit_ - entry - FEE * (entry + exit_), rel=1e-12)
    assert result.final_equity == pytest.approx(10_000 + t["pnl"], rel=1e-15)


@pytest.mark.parametrize("path", PATHS)
def test_a_gap_through_the_stop_fills_at_the_open(path: str) -> None:
    strategy = ScriptedStrategy(PositionPolicy(), entry_long=[1], stop_distance=10.0)
    rows = [FLAT, FLAT, (102, 103, 101, 102), (90, 91, 85, 88), FLAT]
    t = only_trade(run(strategy, rows, path, slippage=2.0))
    assert t["stop"] == pytest.approx(102 * 1.0002 - 10)  # measured from the fill
    assert (t["exit_price"], t["exit_reason"]) == (90.0, "stop_loss")  # no slippage on a stop
    assert t["exit_time"] == ms_to_iso(T0 + 3 * HOUR)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    ("bar", "price", "reason"),
    [
        ((100, 108, 91, 100), 92.0, "stop_loss"),  # both touched: the stop
        ((100, 101, 91, 95), 92.0, "stop_loss"),  # the stop alone, at its level
        ((103, 108, 102, 104), 107.0, "take_profit"),  # the take-profit alone, at its level
        ((109, 110, 108, 109), 109.0, "take_profit"),  # gap beyond it: at the open
    ],
)
def test_stop_and_take_profit_inside_a_bar(
    path: str, bar: tuple[float, ...], price: float, reason: str
) -> None:
    policy = PositionPolicy(take_profit=TakeProfitMode.DISTANCE)
    strategy = ScriptedStrategy(policy, entry_long=[1], stop_distance=10.0,
                                take_profit_distance=5.0)  # fmt: skip
    rows = [FLAT, FLAT, (102, 103, 101, 102), bar, FLAT]
    t = only_trade(run(strategy, rows, path))
    assert (t["exit_price"], t["exit_reason"]) == (price, reason)


@pytest.mark.parametrize("path", PATHS)
def test_a_short_is_stopped_above_and_pays_fees_on_its_value(path: str) -> None:
    strategy = ScriptedStrategy(PositionPolicy(), entry_short=[1], stop_distance=4.0)
    rows = [FLAT, FLAT, (100, 101, 99, 100), (101, 104.5, 100, 104), FLAT]
    t = only_trade(run(strategy, rows, path))
    assert (t["side"], t["exit_price"], t["exit_reason"]) == ("short", 104.0, "stop_loss")
    assert t["pnl"] == pytest.approx(-4.0 - FEE * (100 + 104), rel=1e-12)


@pytest.mark.parametrize("path", PATHS)
def test_isolated_margin_liquidation_loses_exactly_the_margin(path: str) -> None:
    """10x: liquidation at 100 x (1 - 0.1 + 0.005) = 90.5, before the 50 stop; closed at the
    bankruptcy price 90, without a fee. Half the equity as margin: 500 units."""
    strategy = ScriptedStrategy(PositionPolicy(leverage=10.0), entry_long=[1], stop_distance=50.0)
    rows = [FLAT, FLAT, (100, 101, 99, 100), (95, 96, 90.4, 92), FLAT]
    result = run(strategy, rows, path, sizing=BacktestSizing(SizingMode.FRACTION, fraction=0.5))
    t = only_trade(result)
    assert (t["exit_price"], t["exit_reason"], t["qty"]) == (90.0, "liquidation", 500.0)
    assert t["fees"] == pytest.approx(500 * 100 * FEE)  # the entry's only
    assert t["gross_pnl"] == pytest.approx(-5_000.0)  # the margin
    assert result.final_equity == pytest.approx(10_000 - 5_000 - 27.5)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("side", ["long", "short"])
def test_funding_at_real_settlement_times_with_its_sign(path: str, side: str) -> None:
    """Held from the 02:00 open to the 08:00 open: the 02:00 settlement is before the entry
    fill, 04:00 and 08:00 are charged, 09:00 is after the exit. Value = close at the time."""
    flags = {"entry_long": [1], "exit_long": [7]} if side == "long" else {
        "entry_short": [1], "exit_short": [7]}  # fmt: skip
    strategy = ScriptedStrategy(PositionPolicy(), stop_distance=50.0, **flags)
    closes = [100, 100, 101, 110, 103, 104, 105, 120, 107, 108]
    rows = [(c, c + 1, c - 1, c) for c in closes]
    times = np.array([T0 + 2 * HOUR, T0 + 4 * HOUR, T0 + 8 * HOUR, T0 + 9 * HOUR])
    funding = settlements([0.0005, 0.0002, -0.0001, 0.0003], times=times)
    result = run(strategy, rows, path, funding=funding)
    t = only_trade(result)
    sign = 1 if side == "long" else -1
    at_4h, at_8h = -sign * 110 * 0.0002, -sign * 120 * -0.0001  # bar 3's close, bar 7's close
    assert t["funding"] == pytest.approx(at_4h + at_8h, rel=1e-12)
    m = result.metrics
    assert m["funding_paid"] == pytest.approx(abs(min(at_4h, 0) + min(at_8h, 0)), rel=1e-12)
    assert m["funding_received"] == pytest.approx(max(at_4h, 0) + max(at_8h, 0), rel=1e-12)
    price_pnl = sign * (rows[8][0] - rows[2][0])
    assert t["pnl"] == pytest.approx(price_pnl - t["fees"] + t["funding"], rel=1e-12)


@pytest.mark.parametrize("path", PATHS)
def test_exit_and_opposite_entry_on_one_close_reverse_at_the_same_open(path: str) -> None:
    strategy = ScriptedStrategy(PositionPolicy(), entry_long=[1], exit_long=[3],
                                entry_short=[3], stop_distance=50.0)  # fmt: skip
    rows = [FLAT, FLAT, (102, 103, 101, 102), (103, 104, 102, 103), (104, 105, 103, 104), FLAT]
    result = run(strategy, rows, path)
    first, second = result.trade_rows()
    assert first["exit_time"] == second["entry_time"] == ms_to_iso(T0 + 4 * HOUR)
    assert (first["exit_price"], second["entry_price"], second["side"]) == (104.0, 104.0, "short")
    assert second["open"] and second["pnl"] is None  # still open at the end: marked, not closed
    assert result.metrics["open_at_end"] == 1 and result.metrics["trades"] == 1
    assert result.final_equity == pytest.approx(10_000 + first["pnl"] - second["fees"] + 4.0)


@pytest.mark.parametrize("path", PATHS)
def test_an_entry_whose_stop_cannot_be_placed_is_skipped_and_counted(path: str) -> None:
    """A stop distance beyond the price puts a long's stop below zero: `open_position` refuses
    it, as live; the next signal enters."""
    distances = [10.0, 500.0, 10.0, 10.0, 10.0, 10.0]
    strategy = ScriptedStrategy(PositionPolicy(), entry_long=[1, 3], stop_distance=distances)
    rows = [FLAT, FLAT, FLAT, FLAT, (100, 102, 99, 101), FLAT]
    result = run(strategy, rows, path)
    t = only_trade(result)
    assert t["entry_time"] == ms_to_iso(T0 + 4 * HOUR) and t["stop"] == 90.0
    assert result.metrics["entries"]["entry_rows_unusable"] == 1


def test_market_fill_prices_match_the_scalar_rule() -> None:
    rng = np.random.default_rng(3)
    prices = np.exp(rng.uniform(-8, 12, 2000))
    for bps, buy in itertools.product((0.0, 0.5, 2.0, 17.3), (True, False)):
        got = market_fill_prices(prices, np.full(len(prices), buy), bps)
        want = np.array([market_fill_price(float(p), buy, bps) for p in prices])
        ulps = np.abs(got - want) / np.spacing(want)
        assert ulps.max() <= 2.0  # decimal from the shortest repr vs binary float: last bits
        assert (got >= prices).all() if buy else (got <= prices).all()


def test_resolve_exits_equals_resolve_exit_element_by_element() -> None:
    """Prices on a coarse grid so that levels, opens and extremes coincide often (the ties are
    where the rules' order matters); levels absent at random."""
    rng = np.random.default_rng(11)
    n = 20_000
    grid = rng.integers(90, 111, size=(n, 4)).astype(float)
    o, a, b = grid[:, 0], grid[:, 1], grid[:, 2]
    high, low = np.maximum(o, np.maximum(a, b)), np.minimum(o, np.minimum(a, b))
    sign = rng.choice([-1.0, 1.0], size=n)
    levels = rng.integers(88, 113, size=(n, 4)).astype(float)
    levels[rng.random((n, 4)) < 0.3] = np.nan
    stop, tp, liq, bankrupt = levels.T
    code, price = resolve_exits(sign, o, high, low, stop, tp, liq, bankrupt)
    for i in range(n):

        def level(v: float) -> float | None:
            return None if np.isnan(v) else float(v)

        want = resolve_exit(sign[i] > 0, Bar(o[i], high[i], low[i], o[i]), level(stop[i]),
                            level(tp[i]), level(liq[i]), level(bankrupt[i]))  # fmt: skip
        assert EXIT_KINDS[code[i]] == (None if want is None else want.kind), i
        if want is not None:
            assert price[i] == want.price, i
