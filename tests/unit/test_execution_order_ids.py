"""Deterministic order ids: same cause, same id; any other cause, another id; Bybit's format."""

from __future__ import annotations

import hashlib

import pytest

from algotrading.exchange.types import ORDER_LINK_ID
from algotrading.execution.order_ids import order_link_id

CLOSE = 1_761_318_000_000


def test_same_cause_same_id_and_the_documented_format() -> None:
    first = order_link_id(7, "scalper", "BTCUSDT", "entry_long", CLOSE)
    assert first == order_link_id(7, "scalper", "BTCUSDT", "entry_long", CLOSE)
    digest = hashlib.sha256(f"7|scalper|BTCUSDT|entry_long|{CLOSE}".encode()).hexdigest()
    assert first == "SEL-" + digest[:32]
    assert len(first) == 36 and ORDER_LINK_ID.match(first)


@pytest.mark.parametrize(
    "changed",
    [
        (8, "scalper", "BTCUSDT", "entry_long", CLOSE),
        (7, "trend", "BTCUSDT", "entry_long", CLOSE),
        (7, "scalper", "ETHUSDT", "entry_long", CLOSE),
        (7, "scalper", "BTCUSDT", "entry_short", CLOSE),
        (7, "scalper", "BTCUSDT", "exit", CLOSE),
        (7, "scalper", "BTCUSDT", "entry_long", CLOSE + 900_000),
    ],
)
def test_every_part_of_the_cause_changes_the_id(changed: tuple) -> None:
    assert order_link_id(*changed) != order_link_id(7, "scalper", "BTCUSDT", "entry_long", CLOSE)


def test_readable_prefixes() -> None:
    prefixes = {
        order_link_id(1, s, "BTCUSDT", i, CLOSE).split("-")[0]
        for s in ("trend", "scalper", "carry", "momentum")
        for i in ("entry_long", "entry_short", "exit", "partial_exit", "halt")
    }
    assert {"TEL", "SES", "CX", "MP", "TH"} <= prefixes and len(prefixes) == 20


@pytest.mark.parametrize(
    "args",
    [
        (1, "grid", "BTCUSDT", "exit", CLOSE),
        (1, "trend", "BTCUSDT", "buy", CLOSE),
        (0, "trend", "BTCUSDT", "exit", CLOSE),
        (1, "trend", "", "exit", CLOSE),
    ],
)
def test_unknown_strategy_intent_or_empty_cause_is_refused(args: tuple) -> None:
    with pytest.raises(ValueError):
        order_link_id(*args)
