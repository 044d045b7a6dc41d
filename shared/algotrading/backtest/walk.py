"""Walking one symbol's signal frame forward: which positions the strategy opens, how they end.

The rules are the executor's (docs/STRATEGIES.md, "How the executor and the backtest use it"):
a signal at a bar's close enters at the next bar's open; exits come before entries, so a
position closed by a bar (intrabar or at its close) leaves that bar's entry signal free to open
the next one; an entry signal while a position is open is a hold (same side) or refused
(opposite side without an exit); rows whose values are not settled never enter.

Two paths find the same positions:

* **stepped** - for each position, `policy.open_position` then `policy.step` for every bar it
  is open, with the fill model's liquidation check before each step. Used for any policy, and
  the only one for policies with state (trailing stops, partial exits, a following target).
* **fast** (`fast.py`) - for policies whose levels are fixed at entry (stop, fixed take-profit,
  time stop, indicator exits), the exit of every candidate entry is found with numpy at once.

Either way the Python loop runs per position, never per bar of the whole history: the next
entry is found by bisecting the candidate rows after the previous exit. tests prove both paths
equal to a bar-by-bar walk with `policy.step` on real data for every strategy.
"""

from __future__ import annotations

import math
from bisect import bisect_left

import numpy as np

from algotrading.backtest import fast
from algotrading.backtest.candidates import Candidates, WalkSettings, find_candidates
from algotrading.backtest.trades import LIQUIDATION, Bars, TradeBuilder, WalkedTrades
from algotrading.domain.fills import Bar, ExitKind, market_fill_prices, resolve_exit
from algotrading.domain.positions import PositionSide, PositionState
from algotrading.strategies.base import PositionPolicy, SignalFrame, TakeProfitMode
from algotrading.strategies.policy import FillTiming, open_position, step


def is_fixed_level(policy: PositionPolicy) -> bool:
    """Levels never move after entry: the fast path applies."""
    follows = policy.take_profit is TakeProfitMode.TARGET and policy.target_follows
    return policy.trail_start is None and policy.partial_fraction is None and not follows


def walk(
    frame: SignalFrame, bars: Bars, policy: PositionPolicy, settings: WalkSettings
) -> WalkedTrades:
    """The symbol's positions over the span (see the module docstring)."""
    candidates = find_candidates(frame, bars, policy.leverage, settings)
    use_fast = settings.path == "fast" or (settings.path == "auto" and is_fixed_level(policy))
    if use_fast:
        if not is_fixed_level(policy):
            raise ValueError("the fast walk needs a policy whose levels are fixed at entry")
        return fast.walk_fixed(frame, bars, policy, candidates, settings)
    return walk_stepped(frame, bars, policy, candidates, settings)


def walk_stepped(
    frame: SignalFrame,
    bars: Bars,
    policy: PositionPolicy,
    candidates: Candidates,
    settings: WalkSettings,
) -> WalkedTrades:
    """One position after another, each stepped bar by bar while it is open."""
    out = TradeBuilder(bars.symbol)
    rows = candidates.rows.tolist()
    unusable, k, resume = 0, 0, -1
    while True:
        k = bisect_left(rows, resume, lo=k)
        if k >= len(rows):
            break
        try:
            state = open_position(
                frame.row(rows[k]),
                float(candidates.entry_price[k]),
                PositionSide.LONG if candidates.side[k] > 0 else PositionSide.SHORT,
                policy,
            )
        except ValueError:  # a level the policy needs is unusable: no entry (as live)
            unusable, k = unusable + 1, k + 1
            continue
        last = step_position(out, frame, bars, policy, candidates, k, state, settings)
        if last is None:
            break
        resume = last
    return out.build({**candidates.counts, "entry_rows_unusable": unusable})


def step_position(
    out: TradeBuilder,
    frame: SignalFrame,
    bars: Bars,
    policy: PositionPolicy,
    candidates: Candidates,
    k: int,
    state: PositionState,
    settings: WalkSettings,
) -> int | None:
    """Step candidate k's position to its end; returns the bar whose close it was decided by
    (None when it is still open when the span ends)."""
    n, trade = len(bars), len(out.rows.get("side", []))
    liq, bankrupt = float(candidates.liquidation[k]), float(candidates.bankruptcy[k])
    left, decided, until = 1.0, None, int(bars.close_ms[n - 1])
    for b in range(int(candidates.rows[k]) + 1, n):
        bar = Bar(float(bars.open[b]), float(bars.high[b]), float(bars.low[b]),
                  float(bars.close[b]))  # fmt: skip
        stop = state.active_stop()[0]
        hit = resolve_exit(state.is_long, bar, stop, None, liq, bankrupt)
        if hit is not None and hit.kind is ExitKind.LIQUIDATION:
            out.add_leg(trade, b, hit.price, state.qty_fraction, LIQUIDATION)
            left, decided, until = 0.0, b, int(bars.close_ms[b])
            break
        state, actions = step(state, bar, frame.row(b), policy)
        for action in actions:
            if action.timing is FillTiming.INTRABAR and action.price is not None:
                out.add_leg(trade, b, action.price, action.fraction, action.reason.value)
                left, until = left - action.fraction, int(bars.close_ms[b])
            elif b + 1 < n or settings.close_at_end:
                at = float(bars.open[b + 1]) if b + 1 < n else float(bars.close[b])
                price = _market_exit(at, state.is_long, settings)
                out.add_leg(trade, b + 1, price, action.fraction, action.reason.value)
                end = int(bars.start_ms[b + 1]) if b + 1 < n else int(bars.close_ms[b])
                left, until = left - action.fraction, end
        if not state.is_open:
            decided = b
            break
    closed = decided is not None and (not math.isfinite(left) or abs(left) < 1e-12)
    out.add_trade(
        side=int(candidates.side[k]), signal_bar=int(candidates.rows[k]),
        entry_bar=int(candidates.rows[k]) + 1, entry_price=float(candidates.entry_price[k]),
        stop=math.nan if state.stop is None else state.stop,
        weight=float(candidates.weight[k]),
        open_fraction=0.0 if closed else max(left, 0.0),
        held_until_ms=until if closed else int(bars.close_ms[n - 1]),
    )  # fmt: skip
    return decided if closed else None


def _market_exit(price: float, is_long: bool, settings: WalkSettings) -> float:
    """A closing market order at `price`: a long sells, a short buys (array rule, one value)."""
    one = np.array([price])
    return float(market_fill_prices(one, np.array([not is_long]), settings.slippage_bps)[0])
