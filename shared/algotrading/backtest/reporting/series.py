"""Numbers for charts and tables: thinned curves, percent curves, drawdowns, monthly returns.

A chart needs a few thousand points at most to look right; the result's curves hold one point
per 15-minute close (17,000 over six months, far more over years). Curves are thinned for
drawing only, keeping the first and last point and each window's lowest and highest value, so a
drawdown's trough survives the thinning; every figure in a table is computed on every point.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from algotrading.domain.timefmt import ms_to_iso

MAX_POINTS = 2_000
"""Points per drawn series at most (about: each window keeps its low and its high)."""

Floats = npt.NDArray[np.float64]


def thin(
    times: npt.NDArray[Any], values: npt.NDArray[Any], limit: int = MAX_POINTS
) -> dict[str, list[Any]]:
    """`{"time_ms": [...], "values": [...]}` with at most about `limit` points."""
    n = len(times)
    if n <= limit:
        return {"time_ms": [int(t) for t in times], "values": [float(v) for v in values]}
    windows = np.array_split(np.arange(n), max(1, limit // 2))
    keep = {0, n - 1}
    for w in windows:
        chunk = values[w]
        keep.update((int(w[int(np.argmin(chunk))]), int(w[int(np.argmax(chunk))])))
    picked = np.array(sorted(keep))
    return {
        "time_ms": [int(t) for t in times[picked]],
        "values": [float(v) for v in values[picked]],
    }


def percent_of_start(curve: Floats) -> Floats:
    """The curve as percent gained since its first point (0 = where it started)."""
    first = float(curve[0]) if len(curve) else 0.0
    if first == 0:
        return np.zeros(len(curve))
    return (curve / first - 1.0) * 100.0


def drawdown_percent(curve: Floats) -> Floats:
    """Percent below the running peak (0 or negative)."""
    peak = np.maximum.accumulate(curve)
    out: Floats = np.where(peak > 0, curve / np.where(peak > 0, peak, 1.0) - 1.0, 0.0) * 100.0
    return out


def real_months(monthly: list[dict[str, Any]], end_ms: int) -> list[dict[str, Any]]:
    """The monthly returns without the phantom last month: a span ending at exactly 00:00 UTC
    on the 1st leaves that month one point (its start), so a return of 0 for a month that never
    ran. It is dropped from the report only; the result's metrics keep every month."""
    end = ms_to_iso(end_ms)
    if monthly and end.endswith("-01T00:00:00Z") and monthly[-1]["month"] == end[:7]:
        return monthly[:-1]
    return monthly


def colour_bound(values: list[float | None]) -> float:
    """A symmetric colour range around 0 for monthly returns (percent): the largest magnitude,
    so a -1 % month and a +1 % month get opposite colours of the same strength, and a scale
    never collapses to one colour when every month is small (floor 0.5 %)."""
    seen = [abs(v) for v in values if v is not None and np.isfinite(v)]
    return max([0.5, *seen])
