"""Lambda entry point of the `candle_close` schedule: parse, run the job once, log.

Payload: `{"job": "candle_close", "scheduled_time": "<aws.scheduler.scheduled-time>"}`; the job
and its idempotency live in `algotrading.jobs` (docs/jobs.md). A refused payload is logged
with a failure metric and answered, not raised: retrying it could not make it valid.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from algotrading.jobs.config import TRADING_SETTINGS, job_settings
from algotrading.jobs.events import JobName, RefusedJob, ScheduledEvent
from algotrading.jobs.scheduled import candle_close
from algotrading.jobs.tracing import tracer_for

JOB: JobName = "candle_close"
logger = Logger(service=JOB)
metrics = Metrics(namespace="algotrading", service=JOB)
tracer = tracer_for(JOB)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        scheduled = ScheduledEvent.for_job(JOB, event)
        logger.set_correlation_id(f"{JOB}@{scheduled.payload()['scheduled_time']}")
        result = candle_close(scheduled.time_ms, settings=job_settings(TRADING_SETTINGS))
    except RefusedJob as exc:
        logger.error("refused", extra={"error": str(exc), "payload": event})
        metrics.add_metric(name="RefusedPayloads", unit=MetricUnit.Count, value=1)
        return {"job": JOB, "status": "refused", "error": str(exc)}
    metrics.add_metric(
        name="OrdersPlaced", unit=MetricUnit.Count, value=result.metric("orders_placed")
    )
    metrics.add_metric(
        name="AccountFailures", unit=MetricUnit.Count, value=len(result.summary.get("failures", []))
    )
    logger.info(JOB, extra=result.as_log())
    return result.as_log()
