"""The circuit-breaker thresholds of a run, read from the settings.

`portfolio.breakers` computes over thresholds it is given and never reads the settings (whose
database URL check loads psycopg), so a backtest of the breakers stays free of I/O; the services
that run against an account read them here.
"""

from __future__ import annotations

from algotrading.domain.breaker import BreakerThresholds
from algotrading.settings import Settings


def thresholds_from_settings(settings: Settings) -> BreakerThresholds:
    """ALGO_PORTFOLIO_HALT_PCT, ALGO_SLEEVE_PAUSE_PCT, ALGO_BREAKER_RESUME_PCT,
    ALGO_PORTFOLIO_FLOOR_PCT, ALGO_SLEEVE_FLOOR_PCT and ALGO_CLOSE_POSITIONS_ON_HALT
    (docs/configuration.md)."""
    return BreakerThresholds(
        portfolio_halt_pct=settings.portfolio_halt_pct,
        sleeve_pause_pct=settings.sleeve_pause_pct,
        resume_pct=settings.breaker_resume_pct,
        close_positions_on_halt=settings.close_positions_on_halt,
        portfolio_floor_pct=settings.portfolio_floor_pct,
        sleeve_floor_pct=settings.sleeve_floor_pct,
    )
