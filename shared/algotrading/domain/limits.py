"""An account's risk limits (columns of `trading_accounts`), validated on construction.

Read from the account by `db.portfolio_config` and enforced by the risk rules (`risk.rules`,
`risk.validate`): a value type the database layer and the risk tier share, so it lives here.
The rules themselves stay in `risk`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from algotrading.domain.money import HUNDRED, ZERO, coerce_decimals
from algotrading.errors import AppError


class InvalidLimits(AppError, ValueError):
    """An account's risk limits are out of range; the message names the limit."""


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
        coerce_decimals(self, (*names, "max_leverage", "fee_rate"), InvalidLimits)
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
