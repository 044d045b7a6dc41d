"""Scopes: the whole account (`portfolio`) or one strategy's sleeve, by strategy id.

Breaker states, snapshots and performance rows are kept per scope, and every tier that stores
or reads them checks a scope the same way. Which strategy ids exist is not known here (the
registry in `strategies` is the one list): the caller passes the known ids in.
"""

from __future__ import annotations

from collections.abc import Iterable

from algotrading.errors import AppError

PORTFOLIO = "portfolio"
"""The scope name of the whole account (never a strategy id)."""


class UnknownStrategy(AppError, ValueError):
    """A strategy id that is not one of the known strategies."""


def check_strategy(strategy: str, known: Iterable[str]) -> str:
    """`strategy` if it is known, else `UnknownStrategy` listing the valid ids."""
    known = tuple(known)
    if strategy not in known:
        raise UnknownStrategy(f"unknown strategy {strategy!r}; expected one of {', '.join(known)}")
    return strategy


def check_scope(scope: str, known: Iterable[str]) -> str:
    """`portfolio` or a known strategy id, else `UnknownStrategy`."""
    return scope if scope == PORTFOLIO else check_strategy(scope, known)
