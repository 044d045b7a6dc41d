"""Fault injection: rate limits, timeouts, server errors and dropped WebSocket connections.

The spec is parsed strictly (an unknown key or a bad value is refused, never ignored) and the
random draws come from one seeded generator, so a failing fault run can be replayed exactly.
Spec syntax and semantics: docs/simulator.md.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from enum import StrEnum

from algotrading.local.bybit_sim.errors import SimConfigError

_PROBABILITIES = ("rate_limit", "timeout", "server_error", "timeout_executes")
_DURATIONS = ("ws_drop_every", "timeout_delay")
_DURATION = re.compile(r"^(?P<number>\d+(?:\.\d+)?)(?P<unit>ms|s|m|h)?$")
_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


class Fault(StrEnum):
    RATE_LIMIT = "rate_limit"
    TIMEOUT = "timeout"
    SERVER_ERROR = "server_error"


@dataclass(frozen=True, slots=True)
class FaultSpec:
    """Per-request probabilities (mutually exclusive outcomes) and the WebSocket drop period."""

    rate_limit: float = 0.0
    timeout: float = 0.0
    server_error: float = 0.0
    timeout_executes: float = 0.5
    """Chance that a timed-out POST (an order, a cancel, ...) is carried out all the same."""
    timeout_delay: float = 15.0
    """Seconds a timed-out request is held before its (late) answer; longer than the client's
    timeout, or it would not be a timeout."""
    ws_drop_every: float | None = None
    """Seconds between drops of every WebSocket connection (sim time when stepped, else wall)."""

    @property
    def any_request_fault(self) -> bool:
        return self.rate_limit + self.timeout + self.server_error > 0

    def describe(self) -> str:
        parts = [f"{k}={getattr(self, k):g}" for k in ("rate_limit", "timeout", "server_error")]
        if self.timeout:
            parts += [f"timeout_delay={self.timeout_delay:g}s"]
            parts += [f"timeout_executes={self.timeout_executes:g}"]
        if self.ws_drop_every:
            parts.append(f"ws_drop_every={self.ws_drop_every:g}s")
        return ",".join(parts)


def parse_faults(spec: str | None) -> FaultSpec:
    """`rate_limit=0.1,timeout=0.05,server_error=0.05,ws_drop_every=300s` -> FaultSpec."""
    values: dict[str, float] = {}
    for item in (spec or "").split(","):
        if not item.strip():
            continue
        key, sep, raw = (part.strip() for part in item.partition("="))
        if not sep or not raw:
            raise SimConfigError(f"fault spec: {item.strip()!r} is not key=value")
        if key in values:
            raise SimConfigError(f"fault spec: {key} is given twice")
        if key in _PROBABILITIES:
            values[key] = _probability(key, raw)
        elif key in _DURATIONS:
            values[key] = _duration(key, raw)
        else:
            known = ", ".join(_PROBABILITIES + _DURATIONS)
            raise SimConfigError(f"fault spec: unknown key {key!r}; known keys: {known}")
    total = sum(values.get(k, 0.0) for k in ("rate_limit", "timeout", "server_error"))
    if total > 1:
        raise SimConfigError(
            f"fault spec: rate_limit + timeout + server_error is {total:g}, more than 1"
        )
    return FaultSpec(**values)


def _probability(key: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise SimConfigError(f"fault spec: {key}={raw!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise SimConfigError(f"fault spec: {key}={raw} must lie between 0 and 1")
    return value


def _duration(key: str, raw: str) -> float:
    match = _DURATION.match(raw.strip().lower())
    if match is None:
        raise SimConfigError(
            f"fault spec: {key}={raw!r} is not a duration like 300s, 5m, 500ms or 1h"
        )
    seconds = float(match["number"]) * _UNIT_S[match["unit"]]
    if seconds <= 0:
        raise SimConfigError(f"fault spec: {key}={raw} must be longer than zero")
    return seconds


class FaultInjector:
    """Draws the fate of each request from one seeded generator."""

    def __init__(self, spec: FaultSpec, seed: int) -> None:
        self.spec = spec
        self.seed = seed
        self._rng = random.Random(seed)

    def draw(self) -> Fault | None:
        """The fault for the next request, or None; no draw is spent when no fault is set."""
        if not self.spec.any_request_fault:
            return None
        roll = self._rng.random()
        for fault, chance in (
            (Fault.RATE_LIMIT, self.spec.rate_limit),
            (Fault.TIMEOUT, self.spec.timeout),
            (Fault.SERVER_ERROR, self.spec.server_error),
        ):
            if roll < chance:
                return fault
            roll -= chance
        return None

    def server_error_is_http(self) -> bool:
        """Half the server errors are an HTTP 5xx, half a retCode 10016 inside HTTP 200."""
        return self._rng.random() < 0.5

    def timeout_executes(self) -> bool:
        return self._rng.random() < self.spec.timeout_executes
