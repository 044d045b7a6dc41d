"""The channels that deliver alert events (log, Slack webhook, the alerts SNS topic).

Trading code builds an `AlertEvent` (a domain value, `algotrading.domain.alerts`) and hands it to
a `Notifier`; which channels are behind it is decided once, from the settings, by
`notifier_from_settings`. The Slack and SNS channels (and their HTTP stacks) are imported only
when they are used: import them from `algotrading.notify.slack` and `algotrading.notify.sns`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from algotrading.notify.base import FanoutNotifier, LogNotifier, Notifier

if TYPE_CHECKING:
    from algotrading.settings import Settings


def notifier_from_settings(settings: Settings | None = None) -> Notifier:
    """The log always; then the alerts SNS topic when ALGO_ALERTS_TOPIC_ARN is set (in AWS: the
    topic's subscriber posts to Slack), else Slack when SLACK_WEBHOOK_URL is set (one machine).

    The log comes first so an event is on record even when the webhook call hangs until its
    timeout.
    """
    from algotrading.settings import get_settings

    settings = settings or get_settings()
    log = LogNotifier()
    if settings.alerts_topic_arn is not None:
        from algotrading.notify.sns import SnsNotifier

        return FanoutNotifier([log, SnsNotifier(settings.alerts_topic_arn)])
    if settings.slack_webhook_url is None:
        return log
    from algotrading.notify.slack import SlackNotifier

    return FanoutNotifier([log, SlackNotifier(settings.slack_webhook_url.get_secret_value())])


__all__ = [
    "FanoutNotifier",
    "LogNotifier",
    "Notifier",
    "notifier_from_settings",
]
