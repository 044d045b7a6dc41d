"""Lambda entry point of the daily `live_parity` schedule, 00:30 UTC (docs/jobs.md).

Payload: `{"job": "live_parity", "scheduled_time": "<aws.scheduler.scheduled-time>"}`; the job
(the previous UTC day's live trades against its portfolio backtest) lives in `algotrading.jobs`,
the handler's shape in `jobs.lambda_entry`. It needs the database only: no exchange keys.
"""

from __future__ import annotations

from algotrading.jobs.config import LEDGER_NEEDS
from algotrading.jobs.lambda_entry import scheduled_handler
from algotrading.jobs.live_parity import live_parity

handler = scheduled_handler(
    "live_parity", live_parity, metric="ParityDifferences", counted="differences",
    needs=LEDGER_NEEDS,
)  # fmt: skip
