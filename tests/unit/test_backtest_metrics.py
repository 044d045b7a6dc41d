"""Metrics, exposure and sizing worked out by hand on tiny inputs."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest
from backtest_support import FLAT_BAR, ScriptedStrategy, hourly

from algotrading.backtest import BacktestConfig, BacktestSizing, SizingMode, simulate
from algotrading.backtest.equity import attributed, exposure
from algotrading.backtest.metrics import calmar, curve_metrics, ledger_of
from algotrading.backtest.sizing import NEVER, UnitBook, size_positions, unit_risk
from algotrading.domain.intervals import DAY_MS
from algotrading.domain.positions import PositionSide
from algotrading.domain.timefmt import parse_time
from algotrading.portfolio.metrics import calmar_ratio
from algotrading.risk.types import TradeProposal
from algotrading.strategies.base import MarketHistory, PositionPolicy, SignalFrame


def test_curve_metrics_by_hand() -> None:
    t0 = parse_time("2025-01-30")
    times = t0 + np.arange(4) * DAY_MS  # Jan 30, Jan 31, Feb 1, Feb 2
    equity = np.array([10_000.0, 11_000.0, 9_900.0, 10_890.0])
    ledger = ledger_of([np.array([100.0, -50.0, 0.0])], 12.5, [np.array([-1.0, 2.0, -0.5])], 1,
                       40.0)  # fmt: skip
    m = curve_metrics(times, equity, ledger, exposure=0.25, min_annualised_days=0)
    returns = np.array([0.1, -0.1, 0.1])
    assert m["total_return"] == pytest.approx(0.089)
    assert m["max_drawdown"] == pytest.approx(0.1)
    assert m["max_drawdown_duration_days"] == pytest.approx(2.0)  # never back above 11,000
    assert m["max_drawdown_peak"] == "2025-01-31T00:00:00Z"
    assert m["max_drawdown_trough"] == "2025-02-01T00:00:00Z"
    assert m["sharpe"] == pytest.approx(returns.mean() / returns.std(ddof=1) * math.sqrt(365))
    downside = math.sqrt(np.mean(np.minimum(returns, 0) ** 2))
    assert m["sortino"] == pytest.approx(returns.mean() / downside * math.sqrt(365))
    growth = 1.089 ** (365 / 3) - 1
    assert m["cagr"] == pytest.approx(growth)
    assert m["calmar"] == pytest.approx(growth / 0.1)
    assert (m["trades"], m["wins"], m["losses"]) == (3, 1, 1)  # a break-even trade counts
    assert m["win_rate"] == pytest.approx(1 / 3)
    assert m["profit_factor"] == pytest.approx(2.0)
    assert m["expectancy"] == pytest.approx(50 / 3)
    assert (m["avg_win"], m["avg_loss"]) == (100.0, -50.0)
    assert (m["fees_paid"], m["gross_pnl"], m["open_at_end"], m["exposure"]) == (12.5, 40.0, 1,
                                                                                 0.25)  # fmt: skip
    assert (m["funding_paid"], m["funding_received"], m["funding_net"]) == (1.5, 2.0, 0.5)
    assert m["monthly_returns"] == [
        {"month": "2025-01", "return": pytest.approx(0.1)},
        {"month": "2025-02", "return": pytest.approx(10_890 / 11_000 - 1)},
    ]


def test_annualised_figures_are_withheld_under_30_days() -> None:
    """Three days at +8.9 % would be a CAGR of 1.089^(365/3) - 1, about 3e4 %: meaningless."""
    t0 = parse_time("2025-01-30")
    ledger = ledger_of([np.array([])], 0.0, [np.array([])], 0, 0.0)
    equity = np.array([10_000.0, 11_000.0, 9_900.0, 10_890.0])
    short = curve_metrics(t0 + np.arange(4) * DAY_MS, equity, ledger, exposure=0.0)
    assert [short[k] for k in ("cagr", "sharpe", "sortino", "calmar")] == [None] * 4
    assert short["annualised"] == "n/a: span under 30 days"
    assert short["total_return"] == pytest.approx(0.089)  # the rest stays
    month = curve_metrics(t0 + np.arange(4) * 10 * DAY_MS, equity, ledger, exposure=0.0)
    assert "annualised" not in month and month["cagr"] == pytest.approx(1.089 ** (365 / 30) - 1)


def test_calmar_from_parts_is_the_portfolio_definition() -> None:
    times = np.arange(50) * DAY_MS
    equity = 100 * np.exp(np.cumsum(np.random.default_rng(5).normal(0.001, 0.02, 50)))
    from algotrading.portfolio.metrics import cagr, max_drawdown

    assert calmar(cagr(times, equity), max_drawdown(times, equity).max_drawdown) == calmar_ratio(
        times, equity
    )


def test_exposure_is_the_union_of_holding_intervals_inside_the_span() -> None:
    intervals = [
        (np.array([0, 5]), np.array([10, 15])),  # overlap on one symbol's timeline
        (np.array([20, 38]), np.array([30, 45])),  # the last one runs past the end
    ]
    assert exposure(intervals, 0, 40) == pytest.approx((15 + 10 + 2) / 40)
    assert exposure([(np.array([-10]), np.array([5]))], 0, 40) == pytest.approx(5 / 40)
    assert exposure([], 0, 40) == 0.0


def test_per_symbol_curves_attribute_the_run_return() -> None:
    """Each step, the symbols' attributed returns add up to the run's; one symbol alone is the
    run. A symbol losing more than the starting capital after the run compounded keeps a
    positive curve (capital + its PnL would not)."""
    rng = np.random.default_rng(2)
    a = np.concatenate([[0.0], np.cumsum(rng.normal(150, 300, 200))])
    b = np.concatenate([[0.0], np.cumsum(rng.normal(-70, 200, 200))])
    equity = 10_000 + a + b
    ra, rb = attributed(10_000, equity, a), attributed(10_000, equity, b)
    step = np.diff(equity) / equity[:-1]
    assert np.allclose(ra[1:] / ra[:-1] - 1 + rb[1:] / rb[:-1] - 1, step, rtol=0, atol=1e-12)
    assert np.allclose(attributed(10_000, 10_000 + a, a), 10_000 + a, rtol=1e-12)
    assert b[-1] < -10_000 and (rb > 0).all()


def test_unit_risk_is_the_risk_module_loss_at_the_stop() -> None:
    got = unit_risk(np.array([100.0]), np.array([90.0]), 0.00055)[0]
    proposal = TradeProposal("trend", "BTCUSDT", PositionSide.LONG, Decimal(1), Decimal(100),
                             Decimal(90))  # fmt: skip
    assert got == pytest.approx(float(proposal.unit_risk(Decimal("0.00055"))), rel=1e-15)


def _book(**columns: list[float]) -> UnitBook:
    n = len(columns["entry_ms"])
    base = {"done_ms": [NEVER] * n, "price": [100.0] * n, "unit_risk": [10.0] * n,
            "weight": [math.nan] * n, "net_unit": [0.0] * n}  # fmt: skip
    merged = {**base, **columns}
    return UnitBook(
        entry_ms=np.array(merged["entry_ms"], dtype=np.int64),
        done_ms=np.array(merged["done_ms"], dtype=np.int64),
        price=np.array(merged["price"]),
        unit_risk=np.array(merged["unit_risk"]),
        weight=np.array(merged["weight"]),
        net_unit=np.array(merged["net_unit"]),
    )


def test_risk_sizing_uses_the_equity_of_closed_positions_and_the_free_margin() -> None:
    """1: 2 % of 10,000 over 10 per unit = 20 units. It closes at t=5 with +3 per unit, so 2
    (t=5: exits before entries) sizes on 10,060. 3 overlaps 2: only the free margin is left."""
    book = _book(entry_ms=[0, 5, 6], done_ms=[5, 9, 9], net_unit=[3.0, 0.0, 0.0],
                 unit_risk=[10.0, 10.0, 0.1])  # fmt: skip
    qty, unfunded = size_positions(
        book, BacktestSizing(SizingMode.RISK, risk_pct=2.0), 10_000.0, 1.0
    )
    assert qty[0] == pytest.approx(20.0)
    assert qty[1] == pytest.approx(10_060 * 0.02 / 10)
    assert qty[2] == pytest.approx((10_060 - qty[1] * 100) / 100)  # capped: margin left
    assert unfunded == 0


def test_weight_fraction_and_units_sizing() -> None:
    book = _book(entry_ms=[0, 0], weight=[0.25, math.nan], price=[50.0, 100.0])
    qty, unfunded = size_positions(book, BacktestSizing(SizingMode.WEIGHT), 8_000.0, 2.0)
    assert qty[0] == pytest.approx(8_000 * 0.25 * 2 / 50) and qty[1] == 0 and unfunded == 1
    qty, unfunded = size_positions(
        book, BacktestSizing(SizingMode.FRACTION, fraction=0.5), 8_000.0, 2.0
    )
    assert qty[0] == pytest.approx(8_000 * 0.5 * 2 / 50)
    assert qty[1] == pytest.approx(4_000 * 2 / 100)  # half the equity is free
    qty, _ = size_positions(book, BacktestSizing(SizingMode.UNITS, units=3.0), 8_000.0, 2.0)
    assert qty.tolist() == [3.0, 3.0]


def test_no_entries_after_ruin() -> None:
    book = _book(entry_ms=[0, 5], done_ms=[4, 9], net_unit=[-200.0, 0.0])
    qty, unfunded = size_positions(
        book, BacktestSizing(SizingMode.FRACTION, fraction=1.0), 10_000.0, 1.0
    )
    assert qty[0] == 100.0 and qty[1] == 0.0 and unfunded == 1


def test_an_entry_the_margin_cannot_fund_never_trades() -> None:
    """Two symbols enter at the same open with all the equity as margin: the second gets no
    quantity, is not a trade, and is counted."""
    strategy = ScriptedStrategy(PositionPolicy(), entry_long=[1], exit_long=[3])
    rows = [FLAT_BAR] * 4 + [(101.0, 102.0, 100.0, 101.0), FLAT_BAR]  # exit at 101
    histories = {s: MarketHistory(s, {strategy.entry_interval: hourly(rows)})
                 for s in ("AUSDT", "BUSDT")}  # fmt: skip
    config = BacktestConfig("scripted", slippage_bps=0.0,
                            sizing=BacktestSizing(SizingMode.FRACTION, fraction=1.0))  # fmt: skip
    result = simulate(strategy, histories, config)
    assert [t["symbol"] for t in result.trade_rows()] == ["AUSDT"]
    assert result.metrics["entries"]["entries_unfunded"] == 1
    assert result.metrics["per_symbol"]["BUSDT"]["trades"] == 0
    assert result.final_equity == pytest.approx(10_000 + 100 * 1.0 - 0.00055 * 100 * 201)


class TwoScripts(ScriptedStrategy):
    """A scripted strategy whose symbols have their own entry and exit bars."""

    def __init__(self, policy: PositionPolicy, scripts: dict[str, dict[str, list[int]]]) -> None:
        super().__init__(policy)
        self._scripts = {s: ScriptedStrategy(policy, **flags) for s, flags in scripts.items()}

    def symbol_signals(self, history: MarketHistory) -> SignalFrame:
        return self._scripts[history.symbol].symbol_signals(history)


@pytest.mark.parametrize(("b_signal", "b_qty"), [(3, None), (4, 89.8955)])
def test_a_stop_inside_a_bar_frees_its_margin_at_that_bar_s_close(
    b_signal: int, b_qty: float | None
) -> None:
    """AUSDT enters at bar 2's open (100) with all the equity: 10,000 x 1.0 / 100 = 100 units,
    stop 90. Bar 4 (low 85) stops it out at 90 inside the bar: -1,000, fees 5.5 + 4.95, equity
    8,989.55. BUSDT's entry at bar 4's open comes before that stop: no free margin, refused (as
    the portfolio backtest refuses it). One bar later the margin is free: 8,989.55 / 100."""
    stopped = (100.0, 101.0, 85.0, 88.0)
    rows = {"AUSDT": [FLAT_BAR] * 4 + [stopped, FLAT_BAR, FLAT_BAR], "BUSDT": [FLAT_BAR] * 7}
    strategy = TwoScripts(PositionPolicy(), {"AUSDT": {"entry_long": [1]},
                                             "BUSDT": {"entry_long": [b_signal]}})  # fmt: skip
    histories = {s: MarketHistory(s, {strategy.entry_interval: hourly(r)}) for s, r in rows.items()}
    config = BacktestConfig("scripted", slippage_bps=0.0,
                            sizing=BacktestSizing(SizingMode.FRACTION, fraction=1.0))  # fmt: skip
    result = simulate(strategy, histories, config)
    trades = result.trade_rows()
    a = next(t for t in trades if t["symbol"] == "AUSDT")
    assert a["qty"] == pytest.approx(100.0) and a["exit_price"] == pytest.approx(90.0)
    b = [t["qty"] for t in trades if t["symbol"] == "BUSDT"]
    assert b == ([] if b_qty is None else [pytest.approx(b_qty)])
    assert result.metrics["entries"]["entries_unfunded"] == (1 if b_qty is None else 0)
