"""What the risk rules read and what they decide: a proposed entry, the book, a decision (the
account's limits they read are `domain.limits.RiskLimits`, shared with the database layer).

All money is Decimal (it is compared against limits that decide whether real money moves).
Invalid input is an error (`InvalidLimits`, `InvalidProposal`, `UnknownStrategy`), never a
rejection: a rejection is a legitimate "not now" that is recorded in `signals`, an error means
the caller or the configuration is wrong and nothing may be written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from algotrading.domain.money import ZERO, coerce_decimals
from algotrading.domain.positions import PositionSide
from algotrading.errors import AppError


class InvalidProposal(AppError, ValueError):
    """A proposed trade is malformed (negative qty, stop on the wrong side, ...)."""


class ReasonCode(StrEnum):
    """Stable, machine-readable reasons; the prefix of `signals.reason`."""

    MAX_LEVERAGE = "max_leverage"
    CROSS_STRATEGY_CONFLICT = "cross_strategy_conflict"
    SYMBOL_IN_USE = "symbol_in_use"
    REVERSAL_WITHOUT_EXIT = "reversal_without_exit"
    MAX_LOSS_PER_TRADE = "max_loss_per_trade"
    MAX_RISK_PER_TRADE = "max_risk_per_trade"
    SLEEVE_ALLOCATION = "sleeve_allocation"
    PORTFOLIO_RISK = "portfolio_risk"
    PORTFOLIO_HALTED = "portfolio_halted"
    STRATEGY_PAUSED = "strategy_paused"


def _side(value: str, error: type[AppError]) -> PositionSide:
    try:
        return PositionSide(value)
    except ValueError:
        raise error(f"side must be 'long' or 'short', got {value!r}") from None


@dataclass(frozen=True, slots=True)
class TradeProposal:
    """A new entry (or an exposure-increasing adjustment) a strategy wants to make.

    Every entry carries its stop-loss: the stop is what every risk rule measures.
    `weight_sized`: the quantity is the strategy's weight of its sleeve (momentum), not a risk
    budget over the stop, so the risk-per-trade cap does not apply (its protective stop is wide
    on purpose; the sleeve bounds it). See docs/RISK.md, "Which caps apply to which strategy".
    """

    strategy: str
    symbol: str
    side: PositionSide
    qty: Decimal
    entry_price: Decimal
    stop_loss: Decimal
    leverage: Decimal = Decimal(1)
    weight_sized: bool = False

    def __post_init__(self) -> None:
        if not self.strategy or not self.symbol:
            raise InvalidProposal("a trade proposal needs a strategy and a symbol")
        object.__setattr__(self, "side", _side(self.side, InvalidProposal))
        if self.stop_loss is None:
            raise InvalidProposal(f"{self.strategy} {self.symbol}: every entry needs a stop-loss")
        coerce_decimals(self, ("qty", "entry_price", "stop_loss", "leverage"), InvalidProposal)
        where = f"{self.strategy} {self.symbol}"
        if self.qty <= ZERO or self.entry_price <= ZERO or self.stop_loss <= ZERO:
            raise InvalidProposal(f"{where}: qty, entry price and stop-loss must be positive")
        if self.leverage < 1:
            raise InvalidProposal(f"{where}: leverage must be >= 1, got {self.leverage}")
        wrong = (
            self.stop_loss >= self.entry_price
            if self.side is PositionSide.LONG
            else self.stop_loss <= self.entry_price
        )
        if wrong:
            below = "below" if self.side is PositionSide.LONG else "above"
            raise InvalidProposal(
                f"{where}: a {self.side} stop-loss must be {below} the entry price"
                f" ({self.stop_loss} vs {self.entry_price})"
            )

    def unit_risk(self, fee_rate: Decimal) -> Decimal:
        """Loss per unit if the stop is hit: the price distance plus entry and exit fees."""
        return (
            abs(self.entry_price - self.stop_loss) + (self.entry_price + self.stop_loss) * fee_rate
        )

    def unit_margin(self) -> Decimal:
        return self.entry_price / self.leverage


@dataclass(frozen=True, slots=True)
class OpenPosition:
    """A position (or a pending entry) the book already holds, live or paper (`is_shadow`)."""

    strategy: str
    symbol: str
    side: PositionSide
    qty: Decimal
    entry_price: Decimal
    stop_loss: Decimal | None = None
    leverage: Decimal = Decimal(1)
    mark_price: Decimal | None = None
    is_shadow: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "side", _side(self.side, InvalidProposal))
        names = ("qty", "entry_price", "stop_loss", "leverage", "mark_price")
        coerce_decimals(self, names, InvalidProposal)
        if self.qty < ZERO or self.entry_price <= ZERO or self.leverage < 1:
            raise InvalidProposal(f"open position {self.strategy} {self.symbol} is malformed")

    @property
    def margin(self) -> Decimal:
        """Initial margin tied up: entry notional / leverage."""
        return self.qty * self.entry_price / self.leverage

    @property
    def open_risk(self) -> Decimal:
        """What it can still lose: from the mark (else the entry) to the stop, never below 0.

        A position without a stop can lose its whole isolated margin at the reference price.
        """
        ref = self.mark_price if self.mark_price is not None else self.entry_price
        if self.stop_loss is None:
            return self.qty * ref / self.leverage
        move = ref - self.stop_loss if self.side is PositionSide.LONG else self.stop_loss - ref
        return max(ZERO, move * self.qty)


@dataclass(frozen=True, slots=True)
class RiskContext:
    """The account at the moment of the decision.

    `sleeve_capital` is each strategy's sizing capital (`PortfolioLedger.sizing_capital`);
    `positions` are every open position and pending entry, live and paper; `breakers` maps a
    scope (`portfolio` or a strategy) to its breaker status (missing = active).
    """

    portfolio_equity: Decimal
    sleeve_capital: Mapping[str, Decimal]
    positions: tuple[OpenPosition, ...] = ()
    breakers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RiskDecision:
    """The verdict on a proposal.

    accepted: send it live with `qty` (possibly reduced: `adjusted`). shadow: a breaker keeps
    it off the exchange; take it on paper with `qty`. Neither: rejected outright, qty 0.
    """

    accepted: bool
    qty: Decimal
    code: ReasonCode | None = None
    message: str | None = None
    adjusted: bool = False
    shadow: bool = False

    @property
    def reason(self) -> str | None:
        """`code: human text`, what the executor writes into `signals.reason`."""
        if self.code is None:
            return None
        return f"{self.code}: {self.message}" if self.message else str(self.code)

    @property
    def signal_decision(self) -> str:
        """The `signals.decision` value: accepted only when it goes to the exchange."""
        return "accepted" if self.accepted else "rejected"
