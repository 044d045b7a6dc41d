"""The primary market-data set shipped with the package (see docs/data.md for provenance).

Bybit USDT linear perpetuals, 8 symbols, 15m/1h/4h/1d klines and 8h funding, 2025-09-24 ..
2026-03-31 UTC, so the demo runs on a machine that has nothing else.
"""

from pathlib import Path

BUNDLED_DATA_DIR = Path(__file__).resolve().parent
