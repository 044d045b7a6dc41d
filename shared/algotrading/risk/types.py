"""What the risk rules read and what they decide: limits, a proposed entry, the book, a decision.

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

from algotrading.domain.money import HUNDRED, ZERO, Number, to_decimal
from algotrading.errors import AppError


class InvalidLimits(AppError, ValueError):
    """An account's risk limits are out of range; the message names the limit."""


class InvalidProposal(AppError, ValueError):
    """A proposed trade is malformed (negative qty, stop on the wrong side, ...)."""


class PositionSide(StrEnum):
    """Matches the CHECK constraint of `trades.side`."""

    LONG = "long"
    SHORT = "short"


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


def _decimals(obj: object, names: tuple[str, ...], error: type[AppError]) -> None:
    for name in names:
        value: Number | None = getattr(obj, name)
        if value is None:
            continue
        try:
            object.__setattr__(obj, name, to_decimal(value, name))
        except ValueError as exc:
            raise error(str(exc)) from None


@dataclass(frozen=True, slots=True)
class RiskLimits:
    """An account's limits (columns of `trading_accounts`); defaults match the schema's.

    `max_loss_per_trade` None means no absolute cap (the column is nullable). `fee_rate` is the
    taker rate added to the loss at the stop (entry and exit), Bybit's 0.055 % by default.
    """

    max_loss_per_trade: Decimal | None = None
    max_risk_per_trade_pct: Decimal = Decimal(2)
    max_portfolio_risk_pct: Decimal = Decimal(10)
    max_leverage: Decimal = Decimal(3)
    fee_rate: Decimal = Decimal("0.00055")

    def __post_init__(self) -> None:
        names = ("max_loss_per_trade", "max_risk_per_trade_pct", "max_portfolio_risk_pct")
        _decimals(self, (*names, "max_leverage", "fee_rate"), InvalidLimits)
        if self.max_loss_per_trade is not None and self.max_loss_per_trade <= ZERO:
            raise InvalidLimits(f"max_loss_per_trade must be > 0, got {self.max_loss_per_trade}")
        for name in ("max_risk_per_trade_pct", "max_portfolio_risk_pct"):
            value = getattr(self, name)
            if not ZERO < value <= HUNDRED:
                raise InvalidLimits(f"{name} must be in (0, 100], got {value}")
        if self.max_risk_per_trade_pct > self.max_portfolio_risk_pct:
            raise InvalidLimits(
                f"max_risk_per_trade_pct ({self.max_risk_per_trade_pct}) must not exceed"
                f" max_portfolio_risk_pct ({self.max_portfolio_risk_pct})"
            )
        if not Decimal(1) <= self.max_leverage <= HUNDRED:
            raise InvalidLimits(f"max_leverage must be in [1, 100], got {self.max_leverage}")
        if not ZERO <= self.fee_rate < Decimal("0.01"):
            raise InvalidLimits(f"fee_rate must be in [0, 0.01), got {self.fee_rate}")


def _side(value: object, error: type[AppError]) -> PositionSide:
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
        _decimals(self, ("qty", "entry_price", "stop_loss", "leverage"), InvalidProposal)
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
        _decimals(self, names, InvalidProposal)
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
