"""Money of the walked positions per unit of initial quantity, then for their sizes.

The fill model's own functions do the arithmetic (`realized_pnl`, `trade_fee`, with numpy
arrays): price PnL of each exit leg, the taker fee of the entry and of every exit leg except a
liquidation (a bankruptcy close pays no fee, docs/fill-model.md), and the funding flows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np

from algotrading.backtest.funding import FundingFlows, per_trade
from algotrading.backtest.trades import F64, LIQUIDATION, REASON_CODE, WalkedTrades
from algotrading.domain.fills import realized_pnl, trade_fee


@dataclass(frozen=True, slots=True)
class UnitResults:
    """Per position and per unit: realized price PnL, fees, net funding; and per exit leg its
    price PnL and fee (for the equity curve, which books each leg at its bar)."""

    gross: F64
    fees: F64
    funding: F64
    entry_fee: F64
    leg_gross: F64
    leg_fee: F64

    @property
    def net(self) -> F64:
        return self.gross - self.fees + self.funding

    def select(self, keep: np.ndarray, leg_trade: np.ndarray) -> UnitResults:
        """The positions where `keep` is set (`leg_trade`: the legs' positions before)."""
        legs = keep[leg_trade]
        return UnitResults(
            self.gross[keep], self.fees[keep], self.funding[keep], self.entry_fee[keep],
            self.leg_gross[legs], self.leg_fee[legs],
        )  # fmt: skip


def unit_results(walked: WalkedTrades, flows: FundingFlows, fee_rate: float) -> UnitResults:
    n = len(walked)
    lt = walked.leg_trade
    entry = walked.entry_price[lt]
    long = walked.side[lt] > 0
    f, price = walked.leg_fraction, walked.leg_price
    leg_gross = np.where(
        long, realized_pnl(entry, price, f, True), realized_pnl(entry, price, f, False)
    )
    charged = walked.leg_reason != REASON_CODE[LIQUIDATION]
    leg_fee = np.where(charged, trade_fee(f * price, fee_rate), 0.0)
    entry_fee = trade_fee(walked.entry_price, fee_rate)
    return UnitResults(
        gross=cast(F64, np.bincount(lt, weights=leg_gross, minlength=n)),  # float64: weighted
        fees=entry_fee + np.bincount(lt, weights=leg_fee, minlength=n),
        funding=per_trade(flows, n),
        entry_fee=entry_fee,
        leg_gross=leg_gross,
        leg_fee=leg_fee,
    )
