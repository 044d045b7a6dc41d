"""Momentum as specified: a basket sized by its weights at 2x, bounded by its sleeve and not cut
by the 2 % risk-per-trade cap; a blocked member's weight re-spread over the others. Expected
quantities are worked out by hand in the comments."""

from __future__ import annotations

from decimal import Decimal as D

import numpy as np
import pytest

from algotrading.backtest.portfolio.book import Candidate
from algotrading.backtest.portfolio.combine import GRID_MS, combine
from algotrading.backtest.trades import REASON_CODE
from algotrading.domain.limits import RiskLimits
from algotrading.portfolio.sleeves import build_ledger
from algotrading.risk import OpenPosition, TradeProposal, risk_context, validate
from algotrading.risk.sizing import entry_quantity, respread
from algotrading.strategies import get_strategy
from algotrading.strategies.registry import default_allocation

FEE = D("0.00055")
BASKET = {"AAAUSDT": (0.4, 100), "BBBUSDT": (0.3, 50), "CCCUSDT": (0.2, 20), "DDDUSDT": (0.1, 10)}
"""symbol -> (weight, price); each stop 15 % away (3 daily ATRs of 5 %)."""


def _propose(symbol: str, qty: D, price: D, weighted: bool = True) -> TradeProposal:
    stop = price * D("0.85")
    return TradeProposal("momentum", symbol, "long", qty, price, stop, D(2), weighted)


def test_a_four_name_basket_gets_its_weights_at_2x_not_the_risk_cap() -> None:
    # momentum's sleeve: 30 % of 10,000 = 3,000; qty = 3,000 x weight x 2 / price:
    # AAA 3000 x 0.4 x 2 / 100 = 24, BBB 3000 x 0.3 x 2 / 50 = 36,
    # CCC 3000 x 0.2 x 2 / 20 = 60, DDD 3000 x 0.1 x 2 / 10 = 60
    expected = {"AAAUSDT": D(24), "BBBUSDT": D(36), "CCCUSDT": D(60), "DDDUSDT": D(60)}
    ledger = build_ledger(D(10_000), default_allocation(), [])
    policy = get_strategy("momentum").policy
    book: list[OpenPosition] = []
    for symbol, (weight, price) in BASKET.items():
        p = D(price)
        qty = entry_quantity(policy, ledger.sizing_capital("momentum"), p, p * D("0.85"),
                             D(str(weight)), FEE, D(2))  # fmt: skip
        assert qty == expected[symbol]
        verdict = validate(_propose(symbol, qty, p), risk_context(ledger, book), RiskLimits())
        assert verdict.accepted and not verdict.adjusted and verdict.qty == expected[symbol]
        book.append(OpenPosition("momentum", symbol, "long", qty, p, p * D("0.85"), D(2)))
    # margins 24x100/2 + 36x50/2 + 60x20/2 + 60x10/2 = 1200 + 900 + 600 + 300 = 3,000: the sleeve
    assert sum(pos.margin for pos in book) == D(3000)


def test_the_same_entry_sized_by_risk_is_still_cut_to_two_percent() -> None:
    # AAA: loss at the stop per unit 15 + (100 + 85) x 0.00055 = 15.10175; 2 % of 3,000 = 60
    # allows 60 / 15.10175 = 3.9730... units, 16.6 % of the 24 the weight asks for
    ledger = build_ledger(D(10_000), default_allocation(), [])
    verdict = validate(_propose("AAAUSDT", D(24), D(100), weighted=False), risk_context(ledger),
                       RiskLimits())  # fmt: skip
    assert verdict.adjusted and verdict.code == "max_risk_per_trade"
    assert verdict.qty == pytest.approx(D(60) / D("15.10175"), abs=D("1e-11"))


def test_the_sleeve_bounds_the_basket() -> None:
    # the four members use the whole 3,000 of margin: a fifth entry has none left
    ledger = build_ledger(D(10_000), default_allocation(), [])
    book = [OpenPosition("momentum", s, "long", D(3000) * D(str(w)) * 2 / D(p), D(p), D(p) * D(
        "0.85"), D(2)) for s, (w, p) in BASKET.items()]  # fmt: skip
    verdict = validate(_propose("EEEUSDT", D(1), D(10)), risk_context(ledger, book), RiskLimits())
    assert not verdict.accepted and verdict.code == "sleeve_allocation"
    # and one weight above the sleeve (margin 3,000 x 1.5 = 4,500 > 3,000) is cut to 3,000
    alone = validate(_propose("AAAUSDT", D(90), D(100)), risk_context(ledger), RiskLimits())
    assert alone.adjusted and alone.code == "sleeve_allocation" and alone.qty == D(60)


