"""Importing a strategy or the risk checks loads no database or exchange client.

Tiers 4 and 5 compute over what they are given; the import contract in pyproject.toml forbids
the imports statically, and this test checks what a fresh interpreter actually loads.
"""

from __future__ import annotations

import json
import subprocess
import sys

_PROBE = (
    "import json, sys\n"
    "import algotrading.strategies.trend, algotrading.risk.validate\n"
    "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('psycopg', 'pybit'))))\n"
)


def test_strategies_and_risk_load_neither_psycopg_nor_pybit() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, timeout=120
    )
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert "psycopg" not in loaded
    assert "pybit" not in loaded
    assert loaded == []
