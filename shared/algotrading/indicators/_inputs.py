"""Input checks shared by every indicator.

They run once per call and cost microseconds, never a pass over the data beyond what TA-Lib needs:
an input that already is a contiguous float64 array is passed through untouched, so the wrapper
stays as fast as the plain TA-Lib call. Bad parameters raise ValueError before TA-Lib sees them,
because TA-Lib's own message ("TA_BAD_PARAM") does not say which parameter or why.
"""

from __future__ import annotations

import math
import operator

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]


def series(values: npt.ArrayLike, name: str) -> F64:
    """A 1-D contiguous float64 view of `values` (a copy only when the dtype or layout differs)."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array, got {arr.ndim}-D")
    if not arr.flags.c_contiguous:
        arr = np.ascontiguousarray(arr)
    return arr


def same_length(**arrays: F64) -> None:
    """High, low and close of one market must line up bar for bar."""
    lengths = {name: len(arr) for name, arr in arrays.items()}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{name}={n}" for name, n in lengths.items())
        raise ValueError(f"input arrays differ in length: {shown}")


def check_period(value: object, name: str = "period", minimum: int = 1) -> int:
    """An integer count of bars; floats and bools are refused rather than silently truncated."""
    if isinstance(value, bool):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    try:
        number = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}") from None
    if number < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {number}")
    return number


def positive(value: object, name: str) -> float:
    """A finite number greater than zero (band multipliers, periods per year)."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    number = float(value)
    if not math.isfinite(number) or number <= 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return number
