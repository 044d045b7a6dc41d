"""How a job raises an alert: store it once, then send it through the configured notifier.

The `alerts` table is the record (its dedupe key makes a repeated delivery store nothing new);
the notifier (`notify.notifier_from_settings`: the log, plus Slack on one machine or the alerts
SNS topic in AWS) is only tried for an event that was stored now, so a second delivery of the
same job never alerts twice. Raising an alert never raises: a channel that is down must not stop
the job's other work.
"""

from __future__ import annotations

import psycopg

from algotrading.db.alerts import insert_alert, mark_delivered
from algotrading.domain.alerts import AlertEvent
from algotrading.logs import get_logger
from algotrading.notify import notifier_from_settings
from algotrading.settings import Settings

log = get_logger(__name__)


def raise_alert(conn: psycopg.Connection, settings: Settings, event: AlertEvent) -> bool:
    """Store `event` and send it if it is new; True when it was stored now (not a repeat)."""
    try:
        with conn.transaction():
            alert_id = insert_alert(conn, event)
        if alert_id is not None and notifier_from_settings(settings).send(event):
            with conn.transaction():
                mark_delivered(conn, [alert_id])
    except Exception as exc:  # an alert that cannot be stored must not stop the job
        log.error("could not record the %s alert of account %s: %s", event.kind.value,
                  event.account_id, exc)  # fmt: skip
        return False
    return alert_id is not None
