"""Risk validation of new entries: pure rules over plain values (docs/RISK.md).

`validate(proposal, context, limits)` is the one call the executor and the portfolio backtest
make before an entry; `risk_context` builds its context from the sleeve ledger.
"""

from algotrading.risk.types import (
    InvalidProposal,
    OpenPosition,
    ReasonCode,
    RiskContext,
    RiskDecision,
    TradeProposal,
)
from algotrading.risk.validate import risk_context, validate

__all__ = [
    "InvalidProposal",
    "OpenPosition",
    "ReasonCode",
    "RiskContext",
    "RiskDecision",
    "TradeProposal",
    "risk_context",
    "validate",
]
