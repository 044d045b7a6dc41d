"""The report model (`backtest.reporting`) and its HTML page: what each section holds, checked
against facts recomputed here from the result, and that the page fetches nothing."""

from __future__ import annotations

import numpy as np
import pytest

from algotrading.backtest.reporting import Section
from algotrading.backtest.reporting.common import short_path
from algotrading.backtest.reporting.model import SectionKind
from algotrading.backtest.reporting.series import colour_bound, real_months, thin
from algotrading.domain.timefmt import parse_time

OCTOBER = parse_time("2025-10-01")


def test_thinning_keeps_the_ends_and_every_window_extreme() -> None:
    times = np.arange(10_000, dtype=np.int64)
    values = np.zeros(10_000)
    values[4_321], values[7_777] = -50.0, 80.0
    out = thin(times, values, limit=200)
    assert len(out["time_ms"]) <= 202 and out["time_ms"][0] == 0 and out["time_ms"][-1] == 9_999
    assert 4_321 in out["time_ms"] and 7_777 in out["time_ms"]
    assert min(out["values"]) == -50.0 and max(out["values"]) == 80.0
    short = thin(times[:5], values[:5])
    assert short == {"time_ms": [0, 1, 2, 3, 4], "values": [0.0] * 5}


def test_the_phantom_last_month_is_dropped_and_the_colour_scale_is_symmetric() -> None:
    monthly = [{"month": "2026-03", "return": -0.01}, {"month": "2026-04", "return": 0.0}]
    assert real_months(monthly, parse_time("2026-04-01")) == monthly[:1]
    assert real_months(monthly, parse_time("2026-04-02")) == monthly  # a real day of April
    assert colour_bound([-1.0, 3.0, None]) == 3.0 and colour_bound([0.1, -0.2]) == 0.5


def test_a_section_has_content_or_a_reason_never_both_or_neither() -> None:
    with pytest.raises(ValueError, match="content or an empty reason"):
        Section("x", SectionKind.TABLE)
    with pytest.raises(ValueError, match="content or an empty reason"):
        Section("x", SectionKind.NOTE, {"text": "a"}, empty="b")


def test_absolute_paths_are_shown_by_their_last_part() -> None:
    assert short_path("/home/someone/data/bundled") == "bundled"
    assert short_path("relative/dir") == "relative/dir" and short_path("15m") == "15m"
