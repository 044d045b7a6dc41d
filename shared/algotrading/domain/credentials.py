"""An exchange API key pair, as the trading accounts store it and the exchange clients use it.

A domain value because two tiers meet on it: `db` decrypts it out of `trading_accounts` and the
exchange adapter signs requests with it; neither should import the other to name it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ApiCredentials:
    """An exchange API key pair; the secret is kept out of `repr` so it cannot leak into a log."""

    api_key: str
    api_secret: str = field(repr=False)

    def __post_init__(self) -> None:
        if not self.api_key.strip() or not self.api_secret.strip():
            raise ValueError("API key and secret must both be non-empty")
