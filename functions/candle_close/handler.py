"""Lambda entry point of the `candle_close` schedule (docs/jobs.md).

Payload: `{"job": "candle_close", "scheduled_time": "<aws.scheduler.scheduled-time>"}`;
the job and its idempotency live in `algotrading.jobs`, the handler's shape in `jobs.lambda_entry`.
"""

from __future__ import annotations

from algotrading.jobs.lambda_entry import scheduled_handler
from algotrading.jobs.scheduled import candle_close

handler = scheduled_handler(
    "candle_close", candle_close, metric="OrdersPlaced", counted="orders_placed"
)
