"""The sleeve ledger: each strategy's own equity, carved out of one account.

Bybit sees one wallet; the platform sees four sleeves. A sleeve's equity is

    allocation % x starting capital
    + realized PnL - fees + funding     (every live trade of the strategy, open or closed)
    + unrealized PnL                    (its open live trades, at mark)

`realized_pnl` is the price PnL only (exit - entry) x qty, *before* fees, as
`algotrading.domain.fills.realized_pnl` computes it; `fees` are what the trade paid (positive,
a maker rebate is negative) and reduce the equity; `funding` is signed (+ received, - paid).
The portfolio equity is the sum of the sleeves, i.e. starting capital + the PnL of the
platform's own trades. It deliberately ignores deposits, withdrawals and manual trades, which
would otherwise fake drawdowns and recoveries; the reconciliation compares it with the
exchange's equity (`unattributed`). Paper (shadow) trades never touch a sleeve's equity; their
net PnL is summed separately (`shadow_pnl`) for the circuit breakers' shadow track.

How much a sleeve may put at risk is `sizing_capital`: its own equity, capped by its allocation
of the *current* portfolio equity. A sleeve that has grown beyond its share cannot take over the
account (the diversification stays), and a sleeve that lost money sizes on its own smaller
equity: other sleeves' profits never refill it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from decimal import Decimal

from algotrading.domain.allocation import AllocationTable
from algotrading.domain.breaker import ScopeEquity
from algotrading.domain.money import ZERO, Number, to_decimal
from algotrading.domain.scopes import PORTFOLIO, check_strategy


@dataclass(frozen=True, slots=True)
class TradePnl:
    """One trade's money as the ledger needs it (numbers may be given as float, int or str)."""

    strategy: str
    realized_pnl: Decimal = ZERO
    unrealized_pnl: Decimal = ZERO
    fees: Decimal = ZERO
    funding: Decimal = ZERO
    is_open: bool = False
    is_shadow: bool = False

    def __post_init__(self) -> None:
        for name in ("realized_pnl", "unrealized_pnl", "fees", "funding"):
            value: Number = getattr(self, name)
            object.__setattr__(self, name, to_decimal(value, f"{name} of a {self.strategy} trade"))
        if not self.is_open and self.unrealized_pnl != ZERO:
            raise ValueError(f"a closed {self.strategy} trade cannot have unrealized PnL")

    @property
    def net_pnl(self) -> Decimal:
        """What the trade added to (or took from) its sleeve so far."""
        return self.realized_pnl + self.unrealized_pnl - self.fees + self.funding


@dataclass(frozen=True, slots=True)
class SleeveEquity:
    """One strategy's sleeve: its capital, its live PnL parts, and its paper PnL."""

    strategy: str
    allocation_pct: Decimal
    base_capital: Decimal
    realized_pnl: Decimal = ZERO
    unrealized_pnl: Decimal = ZERO
    fees: Decimal = ZERO
    funding: Decimal = ZERO
    open_positions: int = 0
    shadow_pnl: Decimal = ZERO
    shadow_open_positions: int = 0

    @property
    def equity(self) -> Decimal:
        """Base capital + realized - fees + funding + unrealized (live trades only)."""
        return (
            self.base_capital + self.realized_pnl - self.fees + self.funding + self.unrealized_pnl
        )

    @property
    def net_realized_pnl(self) -> Decimal:
        """Realized PnL after fees (what the snapshots store as realized_pnl)."""
        return self.realized_pnl - self.fees

    def add(self, trade: TradePnl) -> SleeveEquity:
        """This sleeve with one more trade booked."""
        if trade.is_shadow:
            return _replace(
                self,
                shadow_pnl=self.shadow_pnl + trade.net_pnl,
                shadow_open_positions=self.shadow_open_positions + int(trade.is_open),
            )
        return _replace(
            self,
            realized_pnl=self.realized_pnl + trade.realized_pnl,
            unrealized_pnl=self.unrealized_pnl + trade.unrealized_pnl,
            fees=self.fees + trade.fees,
            funding=self.funding + trade.funding,
            open_positions=self.open_positions + int(trade.is_open),
        )


def _replace(sleeve: SleeveEquity, **changes: object) -> SleeveEquity:
    values = {f.name: getattr(sleeve, f.name) for f in fields(sleeve)}
    return SleeveEquity(**(values | changes))


@dataclass(frozen=True, slots=True)
class PortfolioLedger:
    """All sleeves of one account at one moment."""

    starting_capital: Decimal
    allocation: AllocationTable
    sleeves: tuple[SleeveEquity, ...]

    @property
    def equity(self) -> Decimal:
        """Starting capital + net PnL of every live trade (= the sum of the sleeves)."""
        return sum((s.equity for s in self.sleeves), ZERO)

    @property
    def shadow_pnl(self) -> Decimal:
        return sum((s.shadow_pnl for s in self.sleeves), ZERO)

    def total(self, name: str) -> Decimal:
        """Sum of one SleeveEquity field over the sleeves (e.g. "unrealized_pnl")."""
        return sum((getattr(s, name) for s in self.sleeves), ZERO)

    @property
    def open_positions(self) -> int:
        return sum(s.open_positions for s in self.sleeves)

    def sleeve(self, strategy: str) -> SleeveEquity:
        check_strategy(strategy, self.allocation.known)
        return next(s for s in self.sleeves if s.strategy == strategy)

    def sizing_capital(self, strategy: str) -> Decimal:
        """min(sleeve equity, allocation x current portfolio equity), never below zero."""
        sleeve = self.sleeve(strategy)
        share = self.allocation.fraction(strategy) * self.equity
        return max(ZERO, min(sleeve.equity, share))

    def unattributed(self, exchange_equity: Decimal) -> Decimal:
        """Exchange equity minus the ledger's: deposits, withdrawals, manual or unbooked trades."""
        return exchange_equity - self.equity

    def scope_equities(self) -> dict[str, ScopeEquity]:
        """The circuit breakers' input: the portfolio and each sleeve."""
        result = {PORTFOLIO: ScopeEquity(self.equity, self.shadow_pnl, self.starting_capital)}
        for s in self.sleeves:
            result[s.strategy] = ScopeEquity(s.equity, s.shadow_pnl, s.base_capital)
        return result


def build_ledger(
    starting_capital: Number, allocation: AllocationTable, trades: Iterable[TradePnl]
) -> PortfolioLedger:
    """Book every trade into its strategy's sleeve; a trade of an unknown strategy is an error."""
    capital = to_decimal(starting_capital, "starting capital")
    if capital <= ZERO:
        raise ValueError(f"starting capital must be positive, got {capital}")
    sleeves = {
        s: SleeveEquity(s, allocation.pct(s), capital * allocation.fraction(s))
        for s in allocation.strategies
    }
    for trade in trades:
        check_strategy(trade.strategy, allocation.known)
        sleeves[trade.strategy] = sleeves[trade.strategy].add(trade)
    return PortfolioLedger(capital, allocation, tuple(sleeves.values()))
