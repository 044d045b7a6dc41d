"""Reports of backtest runs: one JSON report model, one HTML renderer.

A run (single strategy or portfolio) becomes a `Report` of sections (`model`); the HTML page
(`html_page`) and, later, the dashboard render that same model, so the two never drift apart.
Schema of `Report.to_json()`: docs/BACKTESTING.md, "Report model".
"""

from algotrading.backtest.reporting.html_page import render_html, write_html
from algotrading.backtest.reporting.model import Report, Section
from algotrading.backtest.reporting.portfolio import portfolio_report
from algotrading.backtest.reporting.strategy import strategy_report

__all__ = [
    "Report",
    "Section",
    "portfolio_report",
    "render_html",
    "strategy_report",
    "write_html",
]
