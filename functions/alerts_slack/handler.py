"""Lambda entry point subscribed to the alerts SNS topic: each message to Slack (docs/jobs.md,
"Alert dispatch").

Event: the SNS notification, `{"Records": [{"Sns": {"Message": "<alert event JSON>", ...}}]}`.
A malformed message is logged and skipped; a post Slack refuses raises, so SNS retries it.
The logic lives in `algotrading.jobs.alerts_slack`; the webhook URL is read there, in one place.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from algotrading.jobs.alerts_slack import deliver_records, slack_webhook_url
from algotrading.jobs.tracing import tracer_for
from algotrading.notify.slack import SlackNotifier

logger = Logger(service="alerts_slack")
metrics = Metrics(namespace="algotrading", service="alerts_slack")
tracer = tracer_for("alerts_slack")


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    result = deliver_records(event, SlackNotifier(slack_webhook_url()))
    metrics.add_metric(name="AlertsDelivered", unit=MetricUnit.Count, value=result["delivered"])
    metrics.add_metric(name="MalformedAlerts", unit=MetricUnit.Count, value=len(result["skipped"]))
    logger.info("alerts_slack", extra=result)
    return result
