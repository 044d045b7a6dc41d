"""Deterministic client order ids (Bybit's `orderLinkId`), derived from what caused the order.

The same cause always gives the same id, so a retried or duplicated evaluation can never place a
second order: Bybit refuses a known link id (110072) and the adapter resolves that to the order
that exists (docs/exchange.md). Format, at most 36 characters of `[A-Za-z0-9_-]` as Bybit allows:

    <strategy code><intent code>-<32 hex characters>

e.g. `SEL-3f2a...`: a readable prefix for people reading the exchange's order list (strategy: its
profile's `order_code`: T trend, S scalper, C carry, M momentum; intent: EL/ES entry long/short, X
exit, P partial exit, R a partial take-profit resting at the exchange, H closed by a portfolio
halt, F closed by an operator's flatten, ML/MS an operator's hand-made entry long/short) and the
first 128 bits of SHA-256 over
`account|strategy|symbol|intent|close_ms`. 128 bits make a collision between two different causes
practically impossible; the account is in the hash, so two accounts never share an id.
"""

from __future__ import annotations

import hashlib

from algotrading.exchange.types import ORDER_LINK_ID
from algotrading.strategies.registry import order_codes

INTENT_CODES = {
    "entry_long": "EL",
    "entry_short": "ES",
    "exit": "X",
    "partial_exit": "P",
    "partial_tp": "R",
    "halt": "H",
    "flatten": "F",
    "manual_long": "ML",
    "manual_short": "MS",
}


def order_link_id(account_id: int, strategy: str, symbol: str, intent: str, close_ms: int) -> str:
    """The link id of the order `intent` of `strategy` on `symbol` caused by the bar closing at
    `close_ms` in account `account_id`."""
    try:
        prefix = order_codes()[strategy] + INTENT_CODES[intent]
    except KeyError:
        raise ValueError(f"no order id for strategy {strategy!r} and intent {intent!r}") from None
    if account_id <= 0 or close_ms <= 0 or not symbol:
        raise ValueError("an order id needs a positive account, a symbol and a close time")
    cause = f"{account_id}|{strategy}|{symbol}|{intent}|{close_ms}"
    link = f"{prefix}-{hashlib.sha256(cause.encode()).hexdigest()[:32]}"
    assert ORDER_LINK_ID.match(link), link
    return link


def link_prefix(strategy: str, intent: str) -> str:
    """The readable start of every link id of `intent` by `strategy` (to recognise its rows)."""
    return f"{order_codes()[strategy]}{INTENT_CODES[intent]}-"
