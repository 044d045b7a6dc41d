"""Typed exchange errors, independent of any one exchange.

The split that matters to a caller holding real money:

* `ExchangeRejected` (and subclasses): the exchange definitively refused; nothing happened. These
  are also `AppError`s, so the CLI and API show them as one line: the user can fix them.
* `RateLimited`, `ExchangeUnavailable`, `ClockSkew`: transient; a read may simply be retried.
* `ExchangeTimeout`: no answer. For a write the outcome is *unknown*: it may have happened.
* `OrderOutcomeUnknown`: `place_order` could not learn whether its order exists. Retrying with
  the *same* `order_link_id` is safe (a duplicate resolves to the existing order); a new id is not.

Messages never contain keys or secrets; they name the retCode so a log line can be traced.
"""

from __future__ import annotations

from algotrading.errors import AppError


class ExchangeError(Exception):
    """Base of every exchange failure; `code` is the exchange's retCode or HTTP status if any."""

    retryable: bool = False

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(" ".join(message.split()))
        self.code = code


class RateLimited(ExchangeError):
    """Too many requests; `retry_after_s` is when the exchange says the window resets."""

    retryable = True

    def __init__(
        self, message: str, *, code: int | None = None, retry_after_s: float | None = None
    ) -> None:
        super().__init__(message, code=code)
        self.retry_after_s = retry_after_s


class ExchangeUnavailable(ExchangeError):
    """Server error, HTTP 5xx, or an answer that is not the JSON we expect."""

    retryable = True


class ExchangeTimeout(ExchangeUnavailable):
    """No (complete) answer: for a write, the request may or may not have taken effect."""


class ClockSkew(ExchangeError):
    """Our timestamp fell outside the receive window; resynchronising the clock fixes it."""

    retryable = True


class UnexpectedResponse(ExchangeError):
    """The answer lacks a field or holds a value we do not know: refuse rather than guess."""


class NotModified(ExchangeError):
    """The requested setting was already in place (e.g. leverage unchanged): not a failure."""


class DuplicateOrderLinkId(ExchangeError):
    """An order with this order_link_id already exists; place_order resolves it to that order."""


class OrderOutcomeUnknown(ExchangeError):
    """place_order could not establish whether the order exists (see the module docstring)."""

    def __init__(self, message: str, *, order_link_id: str, code: int | None = None) -> None:
        super().__init__(message, code=code)
        self.order_link_id = order_link_id


class ExchangeRejected(ExchangeError, AppError):
    """The exchange refused the request; nothing changed."""


class AuthenticationError(ExchangeRejected):
    """Missing, wrong, expired or under-privileged API key, or a bad signature (wrong secret)."""


class InsufficientBalance(ExchangeRejected):
    """Not enough available balance for the order."""


class OrderNotFound(ExchangeRejected):
    """No such (active) order."""


class InvalidRequest(ExchangeRejected):
    """A parameter is wrong; raised locally too, before anything is sent."""


class UnknownSymbol(InvalidRequest):
    """The symbol is not a USDT perpetual the exchange lists."""


class OrderBelowMinimum(InvalidRequest):
    """Quantity below the minimum (after rounding to the step) or notional below the minimum."""


class LeverageOutOfRange(InvalidRequest):
    """Leverage below the instrument's minimum or above its maximum."""
