"""The Slack notifier against a fake webhook: delivery, failures logged not raised, no secret."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
import requests
import responses

from algotrading import logs
from algotrading.domain.alerts import AlertEvent
from algotrading.errors import ConfigError
from algotrading.notify import (
    FanoutNotifier,
    LogNotifier,
    notifier_from_settings,
)
from algotrading.notify.slack import SlackNotifier, format_slack_message
from algotrading.settings import get_settings

URL = "https://hooks.slack.com/services/T0TEST/B0TEST/s3cretWebhookToken"
PATH = "/services/T0TEST/B0TEST/s3cretWebhookToken"
EVENT = AlertEvent.create("breaker_triggered", "trend paused: drawdown 16.00 % > 15 %",
                          account_id=3)  # fmt: skip


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def log_lines() -> Iterator[list[str]]:
    logger = logging.getLogger("algotrading")
    handler, level = _Records(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler.lines
    logger.removeHandler(handler)
    logger.setLevel(level)


@responses.activate
def test_posts_the_formatted_message() -> None:
    responses.add(responses.POST, URL, body="ok", status=200)
    assert SlackNotifier(URL).send(EVENT) is True
    [call] = responses.calls
    assert json.loads(call.request.body) == format_slack_message(EVENT)
    assert call.request.headers["Content-Type"] == "application/json"


@responses.activate
def test_http_error_is_logged_and_not_raised(log_lines: list[str]) -> None:
    responses.add(responses.POST, URL, body="invalid_token", status=500)
    assert SlackNotifier(URL).send(EVENT) is False
    assert log_lines == ["slack alert breaker_triggered not delivered: HTTP 500"]


@pytest.mark.parametrize(
    "error",
    [
        requests.exceptions.ConnectTimeout("timed out"),
        requests.exceptions.ConnectionError(
            f"HTTPSConnectionPool(host='hooks.slack.com', port=443): Max retries exceeded with"
            f" url: {PATH}"
        ),
    ],
)
def test_timeouts_and_connection_errors_never_leak_the_url(
    error: Exception, log_lines: list[str]
) -> None:
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, URL, body=error)
        assert SlackNotifier(URL, timeout_s=0.5).send(EVENT) is False
    assert log_lines == [f"slack alert breaker_triggered not delivered: {type(error).__name__}"]
    assert all("s3cretWebhookToken" not in line for line in log_lines)


def test_the_webhook_url_is_registered_as_a_secret() -> None:
    notifier = SlackNotifier(URL)
    assert "s3cret" not in repr(notifier)
    assert "s3cretWebhookToken" not in logs.redact(f"posting to {URL} failed ({PATH})")


def test_the_timeout_is_passed_to_requests() -> None:
    seen: dict[str, object] = {}

    class _Session(requests.Session):
        def post(self, url, **kwargs):  # type: ignore[no-untyped-def, override]
            seen.update(kwargs)
            response = requests.Response()
            response.status_code = 200
            return response

    assert SlackNotifier(URL, timeout_s=2.5, session=_Session()).send(EVENT)
    assert seen["timeout"] == 2.5


@pytest.mark.parametrize("url", ["http://hooks.slack.com/x", "hooks.slack.com/x", "https://"])
def test_only_https_webhooks(url: str) -> None:
    with pytest.raises(ValueError, match="https://"):
        SlackNotifier(url)


def test_notifier_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLACK_WEBHOOK_URL", raising=False)
    get_settings.cache_clear()
    assert isinstance(notifier_from_settings(), LogNotifier)
    monkeypatch.setenv("SLACK_WEBHOOK_URL", URL)
    get_settings.cache_clear()
    fanout = notifier_from_settings()
    assert isinstance(fanout, FanoutNotifier)
    assert [type(n).__name__ for n in fanout.notifiers] == ["LogNotifier", "SlackNotifier"]
    assert "s3cret" not in repr(get_settings())
    monkeypatch.setenv("SLACK_WEBHOOK_URL", URL.replace("https", "http"))
    get_settings.cache_clear()
    with pytest.raises(ConfigError, match=r"invalid SLACK_WEBHOOK_URL: .*https://") as info:
        get_settings()
    assert "s3cret" not in str(info.value)
    monkeypatch.setenv("SLACK_WEBHOOK_URL", " ")  # blank means unset
    get_settings.cache_clear()
    assert isinstance(notifier_from_settings(), LogNotifier)
