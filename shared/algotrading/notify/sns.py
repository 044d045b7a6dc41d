"""Alerts to the alerts SNS topic: how a job's alert leaves a Lambda function.

In AWS the jobs do not call Slack themselves: they publish each event (`notify.wire`) to one
topic, and the topic's subscribers deliver it (the `alerts_slack` function posts it to Slack,
with SNS retrying it while Slack fails). `send` is one publish and never raises, as every
notifier's; boto3 is imported only when this notifier is made.
"""

from __future__ import annotations

from typing import Any

from algotrading.domain.alerts import AlertEvent
from algotrading.logs import get_logger
from algotrading.notify.wire import alert_to_json

_SUBJECT_MAX = 100  # SNS refuses a longer subject
_log = get_logger("algotrading.notify.sns")


class SnsNotifier:
    """Publishes events to the topic `topic_arn` (a boto3 SNS client, or one made here)."""

    def __init__(self, topic_arn: str, client: Any = None) -> None:
        if not topic_arn.startswith("arn:") or ":sns:" not in topic_arn:
            raise ValueError(f"not an SNS topic ARN: {topic_arn!r}")
        if client is None:
            import boto3

            client = boto3.client("sns", region_name=topic_arn.split(":")[3])
        self._topic_arn = topic_arn
        self._client = client

    def send(self, event: AlertEvent) -> bool:
        subject = f"[{event.level.value}] {event.title}"[:_SUBJECT_MAX]
        try:
            self._client.publish(
                TopicArn=self._topic_arn, Message=alert_to_json(event), Subject=subject,
                MessageAttributes={
                    "level": {"DataType": "String", "StringValue": event.level.value},
                    "kind": {"DataType": "String", "StringValue": event.kind.value},
                },
            )  # fmt: skip
        except Exception as exc:  # the alert stays undelivered in the `alerts` table
            _log.warning("sns alert %s not published: %s", event.kind.value, type(exc).__name__)
            return False
        return True
