"""The hard floor, the real peak and external flows, on hand-computed equity paths.

The worked example of docs/RISK.md: a 100,000 peak, a halt at 74,000, a recovery on paper and
an automatic resume at 74,000. Before the hard floor the portfolio halted again only at a fresh
25 % loss from 74,000 (55,500: 44.5 % below the real peak); now it halts at 65,000 (35 %).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from algotrading.domain.breaker import (
    BreakerState,
    BreakerStatus,
    BreakerThresholds,
    InvalidThresholds,
    ScopeEquity,
    TransitionKind,
)
from algotrading.domain.scopes import PORTFOLIO
from algotrading.portfolio.breakers import (
    ExternalFlow,
    InvalidFlow,
    MissingOperator,
    apply_flow,
    apply_override,
    evaluate,
)
from algotrading.portfolio.sleeves import TradePnl, build_ledger
from algotrading.portfolio.snapshot import take_snapshot
from algotrading.strategies.registry import default_allocation

D = Decimal
TH = BreakerThresholds()
ACTIVE, PAUSED, HALTED = BreakerStatus.ACTIVE, BreakerStatus.PAUSED, BreakerStatus.HALTED
TABLE = default_allocation()


def _portfolio_row(trades: list[TradePnl], states: dict[str, BreakerState], at: int):
    result = take_snapshot(build_ledger(D(100_000), TABLE, trades), states, TH, at)
    return result, next(r for r in result.rows if r.scope == PORTFOLIO)


def test_the_worked_example_halts_at_the_hard_floor_with_the_truth_in_the_snapshot() -> None:
    lost = [TradePnl("momentum", realized_pnl=D(-26_000))]  # 100,000 -> 74,000
    first, row = _portfolio_row([], {}, 1)
    halt, row = _portfolio_row(lost, first.states, 2)
    assert [(t.scope, t.kind) for t in halt.transitions if t.scope == PORTFOLIO] == [
        (PORTFOLIO, TransitionKind.TRIGGERED)  # 26 % > 25 %
    ]
    # on paper the strategies make 17,000: shadow 91,000, 9 % < 10 %: resumed at live 74,000
    paper = [TradePnl("momentum", realized_pnl=D(17_000), is_shadow=True)]
    resume, row = _portfolio_row(lost + paper, halt.states, 3)
    assert any(
        t.scope == PORTFOLIO and t.kind is TransitionKind.RELEASED for t in resume.transitions
    )
    assert resume.states[PORTFOLIO].peak_equity == D(74_000)
    # an open loss of 4,000 (unrealized): 70,000. The breaker sees 5.41 % from its 74,000; the
    # snapshot also shows the truth: 30 % below the real peak of 100,000
    open_loss = [TradePnl("momentum", unrealized_pnl=D(-4_000), is_open=True)]
    later, row = _portfolio_row(lost + paper + open_loss, resume.states, 4)
    assert (row.breaker_state, row.equity, row.real_peak, row.real_drawdown_pct) == (
        ACTIVE, D(70_000), D(100_000), D(30))  # fmt: skip
    assert (row.breaker_reference, row.breaker_drawdown_pct) == (D(74_000), D("5.405405"))
    # 65,000.01: 34.99999 % below the real peak, still active
    almost = [TradePnl("momentum", unrealized_pnl=D("-8999.99"), is_open=True)]
    near, row = _portfolio_row(lost + paper + almost, later.states, 5)
    assert row.breaker_state is ACTIVE
    # 65,000: the hard floor (35 % below 100,000), not the fresh 25 % from 74,000 (55,500)
    floor = [TradePnl("momentum", unrealized_pnl=D(-9_000), is_open=True)]
    hit, row = _portfolio_row(lost + paper + floor, near.states, 6)
    [t] = [t for t in hit.transitions if t.scope == PORTFOLIO]
    assert (t.kind, t.new_status, t.equity, t.peak_equity, t.drawdown_pct, t.threshold_pct) == (
        TransitionKind.FLOOR_BREACHED, HALTED, D(65_000), D(100_000), D(35), D(35))  # fmt: skip
    assert (row.breaker_state, row.real_peak, row.real_drawdown_pct) == (
        HALTED, D(100_000), D(35))  # fmt: skip
    assert hit.states[PORTFOLIO].floored


def test_a_floored_scope_waits_for_an_operator_who_re_bases_the_floor() -> None:
    states, _ = evaluate({}, {"trend": ScopeEquity(D(1000))}, TH, 0)
    states, [t] = evaluate(states, {"trend": ScopeEquity(D(700))}, TH, 1)  # 30 % >= 25 %
    assert (t.kind, states["trend"].status) == (TransitionKind.FLOOR_BREACHED, PAUSED)
    # a perfect shadow track (1,000, 0 %) does not resume it
    states, events = evaluate(states, {"trend": ScopeEquity(D(700), D(300))}, TH, 2)
    assert events == [] and states["trend"].status is PAUSED
    with pytest.raises(MissingOperator, match="needs a reason"):
        apply_override(states["trend"], "force_resume", ScopeEquity(D(700)), TH, 3, actor="ops")
    resumed, [r] = apply_override(states["trend"], "force_resume", ScopeEquity(D(700), D(300)),
                                  TH, 3, actor="ops", note="strategy reviewed")  # fmt: skip
    assert (resumed.status, resumed.floored, resumed.floor_peak, resumed.peak_equity) == (
        ACTIVE, False, D(700), D(700))  # fmt: skip
    assert (resumed.real_peak, resumed.resumed_by, resumed.resumed_reason) == (
        D(1000), "ops", "strategy reviewed")  # fmt: skip
    assert r.reason == (
        "trend force_resume by ops: strategy reviewed; hard floor re-based to live equity 700"
    )
    # the new floor: 25 % below 700 = 525; the soft rule first: 15 % below 700 = 595
    states, [soft] = evaluate({"trend": resumed}, {"trend": ScopeEquity(D(594))}, TH, 4)
    assert soft.kind is TransitionKind.TRIGGERED
    states, [hard] = evaluate(states, {"trend": ScopeEquity(D(525))}, TH, 5)
    assert (hard.kind, hard.peak_equity, hard.drawdown_pct) == (
        TransitionKind.FLOOR_BREACHED, D(700), D(25))  # fmt: skip


def test_after_an_auto_resume_a_fresh_soft_loss_trips_inside_the_floor() -> None:
    states, _ = evaluate({}, {"trend": ScopeEquity(D(1000))}, TH, 0)
    states, _ = evaluate(states, {"trend": ScopeEquity(D(840))}, TH, 1)  # 16 %: paused
    # open live positions recover to 950 while paused; shadow 950 + 0: 5 %: resumed at 950
    states, [r] = evaluate(states, {"trend": ScopeEquity(D(950))}, TH, 2)
    assert r.kind is TransitionKind.RELEASED and states["trend"].peak_equity == D(950)
    # 807: 15.05 % below 950 (soft), 19.3 % below the real peak (inside the 25 % floor)
    states, [t] = evaluate(states, {"trend": ScopeEquity(D(807))}, TH, 3)
    assert (t.kind, t.real_peak, t.real_drawdown_pct) == (
        TransitionKind.TRIGGERED, D(1000), D("19.3"))  # fmt: skip


def test_a_withdrawal_is_not_a_loss_and_a_flow_counts_once() -> None:
    states, _ = evaluate({}, {PORTFOLIO: ScopeEquity(D(100_000))}, TH, 0)
    states, _ = evaluate(states, {PORTFOLIO: ScopeEquity(D(80_000))}, TH, 1)  # 20 %: active
    flow = ExternalFlow(D(-40_000), 2)
    state = apply_flow(states[PORTFOLIO], flow, D(80_000))
    # every peak scaled by 40,000 / 80,000: the drawdown stays 20 % (a shift by the amount
    # would make it 40,000 of 60,000, 33 %, and halt the portfolio for taking money out)
    assert (state.real_peak, state.floor_peak, state.peak_equity) == (
        D(50_000), D(50_000), D(50_000))  # fmt: skip
    assert state.real_drawdown_pct(ScopeEquity(D(40_000))) == D(20)
    states, events = evaluate({PORTFOLIO: state}, {PORTFOLIO: ScopeEquity(D(40_000))}, TH, 3)
    assert events == [] and states[PORTFOLIO].status is ACTIVE
    assert apply_flow(state, flow, D(40_000)) == state  # the same flow again: already applied
    deposit = apply_flow(state, ExternalFlow(D(10_000), 4), D(40_000))
    assert (deposit.real_peak, deposit.last_flow_ms) == (D(62_500), 4)  # 50,000 x 50/40
    with pytest.raises(InvalidFlow, match="leaves 0"):
        apply_flow(state, ExternalFlow(D(-40_000), 5), D(40_000))
    with pytest.raises(InvalidFlow, match="no flow"):
        ExternalFlow(D(0), 6)


def test_the_floor_must_lie_beyond_the_trigger() -> None:
    with pytest.raises(InvalidThresholds, match=r"sleeve_floor_pct \(15\) must be above"):
        BreakerThresholds(sleeve_floor_pct=D(15))
    assert (TH.floor_pct(PORTFOLIO), TH.floor_pct("carry")) == (D(35), D(25))
