"""Bad limits and malformed proposals are errors naming the problem, never rejections."""

from __future__ import annotations

from decimal import Decimal

import pytest

from algotrading.domain.limits import InvalidLimits, RiskLimits
from algotrading.errors import AppError
from algotrading.risk import InvalidProposal, TradeProposal

D = Decimal


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_risk_per_trade_pct": D(0)}, r"max_risk_per_trade_pct must be in \(0, 100\]"),
        ({"max_portfolio_risk_pct": D(101)}, r"max_portfolio_risk_pct must be in \(0, 100\]"),
        ({"max_risk_per_trade_pct": D(20)}, r"must not exceed max_portfolio_risk_pct \(10\)"),
        ({"max_loss_per_trade": D(-1)}, r"max_loss_per_trade must be > 0"),
        ({"max_leverage": D("0.5")}, r"max_leverage must be in \[1, 100\]"),
        ({"fee_rate": D("-0.001")}, r"fee_rate must be in \[0, 0\.01\)"),
        ({"max_leverage": "three"}, r"max_leverage must be a number"),
    ],
)
def test_limits_out_of_range(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidLimits, match=message) as info:
        RiskLimits(**kwargs)  # type: ignore[arg-type]
    assert isinstance(info.value, AppError)


def test_defaults_match_the_schema_and_numbers_become_decimals() -> None:
    limits = RiskLimits(max_loss_per_trade=50, max_leverage=2.5)  # type: ignore[arg-type]
    assert limits.max_loss_per_trade == D(50) and limits.max_leverage == D("2.5")
    assert (RiskLimits().max_risk_per_trade_pct, RiskLimits().max_portfolio_risk_pct) == (2, 10)


@pytest.mark.parametrize(
    ("side", "qty", "entry", "stop", "leverage", "message"),
    [
        ("long", "-1", "100", "95", "1", "must be positive"),
        ("long", "0", "100", "95", "1", "must be positive"),
        ("long", "1", "100", "105", "1", r"a long stop-loss must be below the entry price"),
        ("short", "1", "100", "95", "1", r"a short stop-loss must be above the entry price"),
        ("long", "1", "100", "100", "1", "must be below"),
        ("long", "1", "100", "95", "0", "leverage must be >= 1"),
        ("up", "1", "100", "95", "1", "side must be 'long' or 'short'"),
        ("long", "1", "NaN", "95", "1", "entry_price must be finite"),
    ],
)
def test_malformed_proposals(
    side: str, qty: str, entry: str, stop: str, leverage: str, message: str
) -> None:
    with pytest.raises(InvalidProposal, match=message):
        TradeProposal("trend", "BTCUSDT", side, D(qty), D(entry), D(stop), D(leverage))  # type: ignore[arg-type]


def test_an_entry_without_a_stop_is_refused() -> None:
    with pytest.raises(InvalidProposal, match="every entry needs a stop-loss"):
        TradeProposal("trend", "BTCUSDT", "long", D(1), D(100), None)  # type: ignore[arg-type]
