"""How the account's capital is split between the strategies (the sleeves).

The default table is the registry's (`strategies.registry.default_allocation`: each strategy
declares its share; the four's are 30/20/20/30). An account may override any strategy's share in
`account_strategy_configs.allocation_pct`; a NULL there means "the default". Overrides are merged
into the default table and the *merged* table must sum to exactly 100 %: changing one share means
changing another, explicitly, so a typo can never leave capital unallocated or allocate 110 % of
it. A strategy with 0 % has a sleeve of zero and cannot open positions. Percentages are Decimals
and the sum is checked exactly (33.3333 + 33.3333 + 33.3334 is fine, 33.33 x 3 is not).

The table is a value type shared by the portfolio (sleeves), the backtest and the database layer
(an account's stored overrides), so it lives here; which strategies exist is never known here:
every table is built with the valid ids (`known`), which come from the registry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from algotrading.domain.money import HUNDRED, ZERO, Number, to_decimal
from algotrading.domain.scopes import PORTFOLIO, check_strategy
from algotrading.errors import AppError


class AllocationError(AppError, ValueError):
    """An allocation table is invalid; the message names the strategy or the bad sum."""


@dataclass(frozen=True, slots=True)
class AllocationTable:
    """Strategy id -> percent of account equity; validated on construction.

    A known strategy missing from `pcts` has 0 %. `known` is the set of valid ids (the
    registry's `sleeve_ids()` unless a backtest of custom strategies says otherwise).
    """

    pcts: tuple[tuple[str, Decimal], ...]
    known: tuple[str, ...]

    def __post_init__(self) -> None:
        entries = tuple((strategy, _pct(strategy, pct)) for strategy, pct in self.pcts)
        object.__setattr__(self, "pcts", entries)
        seen: set[str] = set()
        for strategy, pct in entries:
            if strategy == PORTFOLIO or strategy not in self.known:
                raise AllocationError(
                    f"allocation names unknown strategy {strategy!r};"
                    f" expected one of {', '.join(self.known)}"
                )
            if strategy in seen:
                raise AllocationError(f"allocation lists strategy {strategy!r} twice")
            seen.add(strategy)
            if not ZERO <= pct <= HUNDRED:
                raise AllocationError(
                    f"allocation of {strategy} must be 0..100 %, got {_show(pct)}"
                )
        total = sum((pct for _, pct in entries), ZERO)
        if total != HUNDRED:
            listing = ", ".join(f"{s} {_show(p)}" for s, p in entries) or "empty"
            raise AllocationError(f"allocation must sum to 100 %, got {_show(total)} % ({listing})")

    @classmethod
    def from_pairs(
        cls, pairs: Iterable[tuple[str, Number]], known: Iterable[str]
    ) -> AllocationTable:
        """From (strategy, percent) pairs; duplicates, unknown ids and bad sums are refused."""
        return cls(tuple(pairs), tuple(known))  # type: ignore[arg-type]

    @classmethod
    def from_mapping(cls, pcts: Mapping[str, Number], known: Iterable[str]) -> AllocationTable:
        return cls.from_pairs(pcts.items(), known)

    def with_overrides(self, overrides: Mapping[str, Number | None]) -> AllocationTable:
        """This table with some strategies' shares replaced (None keeps the current share).

        The merged table is validated as a whole, so the error names the resulting sum.
        """
        merged = dict(self.pcts)
        for strategy, pct in overrides.items():
            if strategy not in self.known:
                raise AllocationError(
                    f"allocation override names unknown strategy {strategy!r};"
                    f" expected one of {', '.join(self.known)}"
                )
            if pct is not None:
                merged[strategy] = pct  # type: ignore[assignment]
        return AllocationTable.from_mapping(merged, self.known)

    @property
    def strategies(self) -> tuple[str, ...]:
        """Every known strategy, in the table's order first (those with 0 % included)."""
        listed = [s for s, _ in self.pcts]
        return tuple(listed + [s for s in self.known if s not in listed])

    def pct(self, strategy: str) -> Decimal:
        """The strategy's share in percent (0 for a known strategy the table omits)."""
        check_strategy(strategy, self.known)
        return dict(self.pcts).get(strategy, ZERO)

    def fraction(self, strategy: str) -> Decimal:
        """The share as a fraction of 1 (30 % -> 0.3)."""
        return self.pct(strategy) / HUNDRED

    def as_dict(self) -> dict[str, Decimal]:
        return {s: self.pct(s) for s in self.strategies}


def _pct(strategy: str, value: Number) -> Decimal:
    try:
        return to_decimal(value, f"allocation of {strategy}")
    except ValueError as exc:
        raise AllocationError(str(exc)) from None


def _show(pct: object) -> str:
    """40.0000 (as NUMERIC(7,4) returns it) shown as 40."""
    return f"{pct.normalize():f}" if isinstance(pct, Decimal) else str(pct)
