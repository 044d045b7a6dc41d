"""Cold-start imports of each Lambda handler against a bare `import json` handler, same run.

Each handler is imported as module `handler` in a fresh `python -X importtime` from its folder
(the way Lambda imports `handler.handler`), and the cumulative time of that one import is read
from the importtime lines: everything the handler module loads and runs at import (powertools'
Logger, Metrics and Tracer included), nothing the interpreter loads at start-up. A bare handler
(`import json`) is measured in the same rounds, interleaved, so a busy machine inflates both;
the goal applies to the difference. Handlers are found by globbing `functions/*/handler.py`, so
new functions are measured without touching this file.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

FUNCTIONS = Path(__file__).resolve().parents[1] / "functions"
ROUNDS = 5
NUMERIC = {"candle_close", "weekly_rebalance", "equity_snapshot", "account_worker",
           "live_parity", "market_history"}  # fmt: skip
"""Handlers whose job computes over price series (numpy, TA-Lib): goal 500 ms; others 250 ms."""
NUMERIC_GOAL_MS = 500.0
OTHER_GOAL_MS = 250.0
BARE = 'import json\n\n\ndef handler(event, context):\n    return json.loads("{}")\n'


def import_ms(folder: Path) -> float:
    """Cumulative ms of `import handler` from `folder`, in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import handler"],
        cwd=folder, capture_output=True, text=True, check=True, timeout=300,
    )  # fmt: skip
    for line in done.stderr.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if len(parts) == 3 and parts[2] == "handler":
            return int(parts[1]) / 1000
    raise RuntimeError(f"no importtime line for handler in {folder}")


def measure(folders: dict[str, Path]) -> dict[str, float]:
    """Median over `ROUNDS` interleaved rounds, so every handler sees the same machine load."""
    samples: dict[str, list[float]] = {name: [] for name in folders}
    for _ in range(ROUNDS):
        for name, folder in folders.items():
            samples[name].append(import_ms(folder))
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> int:
    handlers = {p.parent.name: p.parent for p in sorted(FUNCTIONS.glob("*/handler.py"))}
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "handler.py").write_text(BARE)
        medians = measure({"(bare import json)": Path(tmp), **handlers})
    bare = medians.pop("(bare import json)")
    print(f"handler import, python -X importtime cumulative, median of {ROUNDS} (cpus: "
          f"{os.cpu_count()}, load {os.getloadavg()[0]:.1f}); bare `import json` handler: "
          f"{bare:.1f} ms")  # fmt: skip
    print(f"{'handler':<20}{'ms':>9}{'- bare':>9}{'goal':>7}  met")
    for name, ms in medians.items():
        goal = NUMERIC_GOAL_MS if name in NUMERIC else OTHER_GOAL_MS
        net = ms - bare
        print(f"{name:<20}{ms:>9.1f}{net:>9.1f}{goal:>7.0f}  {'yes' if net <= goal else 'NO'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
