"""The report model (`backtest.reporting`) and its HTML page: what each section holds, checked
against facts recomputed here from the result, and that the page fetches nothing."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from algotrading.backtest.portfolio import PortfolioBacktestConfig, run_portfolio
from algotrading.backtest.portfolio.result import PortfolioResult
from algotrading.backtest.reporting import Report, Section, portfolio_report, render_html
from algotrading.domain.timefmt import parse_time

OCTOBER = parse_time("2025-10-01")

pytestmark = pytest.mark.slow  # a short portfolio run builds the model (about 3 s)


@pytest.fixture(scope="module")
def short_run() -> PortfolioResult:
    """The bundled data set from its default start (30 Sep 22:00) to 15 Oct: both months."""
    config = PortfolioBacktestConfig(
        start_ms=parse_time("2025-09-30T22:00"), end_ms=parse_time("2025-10-15")
    )
    return run_portfolio(config, 1, run_id="bt-report", created_ms=1)


@pytest.fixture(scope="module")
def model(short_run: PortfolioResult) -> Report:
    return portfolio_report(short_run)


def _section(model: Report, title: str) -> Section:
    return next(s for s in model.sections if s.title == title)


def test_every_section_has_content_or_says_why_and_the_model_is_json(model: Report) -> None:
    for s in model.sections:
        assert (s.content is None) != (s.empty is None) and (s.content or s.empty)
    data = json.loads(json.dumps(model.to_json(), allow_nan=False))
    assert data["schema"] == "algotrading.report/1" and data["kind"] == "portfolio"
    assert [s["title"] for s in data["sections"]][:3] == [
        "Metrics", "Strategies: trades, exposure, idle", "Idle strategies and symbols",
    ]  # fmt: skip
    assert {s["kind"] for s in data["sections"]} <= {"metrics", "table", "chart", "note"}


def test_the_trade_list_holds_every_trade_with_strategy_and_track(
    short_run: PortfolioResult, model: Report
) -> None:
    content = _section(model, "Trades").content
    assert content is not None and short_run.trades  # not vacuous
    assert len(content["rows"]) == len(short_run.trades)
    first, trade = content["rows"][0], short_run.trades[0]
    assert first[:3] == [trade["strategy"], trade["symbol"], trade["side"]]
    assert first[-1] == ("shadow" if trade["shadow"] else "live")
    live = [t for t in short_run.trades if not t["shadow"]]
    per_symbol = _section(model, "Per symbol").content
    assert per_symbol is not None
    assert sum(int(row[2]) for row in per_symbol["rows"]) == len(live)


def test_monthly_returns_are_close_over_previous_close(
    short_run: PortfolioResult, model: Report
) -> None:
    """September: its last point over the first; October: the last point over September's
    last (a point at 00:00 on the 1st belongs to the new month)."""
    times, equity = short_run.times, short_run.equity
    september_close = float(equity[times < OCTOBER][-1])
    september = september_close / float(equity[0]) - 1
    october = float(equity[-1]) / september_close - 1
    content = _section(model, "Monthly returns per sleeve").content
    assert content is not None and content["columns"][:2] == ["month", "portfolio"]
    rows = {row[0]: row[1] for row in content["rows"]}
    assert rows == {"2025-09": f"{100 * september:.2f}%", "2025-10": f"{100 * october:.2f}%"}


def test_an_idle_sleeve_says_why(short_run: PortfolioResult, model: Report) -> None:
    assert short_run.strategies["carry"]["status"] == "idle"
    carry = _section(model, "Sleeve carry: equity (%)")
    assert carry.content is None and carry.empty is not None
    assert "carry placed no trade" in carry.empty and "no open interest in the data" in carry.empty


def test_the_drawdown_chart_carries_the_breaker_levels(model: Report) -> None:
    """Defaults (docs/RISK.md): resume 10 %, sleeve pause 15 %, sleeve floor = portfolio halt
    25 %, portfolio floor 35 %."""
    content = _section(model, "Drawdown and circuit breakers").content
    assert content is not None
    levels = content["panels"][0]["levels"]
    assert [lv["value"] for lv in levels] == [-10.0, -15.0, -25.0, -35.0]
    assert levels[2]["label"] == "sleeve floor / portfolio halt 25 %"


def test_the_page_fetches_nothing_and_names_no_absolute_path(
    short_run: PortfolioResult, model: Report
) -> None:
    page = render_html(model)
    scripts = re.findall(r"<script[^>]*>", page)
    assert scripts and not any("src=" in tag for tag in scripts)
    assert "<link" not in page and page.count("plotly.js v") == 1  # the library once, inline
    after_library = page.split("</script>", 1)[1]
    assert "http" not in after_library.replace("http://www.w3.org", "")
    for folder in short_run.assumptions["data_dirs"]:
        assert Path(folder).is_absolute() and folder not in page
    assumptions = _section(model, "Assumptions").content
    assert assumptions is not None
    assert ["data_dirs", "bundled"] in assumptions["rows"]


def test_empty_breaker_and_episode_sections_say_why(short_run: PortfolioResult) -> None:
    """Warning levels half-way between resume (10 %) and trigger: sleeve 12.5 %, portfolio
    17.5 %; the portfolio's deepest drawdown recomputed here from its curve."""
    calm = portfolio_report(replace(short_run, transitions=[], correlated_drawdowns=[]))
    breakers = _section(calm, "Breaker transitions")
    peak = np.maximum.accumulate(short_run.equity)
    deepest = 100 * float(np.max(1 - short_run.equity / peak))
    assert breakers.content is None and breakers.empty is not None
    assert "warning level (sleeve 12.5 %, portfolio 17.5 %)" in breakers.empty
    assert f"portfolio {deepest:.2f} %" in breakers.empty
    episodes = _section(calm, "Correlated drawdowns (two or more sleeves under water at once)")
    assert episodes.empty == "No two sleeves were under water at the same time."
