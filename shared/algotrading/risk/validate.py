"""`validate`: every risk rule applied to one proposed entry, in a fixed order.

1. the strategy must be known (else `UnknownStrategy`: a caller bug, nothing is written);
2. gates: leverage, then conflicts on the symbol: the first failing one rejects;
3. caps: max loss per trade, risk per trade, sleeve allocation, portfolio open risk: the
   smallest allowed quantity wins; zero or less rejects with that rule's code, a smaller
   positive quantity is accepted reduced (`adjusted`, the binding rule named in `reason`);
4. breakers: a halted portfolio or a paused strategy turns the (possibly reduced) entry into
   a paper trade (`shadow`), so the shadow track sizes exactly as live trading would.

Exits, stop moves and reduce-only orders never come here: lowering risk is always allowed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_DOWN, Decimal

from algotrading.domain.breaker import BreakerState, BreakerStatus
from algotrading.domain.limits import RiskLimits
from algotrading.domain.money import ZERO
from algotrading.domain.scopes import UnknownStrategy
from algotrading.portfolio.sleeves import PortfolioLedger
from algotrading.risk.rules import (
    Cap,
    cap_max_loss,
    cap_portfolio_risk,
    cap_risk_per_trade,
    cap_sleeve_allocation,
    check_breakers,
    check_conflicts,
    check_leverage,
)
from algotrading.risk.types import OpenPosition, RiskContext, RiskDecision, TradeProposal

QTY_PLACES = Decimal("1e-12")
"""Reduced quantities are rounded down to the `trades.qty` column's 12 decimals."""


def validate(proposal: TradeProposal, context: RiskContext, limits: RiskLimits) -> RiskDecision:
    """The decision on one entry; see the module docstring for the order of the rules."""
    if proposal.strategy not in context.sleeve_capital:
        known = ", ".join(sorted(context.sleeve_capital))
        raise UnknownStrategy(f"unknown strategy {proposal.strategy!r}; expected one of {known}")
    breaker = check_breakers(proposal, context)
    book = _book(context.positions, paper=breaker is not None)
    gate = check_leverage(proposal, limits) or check_conflicts(proposal, book)
    if gate is not None:
        return RiskDecision(False, ZERO, gate.code, gate.message)
    binding = _binding_cap(proposal, context, limits, book)
    qty, adjusted = proposal.qty, False
    if binding.max_qty < proposal.qty:
        qty = _plain(binding.max_qty.quantize(QTY_PLACES, rounding=ROUND_DOWN))
        adjusted = True
    if qty <= ZERO:
        return RiskDecision(False, ZERO, binding.code, binding.message)
    note = f"qty reduced from {proposal.qty} to {qty} ({binding.message})" if adjusted else None
    if breaker is not None:
        message = breaker.message + (f"; {binding.code}: {note}" if note else "")
        return RiskDecision(False, qty, breaker.code, message, adjusted, shadow=True)
    if adjusted:
        return RiskDecision(True, qty, binding.code, note, adjusted=True)
    return RiskDecision(True, qty)


def _plain(value: Decimal) -> Decimal:
    """30.000000000000 as 30, never as 3E+1 (quantities end up in order requests as text)."""
    return Decimal(f"{value.normalize():f}")


def _book(positions: Sequence[OpenPosition], paper: bool) -> list[OpenPosition]:
    return [p for p in positions if paper or not p.is_shadow]


def _binding_cap(
    p: TradeProposal, ctx: RiskContext, limits: RiskLimits, book: Sequence[OpenPosition]
) -> Cap:
    caps = [
        cap_max_loss(p, limits),
        cap_risk_per_trade(p, ctx, limits),
        cap_sleeve_allocation(p, ctx, book),
        cap_portfolio_risk(p, ctx, limits, book),
    ]
    return min((c for c in caps if c is not None), key=lambda c: c.max_qty)


def risk_context(
    ledger: PortfolioLedger,
    positions: Sequence[OpenPosition] = (),
    breakers: Mapping[str, BreakerState | BreakerStatus | str] | None = None,
) -> RiskContext:
    """The context from the sleeve ledger, the open positions and the breaker states."""
    statuses = {
        scope: str(s.status if isinstance(s, BreakerState) else BreakerStatus(s))
        for scope, s in (breakers or {}).items()
    }
    return RiskContext(
        portfolio_equity=ledger.equity,
        sleeve_capital={s: ledger.sizing_capital(s) for s in ledger.allocation.strategies},
        positions=tuple(positions),
        breakers=statuses,
    )
