"""The alerts topic's Slack subscriber (functions/alerts_slack): SNS events in the documented
shape, Slack's webhook answered by `responses` with its documented replies (issue 16)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import responses
from jobs_support import LambdaContext, load_handler

from algotrading.domain.alerts import AlertEvent, AlertKind, AlertLevel
from algotrading.jobs.alerts_slack import slack_webhook_url
from algotrading.jobs.config import ConfigurationError
from algotrading.notify.slack import SlackDeliveryError
from algotrading.notify.wire import MalformedAlert, alert_from_json, alert_to_json
from algotrading.settings import get_settings

URL = "https://hooks.slack.com/services/T0TEST/B0TEST/s3cretWebhookToken"
EVENT = AlertEvent(
    kind=AlertKind.PARITY_MISMATCH, level=AlertLevel.WARNING, account_id=7,
    message="account 7 traded 2025-10-21 unlike its backtest: 1 difference(s)",
    details={"day": "2025-10-21", "differences": "quantity: live 0.02, backtest 0.01"},
    time_ms=1_761_093_000_000, dedupe_key="parity_mismatch:1761004800000",
)  # fmt: skip


def sns_event(*messages: str) -> dict[str, Any]:
    """An SNS notification as Lambda receives it (AWS docs, "Using Lambda with Amazon SNS")."""
    return {"Records": [{
        "EventVersion": "1.0", "EventSource": "aws:sns",
        "EventSubscriptionArn": "arn:aws:sns:eu-west-1:123456789012:alerts:0b8e5b2c-1111",
        "Sns": {
            "Type": "Notification", "MessageId": f"95df01b4-ee98-5cb9-9903-4c221d41eb5{n}",
            "TopicArn": "arn:aws:sns:eu-west-1:123456789012:alerts",
            "Subject": "[warning] Parity mismatch", "Message": message,
            "Timestamp": "2025-10-22T00:30:05.000Z", "SignatureVersion": "1",
            "Signature": "EXAMPLE", "SigningCertUrl": "https://sns.eu-west-1.amazonaws.com/x.pem",
            "UnsubscribeUrl": "https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe",
            "MessageAttributes": {"level": {"Type": "String", "Value": "warning"}},
        },
    } for n, message in enumerate(messages)]}  # fmt: skip


@pytest.fixture(autouse=True)
def _webhook(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SLACK_WEBHOOK_URL", URL)
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "algotrading")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def invoke(event: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = load_handler("alerts_slack").handler(event, LambdaContext())
    return answer


def test_the_wire_format_round_trips() -> None:
    text = alert_to_json(EVENT)
    assert json.loads(text)["kind"] == "parity_mismatch" and json.loads(text)["account_id"] == 7
    assert alert_from_json(text) == EVENT


@responses.activate
def test_each_message_is_posted_once_with_the_slack_format() -> None:
    responses.add(responses.POST, URL, body="ok", status=200)
    answer = invoke(sns_event(alert_to_json(EVENT)))
    assert answer == {"delivered": 1, "skipped": []}
    assert len(responses.calls) == 1
    body = json.loads(responses.calls[0].request.body)
    assert body["text"] == (
        ":warning: [WARNING] Parity mismatch · account 7: "
        "account 7 traded 2025-10-21 unlike its backtest: 1 difference(s)"
    )
    assert body["blocks"][1]["fields"][0]["text"] == "*day*\n2025-10-21"


@responses.activate
@pytest.mark.filterwarnings("ignore:No application metrics")  # the raise skips the metrics
@pytest.mark.parametrize(
    ("status", "body", "headers", "why", "retry_after"),
    [
        (404, "no_service", {}, "HTTP 404", None),
        (429, "rate_limited", {"Retry-After": "30"}, "HTTP 429", 30.0),
        (500, "internal_error", {}, "HTTP 500", None),
    ],
)
def test_a_refused_post_raises_so_sns_retries(
    status: int, body: str, headers: dict[str, str], why: str, retry_after: float | None
) -> None:
    responses.add(responses.POST, URL, body=body, status=status, headers=headers)
    with pytest.raises(SlackDeliveryError, match=why) as info:
        invoke(sns_event(alert_to_json(EVENT)))
    assert info.value.retry_after_s == retry_after
    assert "s3cret" not in str(info.value)


@responses.activate
def test_a_malformed_message_is_skipped_and_the_good_one_posted() -> None:
    responses.add(responses.POST, URL, body="ok", status=200)
    bad = ["not json", json.dumps({"kind": "parity_mismatch"}), json.dumps({"kind": "nope",
           "level": "warning", "message": "x"})]  # fmt: skip
    answer = invoke(sns_event(*bad, alert_to_json(EVENT)))
    assert answer["delivered"] == 1 and len(responses.calls) == 1
    assert [s.split(":")[0] for s in answer["skipped"]] == ["record 0", "record 1", "record 2"]
    assert "missing level, message" in answer["skipped"][1]


@responses.activate
def test_an_event_that_is_not_sns_is_skipped() -> None:
    assert invoke({"job": "candle_close"})["skipped"] == [
        "record 0: not an SNS record with a Message"
    ]
    assert len(responses.calls) == 0


def test_the_webhook_is_read_in_one_place(monkeypatch: pytest.MonkeyPatch) -> None:
    assert slack_webhook_url() == URL
    monkeypatch.delenv("SLACK_WEBHOOK_URL")
    get_settings.cache_clear()
    with pytest.raises(ConfigurationError, match="SLACK_WEBHOOK_URL"):
        slack_webhook_url()


def test_malformed_alert_is_a_value_error() -> None:
    with pytest.raises(MalformedAlert, match="not a JSON object"):
        alert_from_json("[1, 2]")
