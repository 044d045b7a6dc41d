"""Lambda entry point of the per-account worker of the candle-close fan-out (docs/jobs.md).

Event: an SQS FIFO batch; each body is `{"job": "candle_close", "scheduled_time": "...",
"account_id": N}`, written by the candle-close job when `ALGO_ACCOUNT_QUEUE_URL` is set.
Answer: `{"batchItemFailures": [...]}`, so one account's failure never fails the others.
The work, its idempotency and its alerts live in `algotrading.jobs.account_worker`.
"""

from __future__ import annotations

from algotrading.jobs.worker_entry import account_worker_handler

handler = account_worker_handler()
