"""Alert events, their Slack formatting for every kind, the log and fan-out notifiers."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from decimal import Decimal

import pytest

from algotrading.domain.alerts import AlertEvent, AlertKind, AlertLevel, trade_alert
from algotrading.notify import FanoutNotifier, LogNotifier, Notifier
from algotrading.notify.slack import EMOJI, format_slack_message


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def records() -> Iterator[list[logging.LogRecord]]:
    """Records of the `algotrading` logger tree, whatever other tests configured."""
    logger = logging.getLogger("algotrading")
    handler, level = _Records(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler.records
    logger.removeHandler(handler)
    logger.setLevel(level)


EVENTS = [
    trade_alert("trade_opened", account_id=7, strategy="trend", symbol="BTCUSDT", side="long",
                qty=Decimal("0.05"), price=Decimal("64000.5")),
    trade_alert("trade_closed", account_id=7, strategy="scalper", symbol="ETHUSDT", side="short",
                qty=Decimal(2), price=Decimal(3000), pnl=Decimal("41.25"), reason="middle band"),
    trade_alert("trade_stopped", account_id=7, strategy="carry", symbol="SOLUSDT", side="long",
                qty=Decimal(10), price=Decimal(140), pnl=Decimal(-35), is_shadow=True),
    AlertEvent.create("breaker_triggered", "portfolio halted: drawdown 26.00 % > 25 %",
                      account_id=7, details={"drawdown_pct": Decimal("26.0")}),
    AlertEvent.create("breaker_released", "trend resumed", account_id=7),
    AlertEvent.create("drawdown_warning", "momentum drawdown 13.00 %", account_id=7),
    AlertEvent.create("reconciliation", "BTCUSDT: exchange 0.5, book 0.4", account_id=7,
                      time_ms=1_700_000_000_000),
]  # fmt: skip


@pytest.mark.parametrize("event", EVENTS, ids=[e.kind.value for e in EVENTS])
def test_every_kind_formats_with_its_emoji_title_and_account(event: AlertEvent) -> None:
    payload = format_slack_message(event)
    emoji = EMOJI[event.level]
    assert payload["text"].startswith(f"{emoji} [{event.level.value.upper()}] {event.title}")
    assert "· account 7: " + event.message in payload["text"]
    head = payload["blocks"][0]["text"]
    assert head["type"] == "mrkdwn" and head["text"].startswith(f"{emoji} *{event.title}*")
    assert payload["blocks"][-1]["type"] == "context"
    assert event.kind.value in payload["blocks"][-1]["elements"][0]["text"]


def test_levels_and_titles_per_kind() -> None:
    levels = {e.kind: e.level for e in EVENTS}
    assert levels[AlertKind.TRADE_OPENED] is AlertLevel.INFO
    assert levels[AlertKind.TRADE_STOPPED] is AlertLevel.WARNING
    assert levels[AlertKind.BREAKER_TRIGGERED] is AlertLevel.CRITICAL
    assert EVENTS[3].title == "Breaker triggered"
    assert format_slack_message(EVENTS[3])["text"].startswith(":rotating_light: [CRITICAL]")


def test_trade_messages() -> None:
    assert EVENTS[0].message == "trend opened long 0.05 BTCUSDT @ 64000.5"
    assert EVENTS[1].message == (
        "scalper closed short 2 ETHUSDT @ 3000, PnL +41.25 USDT (middle band)"
    )
    assert EVENTS[2].message.startswith("[paper] carry stopped out long 10 SOLUSDT @ 140")
    assert EVENTS[1].details == {
        "strategy": "scalper", "symbol": "ETHUSDT", "side": "short", "qty": "2",
        "price": "3000", "pnl": "41.25", "reason": "middle band", "paper": False,
    }  # fmt: skip
    with pytest.raises(ValueError, match="not a trade event"):
        trade_alert("reconciliation", account_id=1, strategy="trend", symbol="X", side="long",
                    qty=Decimal(1), price=Decimal(1))  # fmt: skip


def test_details_become_fields_escaped_and_bounded() -> None:
    details = {f"k{i}": i for i in range(14)} | {"a<b>": "x & y"}
    event = AlertEvent.create("reconciliation", "found <3> & more", details=details)
    payload = format_slack_message(event)
    fields = payload["blocks"][1]["fields"]
    assert len(fields) == 10  # Slack's limit per section
    assert "found &lt;3&gt; &amp; more" in payload["blocks"][0]["text"]["text"]
    assert "account" not in payload["text"]  # a system-wide alert has no account


def test_events_are_validated_and_json_safe() -> None:
    with pytest.raises(ValueError, match="non-empty message"):
        AlertEvent.create("reconciliation", "  ")
    with pytest.raises(ValueError):
        AlertEvent.create("coffee_break", "x")
    event = AlertEvent.create(
        AlertKind.RECONCILIATION, "x", details={"d": Decimal("1.50"), "lvl": AlertLevel.INFO,
                                                "nan": float("nan"), "xs": (Decimal(1),)},
    )  # fmt: skip
    assert event.details == {"d": "1.50", "lvl": "info", "nan": "nan", "xs": ["1"]}


def test_log_notifier_logs_at_the_alert_level(records: list[logging.LogRecord]) -> None:
    assert isinstance(LogNotifier(), Notifier)
    assert LogNotifier().send(EVENTS[3]) is True
    [record] = records
    assert record.levelno == logging.CRITICAL
    assert "alert breaker_triggered [critical] account=7: portfolio halted" in record.getMessage()


class _Broken:
    def send(self, event: AlertEvent) -> bool:
        raise RuntimeError("boom")


class _Counting:
    def __init__(self) -> None:
        self.sent: list[AlertEvent] = []

    def send(self, event: AlertEvent) -> bool:
        self.sent.append(event)
        return True


def test_fanout_survives_a_broken_channel(records: list[logging.LogRecord]) -> None:
    counting = _Counting()
    fanout = FanoutNotifier([_Broken(), counting])
    assert fanout.send(EVENTS[0]) is False  # not delivered everywhere
    assert counting.sent == [EVENTS[0]]
    assert any("_Broken raised RuntimeError" in r.getMessage() for r in records)
    assert FanoutNotifier([counting]).send(EVENTS[1]) is True
    with pytest.raises(ValueError, match="at least one"):
        FanoutNotifier([])
