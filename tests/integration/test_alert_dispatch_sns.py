"""Alert dispatch in AWS: a job's alert goes to the alerts SNS topic (under moto), and what the
topic delivers is what the Slack subscriber reads (issue 16)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import responses
from moto import mock_aws

from algotrading.domain.alerts import AlertEvent
from algotrading.errors import ConfigError
from algotrading.jobs.alerts_slack import deliver_records
from algotrading.notify import FanoutNotifier, notifier_from_settings
from algotrading.notify.slack import SlackNotifier
from algotrading.notify.sns import SnsNotifier
from algotrading.notify.wire import alert_from_json
from algotrading.settings import get_settings

REGION = "eu-west-1"
WEBHOOK = "https://hooks.slack.com/services/T0TEST/B0TEST/s3cretWebhookToken"
EVENT = AlertEvent.create(
    "job_failed", "candle_close at 2025-10-24T15:00:00Z failed for account 4", account_id=4,
    details={"job": "candle_close"}, time_ms=1_761_318_000_000, dedupe_key="job_failed:x:1",
)  # fmt: skip


@pytest.fixture
def topic(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Any, str]]:
    """A topic with an SQS queue subscribed (to see what SNS delivers): (arn, sqs, queue url)."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        sns, sqs = boto3.client("sns", REGION), boto3.client("sqs", REGION)
        arn = sns.create_topic(Name="alerts")["TopicArn"]
        queue = sqs.create_queue(QueueName="alerts-copy")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
        sns.subscribe(TopicArn=arn, Protocol="sqs",
                      Endpoint=queue_arn["Attributes"]["QueueArn"])  # fmt: skip
        yield arn, sqs, queue
    get_settings.cache_clear()


def delivered(sqs: Any, queue: str) -> list[dict[str, Any]]:
    """The SNS envelopes the queue received (non-raw delivery: the notification JSON)."""
    got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in got]


def test_the_topic_setting_routes_alerts_to_sns(
    topic: tuple[str, Any, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    arn, sqs, queue = topic
    monkeypatch.setenv("ALGO_ALERTS_TOPIC_ARN", arn)
    monkeypatch.setenv("SLACK_WEBHOOK_URL", WEBHOOK)  # in AWS the topic wins: one path to Slack
    get_settings.cache_clear()
    notifier = notifier_from_settings()
    assert isinstance(notifier, FanoutNotifier)
    assert [type(n).__name__ for n in notifier.notifiers] == ["LogNotifier", "SnsNotifier"]
    assert notifier.send(EVENT) is True
    envelopes = delivered(sqs, queue)
    assert len(envelopes) == 1 and envelopes[0]["Type"] == "Notification"
    assert envelopes[0]["Subject"] == "[critical] Job failed"
    assert alert_from_json(envelopes[0]["Message"]) == EVENT


@responses.activate
def test_what_the_topic_delivers_reaches_slack(topic: tuple[str, Any, str]) -> None:
    arn, sqs, queue = topic
    responses.add_passthru("https://sns.eu-west-1.amazonaws.com")
    responses.add_passthru("https://sqs.eu-west-1.amazonaws.com")
    responses.add(responses.POST, WEBHOOK, body="ok", status=200)
    assert SnsNotifier(arn).send(EVENT) is True
    records = {"Records": [{"EventSource": "aws:sns", "Sns": e} for e in delivered(sqs, queue)]}
    assert deliver_records(records, SlackNotifier(WEBHOOK)) == {"delivered": 1, "skipped": []}
    posted = json.loads(responses.calls[-1].request.body)
    assert posted["text"].startswith(":rotating_light: [CRITICAL] Job failed · account 4: ")


def test_a_publish_that_fails_is_reported_not_raised(topic: tuple[str, Any, str]) -> None:
    arn, _, _ = topic
    missing = arn.replace(":alerts", ":no-such-topic")
    assert SnsNotifier(missing).send(EVENT) is False


@pytest.mark.parametrize("value", ["alerts", "arn:aws:sqs:eu-west-1:123456789012:alerts"])
def test_the_topic_setting_must_be_an_sns_arn(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALGO_ALERTS_TOPIC_ARN", value)
    get_settings.cache_clear()
    with pytest.raises(ConfigError, match="ALGO_ALERTS_TOPIC_ARN"):
        get_settings()
    get_settings.cache_clear()
