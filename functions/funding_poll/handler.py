"""Lambda entry point of the `funding_poll` schedule (docs/jobs.md).

Payload: `{"job": "funding_poll", "scheduled_time": "<aws.scheduler.scheduled-time>"}`;
the job and its idempotency live in `algotrading.jobs`, the handler's shape in `jobs.lambda_entry`.
"""

from __future__ import annotations

from algotrading.jobs.funding_poll import funding_poll
from algotrading.jobs.lambda_entry import scheduled_handler

handler = scheduled_handler(
    "funding_poll", funding_poll, metric="FundingRatesRecorded", counted="rates_recorded"
)
