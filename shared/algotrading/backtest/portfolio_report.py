"""A portfolio run's report: one self-contained HTML file that opens offline.

Drawn from the report model (`reporting.portfolio_report`) by the renderer the single-strategy
report uses (`reporting.render_html`); the dashboard will render the same model.
"""

from __future__ import annotations

from pathlib import Path

from algotrading.backtest.portfolio.result import PortfolioResult
from algotrading.backtest.reporting import portfolio_report, render_html, write_html


def write_portfolio_report(result: PortfolioResult, path: Path) -> Path:
    """Write the report to `path` (parent directories must exist) and return it."""
    return write_html(portfolio_report(result), path)


def render_portfolio(result: PortfolioResult) -> str:
    return render_html(portfolio_report(result))
