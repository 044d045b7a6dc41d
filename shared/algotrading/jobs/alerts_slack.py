"""The alerts topic's Slack subscriber: each SNS message (an alert event, `notify.wire`) posted
to the Slack incoming webhook with the one Slack formatter and sender (`notify.slack`).

A message that is not an alert event is logged and skipped: no retry can make it valid. A post
Slack refuses (any non-2xx: 404 `no_service` for a removed webhook, 429 rate limited with
Retry-After, 5xx) or never answers raises `SlackDeliveryError`, so the invocation fails and SNS
delivers the message again under its retry policy. SNS hands a Lambda one record per
invocation, so a retry re-posts only the message that failed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from algotrading.jobs.config import ConfigurationError
from algotrading.logs import get_logger
from algotrading.notify.slack import SlackNotifier
from algotrading.notify.wire import MalformedAlert, alert_from_json
from algotrading.settings import Settings, get_settings

log = get_logger(__name__)


def slack_webhook_url(settings: Settings | None = None) -> str:
    """The webhook URL, read in this one place: the environment's SLACK_WEBHOOK_URL today
    (in AWS it will come from Secrets Manager here); a clear configuration error when unset."""
    url = (settings or get_settings()).slack_webhook_url
    if url is None:
        raise ConfigurationError("SLACK_WEBHOOK_URL is not set; alerts cannot reach Slack")
    return url.get_secret_value()


def deliver_records(event: Mapping[str, Any], slack: SlackNotifier) -> dict[str, Any]:
    """Post every record's alert to Slack; `{"delivered": n, "skipped": [why, ...]}`.
    Raises `SlackDeliveryError` at the first post Slack did not take."""
    delivered, skipped = 0, []
    records = event.get("Records") if isinstance(event, Mapping) else None
    for n, record in enumerate(records if isinstance(records, list) else [None]):
        try:
            alert = alert_from_json(_message(record))
        except MalformedAlert as exc:
            reason = f"record {n}: {exc}"
            log.error("skipped a malformed alert message: %s", reason)
            skipped.append(reason)
            continue
        slack.post(alert)
        delivered += 1
    return {"delivered": delivered, "skipped": skipped}


def _message(record: Any) -> str:
    """`Records[n].Sns.Message` of an SNS event (the documented shape)."""
    sns = record.get("Sns") if isinstance(record, Mapping) else None
    message = sns.get("Message") if isinstance(sns, Mapping) else None
    if not isinstance(message, str):
        raise MalformedAlert("not an SNS record with a Message")
    return message
