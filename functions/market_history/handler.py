"""Lambda entry point of the hourly `market_history` schedule (docs/jobs.md).

Payload: `{"job": "market_history", "scheduled_time": "<aws.scheduler.scheduled-time>"}`;
the job and its idempotency live in `algotrading.jobs`, the handler's shape in `jobs.lambda_entry`.
It trades no account, so it needs only the database of its run ledger (and the store's bucket).
"""

from __future__ import annotations

from algotrading.jobs.config import LEDGER_NEEDS
from algotrading.jobs.lambda_entry import scheduled_handler
from algotrading.jobs.market_history import market_history

handler = scheduled_handler(
    "market_history",
    market_history,
    metric="HistoryRowsAppended",
    counted="rows_appended",
    needs=LEDGER_NEEDS,
)
