"""Alerts to a Slack channel through an incoming webhook.

The webhook URL is a credential (anyone holding it can post to the channel), so it is registered
with the log redactor, kept out of `repr`, and never part of a log line: a failure is logged with
the HTTP status or the exception's type only, because requests' exception texts quote the URL.
One attempt with a timeout and no retry: the caller keeps undelivered events in the `alerts`
table, and blocking a trading run on Slack would be the worse failure. `send` (the notifier port)
reports a failure as False; `post` raises it (`SlackDeliveryError`), for the SNS-triggered
function that must fail so SNS delivers the message again.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests

from algotrading.domain.alerts import AlertEvent, AlertLevel
from algotrading.domain.timefmt import ms_to_iso
from algotrading.errors import AppError
from algotrading.logs import get_logger, register_secret

EMOJI = {
    AlertLevel.INFO: ":information_source:",
    AlertLevel.WARNING: ":warning:",
    AlertLevel.CRITICAL: ":rotating_light:",
}
_MAX_FIELDS = 10  # Slack refuses a section with more fields
_MAX_TEXT = 2900  # a section's text may hold 3000 characters
_MAX_FIELD_TEXT = 1900  # a field's text may hold 2000

_log = get_logger("algotrading.notify.slack")


class SlackDeliveryError(AppError):
    """Slack did not take the message (an HTTP error or no answer); never quotes the URL.
    `retry_after_s` is Slack's Retry-After on a 429, when it gave one."""

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


def escape(text: str) -> str:
    """Slack mrkdwn control characters, escaped as Slack asks (&, <, >)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def format_slack_message(event: AlertEvent) -> dict[str, Any]:
    """The webhook payload: Block Kit blocks, plus plain `text` for notifications and old apps."""
    emoji = EMOJI[event.level]
    account = "" if event.account_id is None else f" · account {event.account_id}"
    text = f"{emoji} [{event.level.value.upper()}] {event.title}{account}: {event.message}"
    headline = f"{emoji} *{escape(event.title)}*{account}\n{escape(event.message)}"
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": _clip(headline, _MAX_TEXT)}}
    ]
    if event.details:
        fields = [
            {"type": "mrkdwn", "text": _clip(f"*{escape(k)}*\n{escape(str(v))}", _MAX_FIELD_TEXT)}
            for k, v in list(event.details.items())[:_MAX_FIELDS]
        ]
        blocks.append({"type": "section", "fields": fields})
    context = f"{event.level.value} · {event.kind.value}"
    if event.time_ms is not None:
        context += f" · {ms_to_iso(event.time_ms)}"
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": context}]})
    return {"text": _clip(text, _MAX_TEXT), "blocks": blocks}


class SlackNotifier:
    """Posts events to a Slack incoming webhook; see the module docstring for failure handling."""

    def __init__(
        self,
        webhook_url: str,
        *,
        timeout_s: float = 5.0,
        session: requests.Session | None = None,
    ) -> None:
        url = webhook_url.strip()
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.netloc:
            raise ValueError("the Slack webhook URL must be an https:// URL")
        if not 0 < timeout_s <= 60:
            raise ValueError("the Slack timeout must be in (0, 60] seconds")
        register_secret(url)
        register_secret(parts.path)  # connection errors quote the path without the host
        self._url = url
        self._timeout_s = timeout_s
        self._session = session or requests.Session()

    def __repr__(self) -> str:
        return "SlackNotifier(webhook_url=***)"

    def send(self, event: AlertEvent) -> bool:
        try:
            self.post(event)
        except SlackDeliveryError as exc:
            _log.warning("slack alert %s not delivered: %s", event.kind.value, exc)
            return False
        return True

    def post(self, event: AlertEvent) -> None:
        """Post the event once; `SlackDeliveryError` (status or exception type only) if Slack
        did not answer 2xx."""
        payload = format_slack_message(event)
        try:
            response = self._session.post(self._url, json=payload, timeout=self._timeout_s)
        except Exception as exc:  # any failure of the channel, not only RequestException
            raise SlackDeliveryError(type(exc).__name__) from None
        if not 200 <= response.status_code < 300:
            raise SlackDeliveryError(
                f"HTTP {response.status_code}", _retry_after(response.headers.get("Retry-After"))
            )


def _retry_after(value: str | None) -> float | None:
    """Slack's Retry-After (seconds) on a rate-limited post, when it is a number."""
    try:
        return None if value is None else float(value)
    except ValueError:
        return None
