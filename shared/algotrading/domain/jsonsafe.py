"""JSON-safe values for what is stored as JSONB or posted as JSON.

Alert details, signal and order payloads and strategy state all end up in JSONB columns or in a
webhook body; a Decimal or an enum that only fails at delivery time would lose the record, so
every writer normalises through this one function. It lives in `domain` because the trading
tiers build these payloads and the storage adapter writes them: both sides need it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum
from typing import Any


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
