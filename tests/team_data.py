"""Where the tests find market data: in the repository, or in the team data folder beside it.

Most tests read data that ships inside the repository: the package's bundled set
(`algotrading.bundled.BUNDLED_DATA_DIR`, `DataSet()`) and the compact test set `tests/data/`
(see its PROVENANCE.md). A minority need the larger team folder `../shared/data`, which a clone
of the repository does not have. They ask for it through `shared_data()` (or the `shared_data`
fixture, or the `needs_shared_data` marker); when it is absent they are skipped with one reason,
or fail when the environment variable CI is "true" (CI must never skip them silently).

ALGO_TEST_SHARED_DATA points at another folder (`ALGO_TEST_SHARED_DATA=/nonexistent` simulates a
fresh clone). docs/testing.md has the whole story.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from algotrading.bundled import BUNDLED_DATA_DIR

TESTS = Path(__file__).resolve().parent
REPO_ROOT = TESTS.parent
ENV_VAR = "ALGO_TEST_SHARED_DATA"
SHARED_DATA = Path(os.environ.get(ENV_VAR) or REPO_ROOT.parent / "shared" / "data")
"""The team data folder: ../shared/data beside the repository, or $ALGO_TEST_SHARED_DATA."""
TEST_DATA = TESTS / "data"
"""The compact test set shipped with the tests (BTCUSDT/ETHUSDT 5m..1d and funding, a window of
the team folder's primary set; tests/data/PROVENANCE.md)."""
BUNDLED = BUNDLED_DATA_DIR
DERIVS_TEST = TEST_DATA / "bybit_derivs_2021_2025"
"""BTCUSDT of the 2021-2025 Bybit set (4h, 1h, funding, open interest), whole files, in the
repository (tests/data/PROVENANCE.md)."""
DERIVS_NAME = "bybit_derivs_2021_2025"
REASON = "needs the team data folder ../shared/data, not part of the repository"


def shared_data_present() -> bool:
    return (SHARED_DATA / "klines").is_dir()


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def shared_data() -> Path:
    """The team data folder; skips the calling test when it is absent (fails under CI=true)."""
    if not shared_data_present():
        if in_ci():
            pytest.fail(f"{REASON} (CI=true: expected at {SHARED_DATA})", pytrace=False)
        pytest.skip(REASON)
    return SHARED_DATA
