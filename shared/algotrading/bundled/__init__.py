"""The market-data set shipped with the package (provenance and licences: docs/data.md, NOTICE.md).

Bybit USDT linear perpetuals, 8 symbols, 15m/1h/4h/1d klines and 8h funding, 2025-09-24 ..
2026-03-31 UTC, so the demo runs on a machine that has nothing else. BTCUSDT, ETHUSDT and SOLUSDT
also carry 4h/1d candles and funding from 2025-01-01, and 4h open interest 2025-01-01 ..
2025-11-04, so the daily strategies are warm from the first weeks of the span and carry has the
open interest it requires; the other five symbols have no earlier Bybit history that may be
shipped and stay idle until their own data has warmed them up.
"""

from pathlib import Path

BUNDLED_DATA_DIR = Path(__file__).resolve().parent
