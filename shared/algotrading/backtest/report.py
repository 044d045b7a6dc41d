"""A single-strategy run's report: one self-contained HTML file that opens offline.

The page is drawn from the report model (`reporting.strategy_report`) by the one renderer the
portfolio report uses too (`reporting.render_html`); the dashboard will render the same model.
"""

from __future__ import annotations

from pathlib import Path

from algotrading.backtest.reporting import render_html, strategy_report, write_html
from algotrading.backtest.result import BacktestResult


def write_report(result: BacktestResult, path: Path) -> Path:
    """Write the report to `path` (parent directories must exist) and return it."""
    return write_html(strategy_report(result), path)


def render(result: BacktestResult) -> str:
    return render_html(strategy_report(result))
