"""Circuit breakers: trigger above 15 % / 25 %, resume only below 10 %, on the shadow track;
the hard floor (25 % / 35 % below the real peak) waits for an operator."""

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
from algotrading.errors import AppError, ConfigError
from algotrading.execution.thresholds import thresholds_from_settings
from algotrading.portfolio.breakers import effective_status, evaluate, statuses
from algotrading.portfolio.sleeves import TradePnl, build_ledger
from algotrading.portfolio.snapshot import take_snapshot
from algotrading.settings import load_settings
from algotrading.strategies.registry import default_allocation

D = Decimal
TH = BreakerThresholds()
ACTIVE, PAUSED, HALTED = BreakerStatus.ACTIVE, BreakerStatus.PAUSED, BreakerStatus.HALTED

# (live equity, cumulative paper PnL) -> (status after, transition kind or None)
SLEEVE_STEPS = [
    ((1000, 0), ACTIVE, None),  # peak 1000
    ((900, 0), ACTIVE, None),  # 10 %: below the 12.5 % warning level
    ((870, 0), ACTIVE, TransitionKind.WARNING),  # 13 % > 12.5 %: one warning
    ((860, 0), ACTIVE, None),  # 14 %: already warned
    ((850, 0), ACTIVE, None),  # exactly 15 %: not above the trigger
    ((840, 0), PAUSED, TransitionKind.TRIGGERED),  # 16 % > 15 %: paused, shadow track from 840
    ((840, 20), PAUSED, None),  # shadow 860: 14 %
    ((840, 40), PAUSED, None),  # shadow 880: 12 %, between resume and trigger: stays paused
    ((840, 60), PAUSED, None),  # shadow 900: exactly 10 %: not below the resume level
    ((840, 61), ACTIVE, TransitionKind.RELEASED),  # shadow 901: 9.9 % < 10 %: resumed
    ((840, 61), ACTIVE, None),  # peak re-based to live 840: no immediate re-pause
    ((751, 61), ACTIVE, None),  # 10.6 % below 840, 24.9 % below the real peak 1000
    # the hard floor: 25 % below the real peak 1000, long before a fresh 15 % from 840 (713)
    ((750, 61), PAUSED, TransitionKind.FLOOR_BREACHED),
]


def test_sleeve_hysteresis_table() -> None:
    states: dict[str, BreakerState] = {}
    for i, ((live, paper), status, kind) in enumerate(SLEEVE_STEPS):
        equity = {"trend": ScopeEquity(D(live), D(paper), D(1000))}
        states, transitions = evaluate(states, equity, TH, now_ms=i)
        assert states["trend"].status is status, f"step {i}"
        assert [t.kind for t in transitions] == ([kind] if kind else []), f"step {i}"
    assert states["trend"].peak_equity == 840 and states["trend"].shadow_base == 61
    assert states["trend"].floored and states["trend"].real_peak == 1000


def test_the_trigger_transition_carries_its_numbers() -> None:
    states, _ = evaluate({}, {"trend": ScopeEquity(D(1000))}, TH, 0)
    states, [t] = evaluate(states, {"trend": ScopeEquity(D(840), D(7))}, TH, 5)
    assert (t.scope, t.old_status, t.new_status) == ("trend", ACTIVE, PAUSED)
    assert (t.equity, t.peak_equity, t.drawdown_pct, t.threshold_pct) == (
        D(840),
        D(1000),
        D(16),
        D(15),
    )
    assert t.reason == "trend paused: drawdown 16.00 % > 15 %" and not t.close_positions
    state = states["trend"]
    assert (state.shadow_base, state.shadow_equity, state.changed_ms) == (D(7), D(840), 5)


def test_portfolio_halts_above_25_percent_and_halts_every_strategy() -> None:
    states, _ = evaluate({}, {PORTFOLIO: ScopeEquity(D(10000))}, TH, 0)
    states, events = evaluate(states, {PORTFOLIO: ScopeEquity(D(7600))}, TH, 1)
    assert [e.kind for e in events] == [TransitionKind.WARNING]  # 24 % > 17.5 %
    states, events = evaluate(states, {PORTFOLIO: ScopeEquity(D(7500))}, TH, 2)
    assert events == [] and states[PORTFOLIO].status is ACTIVE  # exactly 25 %
    states, [halt] = evaluate(states, {PORTFOLIO: ScopeEquity(D(7499))}, TH, 3)
    assert (halt.new_status, halt.close_positions) == (HALTED, False)
    for strategy in ("trend", "scalper", "carry", "momentum"):
        assert effective_status(statuses(states), strategy) is HALTED
    states, [release] = evaluate(states, {PORTFOLIO: ScopeEquity(D(7499), D(1502))}, TH, 4)
    assert release.kind is TransitionKind.RELEASED  # shadow 9001: 9.99 % < 10 %
    assert effective_status(statuses(states), "trend") is ACTIVE


