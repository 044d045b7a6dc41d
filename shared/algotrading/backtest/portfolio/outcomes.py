"""Every candidate entry of one symbol, each walked to its end as if it were taken.

The single-strategy walk chains positions: after one position the next candidate it considers
is the first at or after that position's end. In a portfolio a candidate can be refused (the
symbol is held by another strategy, the sleeve has no capital, a risk rule), and then live the
strategy is flat and the *next* bar's signal may enter. Which candidates are taken is only
known in the combine step, so a work unit computes the outcome of every usable candidate: the
same `open_position` / `step` path (or its fixed-level fast form) the walk uses, per unit of
quantity, with funding at the real settlements. The combine step then chains them with capital.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from algotrading.backtest import fast
from algotrading.backtest.candidates import Candidates, WalkSettings, find_candidates
from algotrading.backtest.funding import FundingFlows, funding_flows
from algotrading.backtest.pnl import UnitResults, unit_results
from algotrading.backtest.trades import Bars, TradeBuilder, WalkedTrades, leg_done_ms, leg_start_ms
from algotrading.backtest.walk import is_fixed_level, step_position
from algotrading.domain.positions import PositionSide
from algotrading.domain.series import FundingHistory
from algotrading.strategies.base import PositionPolicy, SignalFrame
from algotrading.strategies.policy import open_position

TRADE_COLUMNS = (
    "signal_ms", "entry_ms", "side", "entry_price", "stop", "weight", "held_until_ms",
    "open_fraction", "gross_u", "fees_u", "funding_u", "entry_fee_u", "signal_close",
)  # fmt: skip
LEG_COLUMNS = ("trade", "booked_ms", "time_ms", "price", "fraction", "reason", "gross_u", "fee_u")
FUNDING_COLUMNS = ("trade", "time_ms", "per_unit")


@dataclass(frozen=True, slots=True)
class Outcomes:
    """One symbol's candidate trades as three float64 tables (columns above); times are exact
    in float64 (epoch ms < 2^53)."""

    trades: np.ndarray
    legs: np.ndarray
    funding: np.ndarray
    counts: dict[str, int]


def candidate_outcomes(
    frame: SignalFrame,
    bars: Bars,
    policy: PositionPolicy,
    settings: WalkSettings,
    history: FundingHistory | None,
    fee_rate: float,
) -> Outcomes:
    """The outcome of every usable candidate of the span (see the module docstring)."""
    c = find_candidates(frame, bars, policy.leverage, settings)
    if is_fixed_level(policy):
        walked = _fixed(frame, bars, policy, c, settings)
    else:
        walked = _stepped(frame, bars, policy, c, settings)
    flows = funding_flows(walked, bars, history)
    units = unit_results(walked, flows, fee_rate)
    return Outcomes(
        _trade_table(walked, bars, units),
        _leg_table(walked, bars, units),
        _funding_table(flows),
        dict(sorted(walked.counts.items())),
    )


def _fixed(
    frame: SignalFrame, bars: Bars, policy: PositionPolicy, c: Candidates, settings: WalkSettings
) -> WalkedTrades:
    """All candidates at once: levels, first touches and exits as the fast walk computes them."""
    levels = fast.fixed_levels(frame, bars, policy, c)
    hits = fast.first_touches(
        bars, c.rows + 1, levels.bound, c.side, levels.adverse, levels.take_profit
    )
    taken = np.flatnonzero(levels.usable).astype(np.int64)
    counts = {**c.counts, "entry_rows_unusable": int(len(c) - len(taken))}
    return fast.assemble(bars, c, levels, taken, hits[taken], counts, settings)


def _stepped(
    frame: SignalFrame, bars: Bars, policy: PositionPolicy, c: Candidates, settings: WalkSettings
) -> WalkedTrades:
    """Each candidate stepped bar by bar with the policy, independently of the others."""
    out = TradeBuilder(bars.symbol)
    unusable = 0
    for k in range(len(c)):
        side = PositionSide.LONG if c.side[k] > 0 else PositionSide.SHORT
        try:
            state = open_position(frame.row(int(c.rows[k])), float(c.entry_price[k]), side, policy)
        except ValueError:  # a level the policy needs is unusable: no entry (as live)
            unusable += 1
            continue
        step_position(out, frame, bars, policy, c, k, state, settings)
    return out.build({**c.counts, "entry_rows_unusable": unusable})


def _trade_table(w: WalkedTrades, bars: Bars, u: UnitResults) -> np.ndarray:
    cols = [
        bars.close_ms[w.signal_bar], bars.start_ms[w.entry_bar], w.side, w.entry_price, w.stop,
        w.weight, w.held_until_ms, w.open_fraction, u.gross, u.fees, u.funding, u.entry_fee,
        bars.close[w.signal_bar],
    ]  # fmt: skip
    return _table(cols, len(w))


def _leg_table(w: WalkedTrades, bars: Bars, u: UnitResults) -> np.ndarray:
    """Legs with the time their money is known: an intrabar fill at its bar's close, a market
    fill at its bar's open (the close of the bar that decided it)."""
    cols: list[np.ndarray] = [w.leg_trade, leg_done_ms(w, bars), leg_start_ms(w, bars),
                              w.leg_price, w.leg_fraction, w.leg_reason, u.leg_gross,
                              u.leg_fee]  # fmt: skip
    return _table(cols, len(w.leg_trade))


def _funding_table(flows: FundingFlows) -> np.ndarray:
    return _table([flows.trade, flows.time_ms, flows.per_unit], len(flows))


def _table(cols: list[np.ndarray], rows: int) -> np.ndarray:
    if rows == 0:
        return np.empty((0, len(cols)))
    return np.column_stack([np.asarray(c, dtype=np.float64) for c in cols])
