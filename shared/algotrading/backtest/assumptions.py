"""Every assumption a run's numbers rest on, written into its result (and its stored row).

A backtest's figures mean nothing without the rules that produced them; a reader of a stored run
months later must not have to guess the fee, the slippage, how funding or sizing was done, or
which data was there. docs/BACKTESTING.md explains each entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from algotrading.backtest.config import BacktestConfig, BacktestSizing, SizingMode
from algotrading.domain.fills import MAINTENANCE_MARGIN_RATE
from algotrading.domain.timefmt import ms_to_iso
from algotrading.strategies.base import MarketHistory, Strategy


def assumptions(
    strategy: Strategy[Any],
    config: BacktestConfig,
    sizing: BacktestSizing,
    histories: Mapping[str, MarketHistory],
    data: Mapping[str, Any],
    start_ms: int,
) -> dict[str, Any]:
    policy = strategy.policy
    return {
        "interval": str(strategy.entry_interval),
        **_fills(config, policy.leverage),
        "funding": {
            "charged": "entry < settlement <= exit (an intrabar exit counts from its bar's open)",
            "amount": "quantity held x close of the last bar closed at the settlement x rate",
            "coverage": {s: _coverage(h, start_ms) for s, h in histories.items()},
        },
        "sizing": {
            **sizing.describe(),
            "equity": "starting capital + net result of the positions closed before the entry",
            "cap": None if sizing.mode is SizingMode.UNITS else "free margin x leverage / price",
            "quantity": "continuous (no lot step, no minimum order)",
        },
        "positions": (
            "one per symbol; exits before entries; an entry on the side held is a hold, one on "
            "the other side without an exit is refused"
        ),
        "warmup": "entries only on settled rows (docs/STRATEGIES.md, warm-up)",
        "open_at_end": "marked at the last close without an exit fee; not in trade statistics",
        "policy": {k: (v.value if hasattr(v, "value") else v) for k, v in asdict(policy).items()},
        "data": {
            **data,
            "open_interest": {s: h.open_interest is not None for s, h in histories.items()},
        },
        "walk": config.path,
    }


def _fills(config: BacktestConfig, leverage: float) -> dict[str, Any]:
    return {
        "fill_model": "algotrading.domain.fills (docs/fill-model.md, docs/BACKTESTING.md)",
        "timing": "signals on closed bars; what a bar's close decides fills at the next open",
        "entry": "market order at the next bar's open, moved against the taker by the slippage",
        "slippage_bps": config.slippage_bps,
        "slippage_on": ["entries", "signal exits", "time-stop exits"],
        "fee_rate": config.fee_rate,
        "fee_on": "every fill, as taker (entries, exits, stops, take-profits); not liquidations",
        "intrabar": (
            "a stop or take-profit touched in a bar fills at its level, at the open when the bar "
            "opens beyond it; a bar touching both takes the stop"
        ),
        "liquidation": {
            "margin": "isolated",
            "leverage": leverage,
            "maintenance_margin_rate": MAINTENANCE_MARGIN_RATE,
            "check": "each bar before the position policy, against the stop in force",
            "fill": "bankruptcy price, no fee",
        },
    }


def _coverage(history: MarketHistory, start_ms: int) -> dict[str, Any] | None:
    """The funding settlements the run could charge (None: no funding data: none charged)."""
    funding = history.funding
    if funding is None or len(funding) == 0:
        return None
    inside = funding.time_ms[funding.time_ms > start_ms]
    return {
        "settlements": len(inside),
        "first": ms_to_iso(int(inside[0])) if len(inside) else None,
        "last": ms_to_iso(int(inside[-1])) if len(inside) else None,
    }
