"""Indicators by name, with their parameters, inputs and history needs.

Strategies and the API name indicators in configuration ("rsi", period 7); the registry turns that
into a call, fills in defaults, refuses unknown names and parameters with a ValueError that lists
the valid ones, and tells the caller how many bars to fetch (`min_history`) so a live strategy can
compute on a short window and still get the full-history value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy.typing as npt

from algotrading.domain.series import Candles
from algotrading.indicators import functions as f
from algotrading.indicators import warmup as w

REQUIRED: Any = object()
"""Default of a parameter that has none (the period of ema, sma and roc)."""

Params = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class IndicatorSpec:
    """One indicator: its function, candle inputs, parameters with defaults and outputs."""

    name: str
    function: Callable[..., Any]
    inputs: tuple[str, ...]
    params: Mapping[str, Any]
    outputs: tuple[str, ...]
    lookback_fn: Callable[[Params], int] = field(repr=False)
    min_history_fn: Callable[[Params, float], int] = field(repr=False)

    def resolve(self, params: Params) -> dict[str, Any]:
        """Defaults filled in; unknown or missing parameters raise ValueError."""
        unknown = sorted(set(params) - set(self.params))
        if unknown:
            valid = ", ".join(self.params) or "none"
            raise ValueError(f"{self.name}: unknown parameter {unknown[0]!r}; valid: {valid}")
        merged = {**self.params, **params}
        missing = [name for name, value in merged.items() if value is REQUIRED]
        if missing:
            raise ValueError(f"{self.name}: parameter {missing[0]!r} is required")
        return merged

    def __call__(self, *arrays: npt.ArrayLike, **params: Any) -> Any:
        """Compute on arrays given in the order of `inputs`."""
        if len(arrays) != len(self.inputs):
            need = ", ".join(self.inputs)
            raise ValueError(f"{self.name} takes {len(self.inputs)} input(s) ({need})")
        return self.function(*arrays, **self.resolve(params))

    def on(self, data: Candles | Mapping[str, npt.ArrayLike], **params: Any) -> Any:
        """Compute on candles (or a mapping of columns), picking the columns it needs."""
        arrays = []
        for column in self.inputs:
            if isinstance(data, Candles):
                arrays.append(getattr(data, column))
            elif column in data:
                arrays.append(data[column])
            else:
                raise ValueError(f"{self.name} needs a {column!r} column")
        return self(*arrays, **params)

    def lookback(self, **params: Any) -> int:
        """Leading NaN values of the output (of its last output for multi-line indicators)."""
        return self.lookback_fn(self._checked(params))

    def min_history(self, tolerance: float = w.SEED_TOLERANCE, **params: Any) -> int:
        """Bars whose last value equals the full-history last value to 1e-8 (see `warmup`);
        with a looser `tolerance` (the remaining weight of a recursive seed), fewer bars: the
        strategies' windows use 1e-2 (docs/STRATEGIES.md, warm-up)."""
        return self.min_history_fn(self._checked(params), tolerance)

    def _checked(self, params: Params) -> dict[str, Any]:
        """Resolve and validate parameters by running the indicator on no data (costs µs)."""
        resolved = self.resolve(params)
        self.function(*([()] * len(self.inputs)), **resolved)
        return resolved


def _spec(
    name: str,
    function: Callable[..., Any],
    inputs: tuple[str, ...],
    params: dict[str, Any],
    outputs: tuple[str, ...],
    lookback: Callable[[Params], int],
    min_history: Callable[[Params, float], int],
) -> IndicatorSpec:
    return IndicatorSpec(
        name, function, inputs, MappingProxyType(params), outputs, lookback, min_history
    )


_CLOSE = ("close",)
_HLC = ("high", "low", "close")
_VALUE = ("value",)


def _stoch_lookback(p: Params) -> int:
    bars: int = p["rsi_period"] + p["stoch_period"] + p["k"] + p["d"] - 3
    return bars


def _stoch_min_history(p: Params, tolerance: float) -> int:
    return w.stoch_rsi_min_history(p["rsi_period"], p["stoch_period"], p["k"], p["d"], tolerance)


_SPECS = (
    _spec("sma", f.sma, _CLOSE, {"period": REQUIRED}, _VALUE,
          lambda p: p["period"] - 1, lambda p, _t: p["period"]),
    _spec("ema", f.ema, _CLOSE, {"period": REQUIRED}, _VALUE,
          lambda p: p["period"] - 1, lambda p, t: w.ema_min_history(p["period"], t)),
    _spec("rsi", f.rsi, _CLOSE, {"period": 14}, _VALUE,
          lambda p: p["period"], lambda p, t: w.wilder_min_history(p["period"], t)),
    _spec("atr", f.atr, _HLC, {"period": 14}, _VALUE,
          lambda p: p["period"], lambda p, t: w.wilder_min_history(p["period"], t)),
    _spec("bollinger", f.bollinger, _CLOSE, {"period": 20, "mult": 2.0},
          ("upper", "middle", "lower"), lambda p: p["period"] - 1, lambda p, _t: p["period"]),
    _spec("bb_width", f.bb_width, _CLOSE, {"period": 20, "mult": 2.0}, _VALUE,
          lambda p: p["period"] - 1, lambda p, _t: p["period"]),
    _spec("adx", f.adx, _HLC, {"period": 14}, _VALUE,
          lambda p: 2 * p["period"] - 1, lambda p, t: w.adx_min_history(p["period"], t)),
    _spec("stoch_rsi", f.stoch_rsi, _CLOSE,
          {"rsi_period": 14, "stoch_period": 14, "k": 3, "d": 3}, ("k", "d"),
          _stoch_lookback, _stoch_min_history),
    _spec("roc", f.roc, _CLOSE, {"period": REQUIRED}, _VALUE,
          lambda p: p["period"], lambda p, _t: p["period"] + 1),
    _spec("realized_vol", f.realized_vol, _CLOSE, {"period": 14, "periods_per_year": 365},
          _VALUE, lambda p: p["period"], lambda p, _t: p["period"] + 1),
    _spec("volume_sma", f.volume_sma, ("volume",), {"period": 20}, _VALUE,
          lambda p: p["period"] - 1, lambda p, _t: p["period"]),
)  # fmt: skip

INDICATORS: Mapping[str, IndicatorSpec] = MappingProxyType({s.name: s for s in _SPECS})


def get_indicator(name: str) -> IndicatorSpec:
    """The indicator called `name` (any case); ValueError lists the known names otherwise."""
    spec = INDICATORS.get(name.strip().lower()) if isinstance(name, str) else None
    if spec is None:
        raise ValueError(f"unknown indicator {name!r}; known: {', '.join(INDICATORS)}")
    return spec


def compute(name: str, data: Candles | Mapping[str, npt.ArrayLike], **params: Any) -> Any:
    """`compute("rsi", candles, period=7)`: look up by name and compute on candles or columns."""
    return get_indicator(name).on(data, **params)