def test_close_positions_on_halt_is_carried_on_the_portfolio_transition_only() -> None:
    th = BreakerThresholds(close_positions_on_halt=True)
    states, _ = evaluate({}, {PORTFOLIO: ScopeEquity(D(100)), "trend": ScopeEquity(D(30))}, th, 0)
    equities = {PORTFOLIO: ScopeEquity(D(70)), "trend": ScopeEquity(D(20))}
    _, events = evaluate(states, equities, th, 1)
    by_scope = {e.scope: e for e in events}
    assert by_scope[PORTFOLIO].close_positions and not by_scope["trend"].close_positions


def test_a_paused_strategy_stays_paused_while_the_portfolio_is_active() -> None:
    marks = {PORTFOLIO: ACTIVE, "carry": PAUSED}
    assert effective_status(marks, "carry") is PAUSED
    assert effective_status(marks, "trend") is ACTIVE


def test_warning_rearms_only_below_the_resume_level() -> None:
    seq = [(1000, None), (870, "w"), (890, None), (870, None), (905, None), (870, "w")]
    states: dict[str, BreakerState] = {}
    for i, (live, expected) in enumerate(seq):
        states, events = evaluate(states, {"scalper": ScopeEquity(D(live))}, TH, i)
        assert [e.kind for e in events] == ([TransitionKind.WARNING] if expected else []), i


def test_evaluation_is_idempotent() -> None:
    equities = {PORTFOLIO: ScopeEquity(D(7000)), "trend": ScopeEquity(D(2000), D(0), D(3000))}
    first, events = evaluate({}, equities, TH, 1)
    assert {e.scope for e in events} == {"trend"}  # first sight: peak is the base capital
    again, none = evaluate(first, equities, TH, 2)
    assert none == [] and again == first
    assert first[PORTFOLIO].peak_equity == 7000  # no base given: peak starts at the equity


def test_shadow_recovery_example_by_hand() -> None:
    """trend (30 % of 10 000 = 3000) loses 500 live and is paused at 16.67 %.

    On paper it then closes a trade for +155 - 5 fees and holds one at +80 with 2 paid in
    funding: shadow PnL 228, shadow equity 2500 + 228 = 2728, drawdown (3000 - 2728) / 3000 =
    9.07 % < 10 %: it resumes, and its peak restarts at the live 2500.
    """
    table = default_allocation()
    live_loss = [TradePnl("trend", realized_pnl=D(-490), fees=D(10))]
    ledger = build_ledger(D(10000), table, live_loss)
    first = take_snapshot(ledger, {}, TH, 1)
    assert [(t.scope, t.kind) for t in first.transitions] == [("trend", TransitionKind.TRIGGERED)]
    paper = [
        TradePnl("trend", realized_pnl=D(155), fees=D(5), is_shadow=True),
        TradePnl("trend", unrealized_pnl=D(80), funding=D(-2), is_open=True, is_shadow=True),
    ]
    halfway = take_snapshot(build_ledger(10000, table, live_loss + paper[:1]), first.states, TH, 2)
    trend_row = next(r for r in halfway.rows if r.scope == "trend")
    assert halfway.transitions == [] and trend_row.shadow_equity == D(2650)  # 11.67 %: paused
    assert trend_row.breaker_state is PAUSED and trend_row.equity == D(2500)
    later = take_snapshot(build_ledger(10000, table, live_loss + paper), first.states, TH, 3)
    [release] = later.transitions
    assert (release.kind, release.equity, release.peak_equity) == (
        TransitionKind.RELEASED,
        D(2728),
        D(3000),
    )
    assert release.drawdown_pct.quantize(D("0.0001")) == D("9.0667")
    assert later.states["trend"].peak_equity == D(2500)
    assert later.states["trend"].status is ACTIVE


def test_thresholds_are_validated_and_read_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InvalidThresholds, match=r"resume_pct \(15\) must be below") as info:
        BreakerThresholds(resume_pct=D(15))
    assert isinstance(info.value, AppError)
    with pytest.raises(InvalidThresholds, match=r"must be in \(0, 100\]"):
        BreakerThresholds(portfolio_halt_pct=D(0))
    assert (TH.warn_pct(PORTFOLIO), TH.warn_pct("trend")) == (D("17.5"), D("12.5"))
    settings = load_settings(portfolio_halt_pct="30", close_positions_on_halt=True)
    th = thresholds_from_settings(settings)
    assert (th.portfolio_halt_pct, th.sleeve_pause_pct, th.resume_pct) == (30, 15, 10)
    assert th.close_positions_on_halt
    with pytest.raises(ConfigError, match="invalid ALGO_BREAKER_RESUME_PCT: must be below"):
        load_settings(breaker_resume_pct="15")
    monkeypatch.setenv("ALGO_SLEEVE_PAUSE_PCT", "-1")
    with pytest.raises(ConfigError, match=r"invalid ALGO_SLEEVE_PAUSE_PCT: .* greater than 0"):
        load_settings()


def test_impossible_states_are_refused() -> None:
    with pytest.raises(ValueError, match="scope portfolio cannot be paused"):
        BreakerState(PORTFOLIO, PAUSED)
    with pytest.raises(ValueError, match="scope trend cannot be halted"):
        BreakerState("trend", HALTED)
