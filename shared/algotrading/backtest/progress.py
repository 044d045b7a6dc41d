"""How a long backtest reports progress without knowing who shows it (the CLI draws a bar or
prints quiet lines: `cli.progress`)."""

from __future__ import annotations

from collections.abc import Callable

Advance = Callable[[int], None]
"""Called with how many steps of the current stage were just done."""

Stage = Callable[[str, int, str], Advance]
"""`stage(label, total, unit)` starts a stage of `total` steps (ending the one before) and
returns its `Advance`."""

DAY_CLOSES = 96
"""15-minute closes in a day: the combine step reports once a simulated day."""
