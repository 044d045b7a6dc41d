"""Trading accounts as the API shows and takes them. No model carries an exchange key: the
answers say `has_keys` and nothing more.

The constraints mirror the CHECKs and the precision of the `trading_accounts` columns, so a
value the database would refuse is a 422 naming the field, never a 500.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field, StringConstraints, field_validator

from algotrading.api.schemas.common import Strict
from algotrading.db.account_admin import AccountDetail
from algotrading.exchange.bybit.client import resolve_base_url


class AccountMode(StrEnum):
    """`test`: testnet/demo money; `live`: real money; `paper`: orders never leave the book."""

    TEST = "test"
    LIVE = "live"
    PAPER = "paper"


def _base_url(value: str) -> str:
    return resolve_base_url(value)


_PRINTABLE = r"^[^\x00-\x1f\x7f]+$"  # no control characters (PostgreSQL text refuses NUL)
AccountName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=_PRINTABLE),
]
Environment = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=4, max_length=300, pattern=r"^[^\s\x00-\x1f\x7f]+$"
    ),
    AfterValidator(_base_url),
    Field(
        description="mainnet, testnet, demo, or the http(s) base URL of a Bybit-compatible API",
        examples=["testnet"],
    ),
]
Capital = Annotated[
    Decimal, Field(gt=0, max_digits=24, decimal_places=8, examples=["10000"])
]  # fmt: skip
LossCap = Annotated[
    Decimal, Field(gt=0, max_digits=24, decimal_places=8, description="USDT", examples=["200"])
]  # fmt: skip
Percent = Annotated[
    Decimal, Field(gt=0, le=100, max_digits=8, decimal_places=4, examples=["2"])
]  # fmt: skip
Leverage = Annotated[
    Decimal, Field(ge=1, le=100, max_digits=6, decimal_places=2, examples=["3"])
]  # fmt: skip
ExchangeKey = Annotated[
    str, StringConstraints(min_length=8, max_length=256, pattern=r"^[!-~]+$")
]  # fmt: skip


class AccountOut(BaseModel):
    """An account; money and percentages are decimal strings (exact, never floats)."""

    id: int
    user_id: int
    owner_email: str
    name: str
    exchange: str
    mode: AccountMode
    base_url: str
    is_active: bool
    has_keys: bool = Field(description="Exchange keys are stored (they are never shown)")
    starting_capital: Decimal | None
    max_loss_per_trade: Decimal | None
    max_risk_per_trade_pct: Decimal
    max_portfolio_risk_pct: Decimal
    max_leverage: Decimal
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, account: AccountDetail) -> AccountOut:
        values = {name: getattr(account, name) for name in AccountDetail.__slots__}
        return cls(**values)


class AccountCreate(Strict):
    """A new account of the signed-in user; limits left out take the table's defaults."""

    name: AccountName
    mode: AccountMode = AccountMode.PAPER
    environment: Environment = "testnet"
    starting_capital: Capital | None = None
    max_loss_per_trade: LossCap | None = None
    max_risk_per_trade_pct: Percent | None = None
    max_portfolio_risk_pct: Percent | None = None
    max_leverage: Leverage | None = None

    def columns(self) -> dict[str, Any]:
        values = self.model_dump(exclude_none=True)
        values["base_url"] = values.pop("environment")
        return {k: (v.value if isinstance(v, StrEnum) else v) for k, v in values.items()}


_NOT_NULL = ("name", "mode", "is_active", "max_risk_per_trade_pct", "max_portfolio_risk_pct",
             "max_leverage")  # fmt: skip


class AccountUpdate(Strict):
    """Fields left out stay as they are; `starting_capital` and `max_loss_per_trade` may be set
    to null (no capital recorded, no per-trade loss cap)."""

    name: AccountName | None = None
    mode: AccountMode | None = None
    environment: Environment | None = None
    is_active: bool | None = None
    starting_capital: Capital | None = None
    max_loss_per_trade: LossCap | None = None
    max_risk_per_trade_pct: Percent | None = None
    max_portfolio_risk_pct: Percent | None = None
    max_leverage: Leverage | None = None

    @field_validator(*_NOT_NULL, "environment", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        """Only called for fields that were sent: null may not clear a required column."""
        if value is None:
            raise ValueError("cannot be null")
        return value

    def columns(self) -> dict[str, Any]:
        values = self.model_dump(include=self.model_fields_set)
        if "environment" in values:
            values["base_url"] = values.pop("environment")
        return {k: (v.value if isinstance(v, StrEnum) else v) for k, v in values.items()}


class AccountKeys(Strict):
    """Bybit API key and secret; stored encrypted and never shown again."""

    api_key: ExchangeKey
    api_secret: ExchangeKey


class KeyCheck(BaseModel):
    """Whether the exchange accepted the stored keys (reading the wallet balance)."""

    ok: bool
    reason: str | None = Field(default=None, description="Why not, when not")
    total_equity: Decimal | None = Field(default=None, description="USD, when ok")
