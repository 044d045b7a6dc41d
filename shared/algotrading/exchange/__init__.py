"""The exchange port (`ExchangeService`), its unified types and typed errors.

Adapters live in sub-packages (`algotrading.exchange.bybit`); import them where an exchange is
actually opened (`algotrading.exchange.factory`), so that code needing only the types does not
import an HTTP stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from algotrading.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from algotrading.exchange.errors import (
        AuthenticationError,
        ClockSkew,
        DuplicateOrderLinkId,
        ExchangeError,
        ExchangeRejected,
        ExchangeTimeout,
        ExchangeUnavailable,
        InsufficientBalance,
        InvalidRequest,
        LeverageOutOfRange,
        NotModified,
        OrderBelowMinimum,
        OrderNotFound,
        OrderOutcomeUnknown,
        RateLimited,
        UnexpectedResponse,
        UnknownSymbol,
    )
    from algotrading.exchange.port import ExchangeService
    from algotrading.exchange.ratelimit import RateLimiter, configure_shared_limiter, shared_limiter
    from algotrading.exchange.retry import RetryPolicy
    from algotrading.exchange.types import (
        AccountInfo,
        Balance,
        ExchangePosition,
        Execution,
        FundingRate,
        FundingSettlement,
        OpenInterest,
        Order,
        OrderRequest,
        OrderSide,
        OrderStatus,
        OrderType,
        SymbolInfo,
        Ticker,
        TimeInForce,
    )

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "algotrading.exchange.errors": (
            "AuthenticationError",
            "ClockSkew",
            "DuplicateOrderLinkId",
            "ExchangeError",
            "ExchangeRejected",
            "ExchangeTimeout",
            "ExchangeUnavailable",
            "InsufficientBalance",
            "InvalidRequest",
            "LeverageOutOfRange",
            "NotModified",
            "OrderBelowMinimum",
            "OrderNotFound",
            "OrderOutcomeUnknown",
            "RateLimited",
            "UnexpectedResponse",
            "UnknownSymbol",
        ),
        "algotrading.exchange.port": ("ExchangeService",),
        "algotrading.exchange.ratelimit": (
            "RateLimiter",
            "configure_shared_limiter",
            "shared_limiter",
        ),
        "algotrading.exchange.retry": ("RetryPolicy",),
        "algotrading.exchange.types": (
            "AccountInfo",
            "Balance",
            "ExchangePosition",
            "Execution",
            "FundingRate",
            "FundingSettlement",
            "OpenInterest",
            "Order",
            "OrderRequest",
            "OrderSide",
            "OrderStatus",
            "OrderType",
            "SymbolInfo",
            "Ticker",
            "TimeInForce",
        ),
    },
)

__all__ = [
    "AccountInfo",
    "AuthenticationError",
    "Balance",
    "ClockSkew",
    "DuplicateOrderLinkId",
    "ExchangeError",
    "ExchangePosition",
    "ExchangeRejected",
    "ExchangeService",
    "ExchangeTimeout",
    "ExchangeUnavailable",
    "Execution",
    "FundingRate",
    "FundingSettlement",
    "InsufficientBalance",
    "InvalidRequest",
    "LeverageOutOfRange",
    "NotModified",
    "OpenInterest",
    "Order",
    "OrderBelowMinimum",
    "OrderNotFound",
    "OrderOutcomeUnknown",
    "OrderRequest",
    "OrderSide",
    "OrderStatus",
    "OrderType",
    "RateLimited",
    "RateLimiter",
    "RetryPolicy",
    "SymbolInfo",
    "Ticker",
    "TimeInForce",
    "UnexpectedResponse",
    "UnknownSymbol",
    "configure_shared_limiter",
    "shared_limiter",
]