def test_a_blocked_members_weight_is_respread_over_the_others() -> None:
    # BBB (0.3) blocked: the others hold 0.4 + 0.2 + 0.1 = 0.7 -> 4/7, 2/7, 1/7
    weights = {s: w for s, (w, _) in BASKET.items()}
    got = respread(weights, ["AAAUSDT", "CCCUSDT", "DDDUSDT"])
    assert got == {"AAAUSDT": D("0.4") / D("0.7"), "CCCUSDT": D("0.2") / D("0.7"),
                   "DDDUSDT": D("0.1") / D("0.7")}  # fmt: skip
    assert float(sum(got.values())) == pytest.approx(1.0)
    assert respread(weights, []) == {}


T0 = 1_760_000_400_000 - (1_760_000_400_000 % GRID_MS)
HOUR = 3_600_000


def _long(strategy: str, symbol: str, at: int, entry: float, weight: float, rank: int,
          leverage: float) -> Candidate:  # fmt: skip
    """A long entered at `at`, stopped 10 % lower two hours later."""
    until, stop = at + 2 * HOUR, entry * 0.9
    fee_in, fee_out = entry * float(FEE), stop * float(FEE)
    row = np.array([at, at, 1, entry, stop, weight, until, 0.0, stop - entry, fee_in + fee_out,
                    0.0, fee_in, entry])  # fmt: skip
    legs = np.array([[0, until, until - GRID_MS, stop, 1.0, REASON_CODE["stop_loss"],
                      stop - entry, fee_out]])  # fmt: skip
    marks = np.array([[at, entry], [until, stop]], dtype=float)
    order = ("trend", "scalper", "carry", "momentum").index(strategy)
    return Candidate(strategy, symbol, (order, rank), row, legs, np.empty((0, 3)), marks, leverage)


def test_the_portfolio_backtest_respreads_a_member_another_strategy_holds() -> None:
    trend = _long("trend", "BBBUSDT", T0, 50.0, np.nan, 1, 1.0)
    basket = [_long("momentum", s, T0 + HOUR, float(p), w, k, 2.0)
              for k, (s, (w, p)) in enumerate(BASKET.items())]  # fmt: skip
    done = combine([trend, *basket], 10_000.0, T0, T0 + 4 * HOUR, float(FEE), {})
    assert done.decisions["momentum"] == {"accepted": 3, "rejected:symbol_in_use": 1}
    assert [t["symbol"] for t in done.trades if t["strategy"] == "trend"] == ["BBBUSDT"]
    qty = {t["symbol"]: t["qty"] for t in done.trades if t["strategy"] == "momentum"}
    # trend's entry: 60 / (5 + 95 x 0.00055) = 11.8759 units, entry fee 50 x 0.00055 x that.
    # Sizing capital = min(sleeve equity, 30 % of the portfolio equity), each entry fee paid:
    # AAA: 0.3 x (10,000 - trend's fee) = 2,999.90 (below the sleeve's 3,000), x (4/7) x 2 / 100
    fee = 50 * 0.00055 * 60 / (5 + 95 * 0.00055)
    aaa = 0.3 * (10_000 - fee) * 8 / 700
    # CCC: the sleeve's 3,000 less AAA's entry fee (100 x 0.00055 x AAA) binds, x (2/7) x 2 / 20
    ccc = (3_000 - 100 * 0.00055 * aaa) * 4 / 140
    # DDD: less CCC's fee too (20 x 0.00055 x CCC); its weight asks C x (1/7) x 2 / 10, but
    # the fees left less margin free than that: the sleeve cap binds, (C - AAA's margin
    # 100 x AAA / 2 - CCC's margin 20 x CCC / 2) / (10 / 2)
    capital = 3_000 - 100 * 0.00055 * aaa - 20 * 0.00055 * ccc
    assert capital - 50 * aaa - 10 * ccc < capital * 2 / 70 * 5
    ddd = (capital - 50 * aaa - 10 * ccc) / 5
    assert qty["AAAUSDT"] == pytest.approx(aaa, rel=1e-9)
    assert qty["CCCUSDT"] == pytest.approx(ccc, rel=1e-9)
    assert qty["DDDUSDT"] == pytest.approx(ddd, rel=1e-9)
    assert 34.28 < qty["AAAUSDT"] < 34.29  # (3,000 x 4/7 x 2 / 100 = 34.2857 before the fee)
