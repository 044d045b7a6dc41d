"""Typed, range-checked strategy parameters, overridable per trading account.

Each strategy's parameters are a frozen pydantic model whose defaults are the reference rules
(docs/STRATEGIES.md). Accounts override them through `account_strategy_configs.params` (JSON), so
the overrides arrive as plain JSON values and must be checked before any of them is used: an
unknown name (a typo would otherwise silently keep the default), a value out of range (a negative
ATR multiple would put the stop on the wrong side of the entry) or of the wrong type (the string
"2" for a multiple, 2.5 for a bar count) raises `StrategyConfigError`, a `ValueError` whose one-line
message names the strategy and the parameter. Validation is strict (no coercion of "2" to 2.0 or
of true to 1), except that a whole number is accepted where a float is expected, as JSON writes 2
for 2.0. Nothing is half-applied: the overrides produce a new object or an error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, ValidationError

from algotrading.errors import AppError

_SHOULD = re.compile(r"^\w+ should ")
"""pydantic's "Input should be ..." reads "must be ..." after the parameter's name."""


class StrategyConfigError(AppError, ValueError):
    """A strategy name, parameter or value that cannot be used; the message names it.

    An `AppError` so the CLI and API show it as one line (exit 2 / HTTP 4xx), and a `ValueError`
    for library callers."""


class StrategyParams(BaseModel):
    """Base of every strategy's parameters: frozen, strict, no unknown fields, no NaN/inf."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, allow_inf_nan=False)

    strategy_id: ClassVar[str] = "strategy"
    """Used in error messages; each subclass sets its strategy's id."""

    @classmethod
    def build(cls, overrides: Mapping[str, Any] | None = None) -> Self:
        """Defaults with `overrides` applied; `StrategyConfigError` names the first bad one."""
        values = dict(overrides or {})
        for name in values:
            if not isinstance(name, str) or name not in cls.model_fields:
                valid = ", ".join(cls.model_fields)
                raise StrategyConfigError(
                    f"{cls.strategy_id}: unknown parameter {name!r}; valid parameters: {valid}"
                )
        try:
            return cls(**values)
        except ValidationError as exc:
            raise StrategyConfigError(_describe(cls.strategy_id, exc, values)) from None

    def with_overrides(self, overrides: Mapping[str, Any] | None) -> Self:
        """These parameters with `overrides` applied on top (validated as a whole)."""
        return self.build({**self.model_dump(), **dict(overrides or {})})

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready values, e.g. for the strategies API and the signal log."""
        return self.model_dump(mode="json")


def _describe(strategy: str, exc: ValidationError, given: Mapping[str, Any]) -> str:
    error = exc.errors(include_url=False)[0]
    loc = error.get("loc") or ()
    if not loc:  # a cross-field check (model validator): its message names the parameters
        message = str(error.get("msg", "invalid parameters")).removeprefix("Value error, ")
        return f"{strategy}: {message}"
    name = str(loc[0])
    got = given.get(name, error.get("input"))
    message = _SHOULD.sub("must ", str(error.get("msg", "is invalid")))
    return f"{strategy}: parameter {name!r} {message} (got {got!r})"
