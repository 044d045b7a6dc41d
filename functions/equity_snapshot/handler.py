"""Lambda entry point of the `equity_snapshot` schedule (docs/jobs.md).

Payload: `{"job": "equity_snapshot", "scheduled_time": "<aws.scheduler.scheduled-time>"}`;
the job and its idempotency live in `algotrading.jobs`, the handler's shape in `jobs.lambda_entry`.
"""

from __future__ import annotations

from algotrading.jobs.lambda_entry import scheduled_handler
from algotrading.jobs.scheduled import equity_snapshot

handler = scheduled_handler(
    "equity_snapshot", equity_snapshot, metric="AccountsSnapshotted", counted="evaluated"
)
