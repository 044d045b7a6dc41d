"""The one shape of a scheduled job's Lambda handler: parse, run the job once, log.

Every `functions/<job>/handler.py` is this function applied to its job, so the handlers
cannot drift apart in how they parse, refuse, trace and count. A refused payload is logged with
a failure metric and answered, not raised: retrying it could not make it valid. A missing or
unreadable setting (`ConfigError`) is answered the same way, as `"status": "failed"`: one error
line naming the variable, a `ConfigurationErrors` metric, nothing started.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from algotrading.errors import ConfigError
from algotrading.jobs.config import TRADING_NEEDS, SettingsNeeds, handler_settings
from algotrading.jobs.events import JobName, RefusedJob, ScheduledEvent
from algotrading.jobs.runs import JobResult
from algotrading.jobs.tracing import tracer_for

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def scheduled_handler(
    job: JobName,
    run: Callable[..., JobResult],
    metric: str,
    counted: str,
    needs: SettingsNeeds = TRADING_NEEDS,
) -> Handler:
    """The handler of `job`: `run(time_ms, settings=...)` once per delivery, with the settings
    `needs` names; its business metric `metric` is the job result's `counted` figure, beside
    `AccountFailures`."""
    logger = Logger(service=job)
    metrics = Metrics(namespace="algotrading", service=job)
    tracer = tracer_for(job)

    @logger.inject_lambda_context(clear_state=True)
    @metrics.log_metrics
    @tracer.capture_lambda_handler
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        try:
            scheduled = ScheduledEvent.for_job(job, event)
            logger.set_correlation_id(f"{job}@{scheduled.payload()['scheduled_time']}")
            result = run(scheduled.time_ms, settings=handler_settings(needs))
        except ConfigError as exc:
            logger.error("configuration", extra={"error": str(exc)})
            metrics.add_metric(name="ConfigurationErrors", unit=MetricUnit.Count, value=1)
            return {"job": job, "status": "failed", "error": str(exc)}
        except RefusedJob as exc:
            logger.error("refused", extra={"error": str(exc), "payload": event})
            metrics.add_metric(name="RefusedPayloads", unit=MetricUnit.Count, value=1)
            return {"job": job, "status": "refused", "error": str(exc)}
        failures = len(result.summary.get("failures", []))
        metrics.add_metric(name=metric, unit=MetricUnit.Count, value=result.metric(counted))
        metrics.add_metric(name="AccountFailures", unit=MetricUnit.Count, value=failures)
        logger.info(job, extra=result.as_log())
        return result.as_log()

    return handler
