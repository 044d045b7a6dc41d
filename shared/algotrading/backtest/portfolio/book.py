"""The combine step's state: open positions (live and paper) and each sleeve's running money.

Money is booked when it is known, in time order: the entry fee at the entry, each exit leg at
the close that decides it (`outcomes.LEG_COLUMNS`), each funding settlement at its time; the
prices and money are the position's own, worked out when it was taken (`pricing`). Open
positions are marked at the last close at or before the moment asked (the symbol's finest
candles, `units.mark_closes`).
Paper (shadow) positions book into the sleeve's shadow PnL only, as the live ledger does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np

from algotrading.backtest.portfolio.pricing import FEE, GROSS, PRICE, QTY, Priced
from algotrading.backtest.trades import REASONS
from algotrading.domain.allocation import AllocationTable
from algotrading.domain.money import ZERO
from algotrading.domain.positions import PositionSide
from algotrading.portfolio.sleeves import PortfolioLedger, TradePnl, build_ledger
from algotrading.risk.types import OpenPosition


@dataclass
class Candidate:
    """One candidate trade of a sleeve, per unit of quantity (a row of the unit's tables)."""

    strategy: str
    symbol: str
    rank: tuple[int, int]
    row: np.ndarray
    legs: np.ndarray
    funding: np.ndarray
    marks: np.ndarray
    leverage: float


@dataclass
class BookPosition:
    """A taken candidate with its quantity, priced as the executor's fills (`pricing`); legs and
    settlements are booked as time passes."""

    c: Candidate
    qty: float
    shadow: bool
    priced: Priced
    open_fraction: float = 1.0
    left: float = field(init=False)
    """The quantity still open (the entry less the legs booked, each on the lot)."""
    next_leg: int = 0
    next_flow: int = 0
    mark_at: int = 0
    booked: dict[str, float] = field(default_factory=lambda: {"gross": 0.0, "fees": 0.0,
                                                              "funding": 0.0})  # fmt: skip

    def __post_init__(self) -> None:
        self.left = self.qty

    @property
    def side(self) -> int:
        return int(self.c.row[2])

    @property
    def entry_price(self) -> float:
        return self.priced.entry

    @property
    def held_until_ms(self) -> int:
        return int(self.c.row[6])

    def mark(self, now_ms: int) -> float:
        """The last close of the symbol's candles at or before `now_ms` (the entry price before
        the first one)."""
        times = self.c.marks[:, 0]
        while self.mark_at < len(times) and times[self.mark_at] <= now_ms:
            self.mark_at += 1
        return self.entry_price if self.mark_at == 0 else float(self.c.marks[self.mark_at - 1, 1])

    def unrealized(self, now_ms: int) -> float:
        return self.side * (self.mark(now_ms) - self.entry_price) * self.left

    def as_risk_position(self, now_ms: int) -> OpenPosition:
        stop = self.priced.stop
        return OpenPosition(
            self.c.strategy, self.c.symbol,
            PositionSide.LONG if self.side > 0 else PositionSide.SHORT,
            Decimal(repr(max(self.left, self.qty * 1e-12))),
            Decimal(repr(self.entry_price)),
            Decimal(repr(stop)) if np.isfinite(stop) and stop > 0 else None,
            Decimal(repr(self.c.leverage)), Decimal(repr(self.mark(now_ms))), self.shadow,
        )  # fmt: skip

    def trade_row(self) -> dict[str, Any]:
        """The trade as the result lists it (legs booked so far, at their priced fills)."""
        legs, priced = self.c.legs[: self.next_leg], self.priced.legs[: self.next_leg]
        done = self.open_fraction <= 1e-12
        reasons = "+".join(REASONS[int(r)] for r in legs[:, 5])
        shares = priced[:, QTY].sum()
        exit_price = float((priced[:, PRICE] * priced[:, QTY]).sum() / shares) if shares else None
        pnl = self.booked["gross"] - self.booked["fees"] + self.booked["funding"]
        return {
            "strategy": self.c.strategy, "symbol": self.c.symbol,
            "side": "long" if self.side > 0 else "short", "qty": self.qty,
            "shadow": self.shadow, "signal_ms": int(self.c.row[0]),
            "entry_ms": int(self.c.row[1]), "entry_price": self.entry_price,
            "stop": self.priced.stop, "exit_ms": int(legs[-1, 2]) if done else None,
            "exit_price": exit_price if done else None, "exit_reason": reasons or None,
            "gross_pnl": self.booked["gross"], "fees": self.booked["fees"],
            "funding": self.booked["funding"], "pnl": pnl if done else None, "open": not done,
            "exits": [
                {"time_ms": int(leg[2]), "price": float(p[PRICE]), "fraction": float(leg[4]),
                 "reason": REASONS[int(leg[5])]}
                for leg, p in zip(legs, priced, strict=True)
            ],
        }  # fmt: skip


@dataclass
class Sleeve:
    """One strategy's booked money: live (realized price PnL, fees, funding) and paper (net)."""

    gross: float = 0.0
    fees: float = 0.0
    funding: float = 0.0
    shadow_net: float = 0.0

    def book(self, shadow: bool, gross: float, fees: float, funding: float) -> None:
        if shadow:
            self.shadow_net += gross - fees + funding
            return
        self.gross += gross
        self.fees += fees
        self.funding += funding


def book_until(position: BookPosition, sleeve: Sleeve, now_ms: int) -> None:
    """Book the position's legs and settlements known by `now_ms`."""
    legs, flows, qty = position.c.legs, position.c.funding, position.qty
    while position.next_leg < len(legs) and legs[position.next_leg, 1] <= now_ms:
        priced = position.priced.legs[position.next_leg]
        gross, fee = float(priced[GROSS]), float(priced[FEE])
        sleeve.book(position.shadow, gross, fee, 0.0)
        position.booked["gross"] += gross
        position.booked["fees"] += fee
        position.open_fraction -= float(legs[position.next_leg, 4])
        position.left -= float(priced[QTY])
        position.next_leg += 1
    while position.next_flow < len(flows) and flows[position.next_flow, 1] <= now_ms:
        amount = float(flows[position.next_flow, 2]) * qty
        sleeve.book(position.shadow, 0.0, 0.0, amount)
        position.booked["funding"] += amount
        position.next_flow += 1


def ledger_at(
    capital: float,
    allocation: AllocationTable,
    sleeves: dict[str, Sleeve],
    positions: list[BookPosition],
    now_ms: int,
) -> PortfolioLedger:
    """The live sleeve ledger (`portfolio.build_ledger`) from each sleeve's booked money and
    its positions marked at `now_ms`: one aggregated live and one paper trade per sleeve."""
    unreal = {s: [0.0, 0.0] for s in sleeves}
    count = {s: [0, 0] for s in sleeves}
    for p in positions:
        unreal[p.c.strategy][int(p.shadow)] += p.unrealized(now_ms)
        count[p.c.strategy][int(p.shadow)] += 1
    trades = []
    for name, s in sleeves.items():
        live_open, paper_open = count[name][0] > 0, count[name][1] > 0
        trades.append(TradePnl(name, _dec(s.gross), _dec(unreal[name][0]) if live_open else ZERO,
                               _dec(s.fees), _dec(s.funding), is_open=live_open))  # fmt: skip
        paper = s.shadow_net + unreal[name][1]
        trades.append(
            TradePnl(name, _dec(paper), ZERO, ZERO, ZERO, is_shadow=True, is_open=paper_open)
        )
    return build_ledger(repr(capital), allocation, trades)


def _dec(value: float) -> Decimal:
    """A float as the ledger books it: the Decimal of its shortest repr (`to_decimal`'s rule)."""
    return Decimal(repr(value))
