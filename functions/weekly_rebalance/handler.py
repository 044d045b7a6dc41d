"""Lambda entry point of the `weekly_rebalance` schedule (docs/jobs.md).

Payload: `{"job": "weekly_rebalance", "scheduled_time": "<aws.scheduler.scheduled-time>"}`;
the job and its idempotency live in `algotrading.jobs`, the handler's shape in `jobs.lambda_entry`.
"""

from __future__ import annotations

from algotrading.jobs.lambda_entry import scheduled_handler
from algotrading.jobs.scheduled import weekly_rebalance

handler = scheduled_handler(
    "weekly_rebalance", weekly_rebalance, metric="OrdersPlaced", counted="orders_placed"
)
