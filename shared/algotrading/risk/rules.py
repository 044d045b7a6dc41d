"""The risk rules, one small function each.

Two kinds. A *gate* accepts or rejects (leverage, conflicts, breakers). A *cap* says how much
quantity the rule allows (`Cap.max_qty`); `validate` trades the smallest cap, and rejects when
it is zero or less. Every cap grows with the quantity it allows, so flooring the final quantity
to the instrument's step can only keep every limit satisfied.

`book` is the set of positions a rule looks at: the live positions for a live entry, the live
plus paper positions for an entry that a breaker sends to paper (the paper world is the live
one plus what the paused strategies would have done).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from algotrading.domain.limits import RiskLimits
from algotrading.domain.money import HUNDRED, ZERO
from algotrading.domain.scopes import PORTFOLIO
from algotrading.risk.types import OpenPosition, ReasonCode, RiskContext, TradeProposal


@dataclass(frozen=True, slots=True)
class Gate:
    """A rejection by a gate rule."""

    code: ReasonCode
    message: str


@dataclass(frozen=True, slots=True)
class Cap:
    """The most quantity a rule allows, and why."""

    code: ReasonCode
    max_qty: Decimal
    message: str


def _q(value: Decimal) -> str:
    """Money for messages: 2 decimals (the exact figures are in the decision's details)."""
    return f"{value.quantize(Decimal('0.01'))}"


def check_leverage(p: TradeProposal, limits: RiskLimits) -> Gate | None:
    """Leverage above the account's maximum is refused, never silently lowered."""
    if p.leverage > limits.max_leverage:
        return Gate(
            ReasonCode.MAX_LEVERAGE,
            f"leverage {p.leverage} exceeds the account's max_leverage {limits.max_leverage}",
        )
    return None


def check_conflicts(p: TradeProposal, book: Sequence[OpenPosition]) -> Gate | None:
    """One strategy per symbol; see docs/RISK.md, "Cross-strategy conflicts".

    Bybit one-way mode keeps one position per symbol: an opposite entry by another strategy
    would silently net out the first one's position, and even a same-side entry would share
    its single stop-loss (tpslMode=Full) and its leverage. So the newer signal is refused in
    both cases; a strategy may add to its own position but must exit before reversing it.
    """
    for pos in book:
        if pos.symbol != p.symbol or pos.qty <= ZERO:
            continue
        held = f"{pos.strategy} holds a {pos.side} {pos.symbol} position"
        if pos.strategy == p.strategy:
            if pos.side != p.side:
                return Gate(
                    ReasonCode.REVERSAL_WITHOUT_EXIT,
                    f"{held}; exit it before entering {p.side}",
                )
            continue
        if pos.side != p.side:
            return Gate(
                ReasonCode.CROSS_STRATEGY_CONFLICT,
                f"{held}; a {p.strategy} {p.side} would net it out (one-way mode)",
            )
        return Gate(
            ReasonCode.SYMBOL_IN_USE,
            f"{held}; one position, stop and leverage per symbol (one-way mode)",
        )
    return None


def cap_max_loss(p: TradeProposal, limits: RiskLimits) -> Cap | None:
    """Loss at the stop (fees included) <= the account's max_loss_per_trade (USDT)."""
    if limits.max_loss_per_trade is None:
        return None
    unit = p.unit_risk(limits.fee_rate)
    return Cap(
        ReasonCode.MAX_LOSS_PER_TRADE,
        limits.max_loss_per_trade / unit,
        f"loss at stop {_q(unit * p.qty)} USDT, max_loss_per_trade"
        f" {_q(limits.max_loss_per_trade)} USDT",
    )


def cap_risk_per_trade(p: TradeProposal, ctx: RiskContext, limits: RiskLimits) -> Cap | None:
    """Loss at the stop <= max_risk_per_trade_pct of the strategy's sizing capital.

    Not for a weight-sized entry (momentum): its size is a share of the sleeve by design, and
    measured against its wide protective stop the 2 % cap would cut a 4-name basket to about a
    quarter of its size; the sleeve allocation and portfolio-risk caps bound it instead.
    """
    if p.weight_sized:
        return None
    capital = ctx.sleeve_capital[p.strategy]
    budget = capital * limits.max_risk_per_trade_pct / HUNDRED
    unit = p.unit_risk(limits.fee_rate)
    return Cap(
        ReasonCode.MAX_RISK_PER_TRADE,
        budget / unit,
        f"loss at stop {_q(unit * p.qty)} USDT, limit {limits.max_risk_per_trade_pct} % of"
        f" {p.strategy} capital {_q(capital)} = {_q(budget)} USDT",
    )


def cap_sleeve_allocation(p: TradeProposal, ctx: RiskContext, book: Sequence[OpenPosition]) -> Cap:
    """Margin of the strategy's positions plus this one <= its sizing capital.

    With leverage capped by max_leverage this also bounds the sleeve's notional to
    capital x max_leverage.
    """
    capital = ctx.sleeve_capital[p.strategy]
    used = sum((pos.margin for pos in book if pos.strategy == p.strategy), ZERO)
    free = capital - used
    return Cap(
        ReasonCode.SLEEVE_ALLOCATION,
        free / p.unit_margin(),
        f"margin {_q(p.unit_margin() * p.qty)} USDT, {p.strategy} has {_q(max(free, ZERO))}"
        f" of {_q(capital)} USDT free",
    )


def cap_portfolio_risk(
    p: TradeProposal, ctx: RiskContext, limits: RiskLimits, book: Sequence[OpenPosition]
) -> Cap:
    """Open risk of every position plus this one <= max_portfolio_risk_pct of equity."""
    budget = ctx.portfolio_equity * limits.max_portfolio_risk_pct / HUNDRED
    open_risk = sum((pos.open_risk for pos in book), ZERO)
    unit = p.unit_risk(limits.fee_rate)
    return Cap(
        ReasonCode.PORTFOLIO_RISK,
        (budget - open_risk) / unit,
        f"open risk {_q(open_risk)} + {_q(unit * p.qty)} USDT, limit"
        f" {limits.max_portfolio_risk_pct} % of equity {_q(ctx.portfolio_equity)}"
        f" = {_q(budget)} USDT",
    )


def check_breakers(p: TradeProposal, ctx: RiskContext) -> Gate | None:
    """A halted portfolio or a paused strategy keeps the entry off the exchange (paper only)."""
    if ctx.breakers.get(PORTFOLIO, "active") == "halted":
        return Gate(ReasonCode.PORTFOLIO_HALTED, "portfolio drawdown breaker: trading on paper")
    if ctx.breakers.get(p.strategy, "active") == "paused":
        return Gate(ReasonCode.STRATEGY_PAUSED, f"{p.strategy} drawdown breaker: trading on paper")
    return None
