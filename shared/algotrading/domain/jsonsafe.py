"""JSON-safe values for what is stored as JSONB or posted as JSON.

Alert details, signal and order payloads and strategy state all end up in JSONB columns or in a
webhook body; a Decimal or an enum that only fails at delivery time would lose the record, so
every writer normalises through `json_safe`. `plain` does the same for numeric results (numpy
values unwrapped, NaN and infinity None) of the backtests. Both live in `domain` because the
tiers above build these payloads and the storage adapter writes them: both sides need them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum
from typing import Any, overload

import numpy as np


def json_safe(value: Any) -> Any:
    """`value` with Decimals as strings and enums as their values, recursively."""
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # JSON (and so JSONB) has no NaN or Infinity
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


@overload
def plain(value: dict[str, Any]) -> dict[str, Any]: ...
@overload
def plain(value: Any) -> Any: ...
def plain(value: Any) -> Any:
    """`value` as JSON-ready Python: numpy scalars and arrays unwrapped, NaN and infinity None
    (JSON, and so JSONB, has neither). A dict stays a dict (the overload says so)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
