"""The allocation table: 30/20/20/30 by default, exact sums, per-account overrides merged."""

from __future__ import annotations

from decimal import Decimal

import pytest

from algotrading.domain.allocation import AllocationError, AllocationTable
from algotrading.domain.scopes import UnknownStrategy, check_strategy
from algotrading.errors import AppError
from algotrading.strategies.registry import default_allocation, sleeve_ids


def test_default_is_30_20_20_30_of_equity() -> None:
    table = default_allocation()
    assert table.as_dict() == {
        "trend": Decimal(30), "scalper": Decimal(20), "carry": Decimal(20),
        "momentum": Decimal(30),
    }  # fmt: skip
    assert table.fraction("scalper") == Decimal("0.2")


@pytest.mark.parametrize(
    ("pcts", "message"),
    [
        ({"trend": 40, "scalper": 20, "carry": 20, "momentum": 30}, r"sum to 100 %, got 110 %"),
        ({"trend": 30, "scalper": 20, "carry": 20}, r"sum to 100 %, got 70 %"),
        ({}, r"got 0 % \(empty\)"),
        ({"trend": -10, "scalper": 50, "carry": 30, "momentum": 30}, r"trend must be 0\.\.100"),
        ({"trend": 130, "scalper": -30}, r"trend must be 0\.\.100"),
        ({"trend": 70, "ml": 30}, r"unknown strategy 'ml'"),
        ({"portfolio": 100}, r"unknown strategy 'portfolio'"),
        ({"trend": "lots", "scalper": 100}, r"allocation of trend must be a number"),
        ({"trend": float("nan"), "scalper": 100}, r"must be finite"),
    ],
)
def test_invalid_tables_are_refused_naming_the_problem(
    pcts: dict[str, object], message: str
) -> None:
    with pytest.raises(AllocationError, match=message) as info:
        AllocationTable.from_mapping(pcts, sleeve_ids())  # type: ignore[arg-type]
    assert isinstance(info.value, AppError) and isinstance(info.value, ValueError)


def test_a_strategy_listed_twice_is_refused() -> None:
    with pytest.raises(AllocationError, match="lists strategy 'trend' twice"):
        AllocationTable.from_pairs([("trend", 50), ("trend", 50)], sleeve_ids())


def test_the_sum_is_exact_in_decimal() -> None:
    thirds = AllocationTable.from_mapping(
        {"trend": "33.3333", "scalper": "33.3333", "carry": "33.3334"}, sleeve_ids()
    )
    assert thirds.pct("momentum") == 0  # a known strategy left out has no sleeve
    with pytest.raises(AllocationError, match=r"got 99\.99 %"):
        AllocationTable.from_mapping(
            {"trend": "33.33", "scalper": "33.33", "carry": "33.33"}, sleeve_ids()
        )
    # floats enter through their shortest repr, so 0.1-style values add up exactly
    table = AllocationTable.from_mapping({"trend": 30.1, "scalper": 19.9, "carry": 20.0,
                                          "momentum": 30}, sleeve_ids())  # fmt: skip
    assert table.pct("trend") == Decimal("30.1")


def test_overrides_merge_into_the_default_and_must_still_sum_to_100() -> None:
    merged = default_allocation().with_overrides({"trend": 40, "scalper": 10})
    assert merged.as_dict() == {
        "trend": Decimal(40), "scalper": Decimal(10), "carry": Decimal(20),
        "momentum": Decimal(30),
    }  # fmt: skip
    kept = default_allocation().with_overrides({"trend": None, "carry": Decimal(20)})
    assert kept == default_allocation()
    with pytest.raises(AllocationError, match=r"got 110 % \(trend 40"):
        default_allocation().with_overrides({"trend": 40})
    with pytest.raises(AllocationError, match="override names unknown strategy 'ml'"):
        default_allocation().with_overrides({"ml": 0})


def test_asking_for_an_unknown_strategy_is_an_error() -> None:
    table = default_allocation()
    with pytest.raises(UnknownStrategy, match=r"unknown strategy 'grid'; expected one of trend"):
        table.pct("grid")
    assert check_strategy("carry", sleeve_ids()) == "carry"


def test_custom_strategy_sets_for_backtests() -> None:
    table = AllocationTable.from_mapping({"alpha": 100}, known=("alpha", "beta"))
    assert table.strategies == ("alpha", "beta")
    assert table.pct("beta") == 0
    with pytest.raises(AllocationError, match="unknown strategy 'trend'"):
        AllocationTable.from_mapping({"trend": 100}, known=("alpha",))
