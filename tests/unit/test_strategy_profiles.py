"""What each strategy declares about itself (order-id code, cadence, universe, default share)
and the registry as the one list: the values the executor and the backtests used to keep in
their own tables, checked against the design's numbers (docs/STRATEGIES.md, docs/RISK.md)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from fifth_strategy import UpCloseStrategy, registered

from algotrading.execution.order_ids import link_prefix, order_link_id
from algotrading.execution.schedule import due
from algotrading.market.scan import Scan
from algotrading.strategies.params import StrategyConfigError
from algotrading.strategies.profile import Cadence, StrategyProfile
from algotrading.strategies.registry import (
    STRATEGIES,
    default_allocation,
    default_allocation_pct,
    get_strategy,
    order_codes,
    profile_of,
    register,
    sleeve_ids,
    unregister,
)

MONDAY = 1_759_708_800_000  # 2025-10-06 00:00 UTC, a Monday
TUESDAY_4H = MONDAY + 28 * 3_600_000  # 2025-10-07 04:00 UTC


@pytest.fixture
def fifth() -> Iterator[type[UpCloseStrategy]]:
    with registered() as cls:
        yield cls


def test_the_four_sleeves_declare_what_the_executor_used_to_list() -> None:
    assert sleeve_ids() == ("trend", "scalper", "carry", "momentum")
    assert order_codes() == {"trend": "T", "scalper": "S", "carry": "C", "momentum": "M"}
    assert default_allocation_pct() == {
        "trend": Decimal(30), "scalper": Decimal(20), "carry": Decimal(20),
        "momentum": Decimal(30),
    }  # fmt: skip
    assert {s: profile_of(s).cadence for s in sleeve_ids()} == {
        "trend": Cadence.PER_BAR, "scalper": Cadence.PER_BAR, "carry": Cadence.PER_BAR,
        "momentum": Cadence.WEEKLY,
    }  # fmt: skip
    assert {s: profile_of(s).universe for s in sleeve_ids()} == {
        "trend": None, "scalper": None, "carry": Scan.FUNDING, "momentum": Scan.TURNOVER,
    }  # fmt: skip
    assert get_strategy("momentum").context_symbols() == ("BTCUSDT",)
    assert get_strategy("momentum", {"benchmark": "ETHUSDT"}).context_symbols() == ("ETHUSDT",)
    assert get_strategy("trend").context_symbols() == ()


def test_the_default_table_is_the_registrys() -> None:
    """No other copy of the four exists: the database layer is handed this table from above."""
    table = default_allocation()
    assert table.known == ("trend", "scalper", "carry", "momentum")
    assert table.as_dict() == {
        "trend": Decimal(30), "scalper": Decimal(20), "carry": Decimal(20),
        "momentum": Decimal(30),
    }  # fmt: skip


def test_a_fifth_strategy_joins_the_default_table_at_its_share(
    fifth: type[UpCloseStrategy],
) -> None:
    table = default_allocation()
    assert table.known == ("trend", "scalper", "carry", "momentum", "upclose")
    assert table.pct("upclose") == Decimal(0) and table.pct("trend") == Decimal(30)


def test_order_ids_of_the_four_are_unchanged() -> None:
    """The hex parts: sha256 of the cause string, computed outside the code."""
    link = order_link_id(7, "trend", "BTCUSDT", "entry_long", MONDAY)
    assert link == "TEL-8e73803664c364a130f8f4ab4e415bab"
    assert (
        order_link_id(3, "momentum", "ETHUSDT", "exit", MONDAY)
        == "MX-3ed4526916919c7b30cd7370166e6f17"
    )
    assert [link_prefix(s, "exit") for s in sleeve_ids()] == ["TX-", "SX-", "CX-", "MX-"]


def test_ema_cross_has_no_profile_and_no_sleeve() -> None:
    assert "ema_cross" in STRATEGIES and "ema_cross" not in sleeve_ids()
    with pytest.raises(StrategyConfigError, match="does not trade a sleeve"):
        profile_of("ema_cross")


def test_a_registered_fifth_strategy_is_known_everywhere_and_gone_after(
    fifth: type[UpCloseStrategy],
) -> None:
    assert sleeve_ids() == ("trend", "scalper", "carry", "momentum", "upclose")
    assert order_link_id(7, "upclose", "BTCUSDT", "entry_long", MONDAY).startswith("UEL-")
    assert default_allocation_pct()["upclose"] == Decimal(0)
    pairs = [(s, get_strategy(s).entry_interval) for s in sleeve_ids()]
    # Monday 00:00: every entry timeframe closes and momentum rebalances
    assert due(pairs, MONDAY) == ["trend", "scalper", "carry", "momentum", "upclose"]
    # Tuesday 04:00: a 4h close, not a Monday: momentum waits, the 4h strategies run
    assert due(pairs, TUESDAY_4H) == ["trend", "scalper", "carry", "upclose"]


def test_after_the_fixture_the_fifth_is_gone() -> None:
    with registered():
        pass
    assert "upclose" not in STRATEGIES and sleeve_ids()[-1] == "momentum"


def test_a_taken_id_or_order_code_is_refused() -> None:
    class Clash(UpCloseStrategy):
        id = "clash"
        profile = StrategyProfile(order_code="T")

    with pytest.raises(StrategyConfigError, match="order code 'T'"):
        register(Clash)
    with pytest.raises(StrategyConfigError, match="registered already"):
        register(STRATEGIES["trend"])
    unregister("clash")  # nothing registered: a no-op
    assert "clash" not in STRATEGIES


@pytest.mark.parametrize("code", ["", "t", "TT", "1"])
def test_an_order_code_is_one_capital_letter(code: str) -> None:
    with pytest.raises(ValueError, match="one capital letter"):
        StrategyProfile(order_code=code)
