"""The result a run hands out (JSON schema, assumptions, report) and the data it reads (span
checks, warm-up messages, open-interest files, the exchange as a source)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from strategy_support import DERIVS, load_open_interest

from algotrading.backtest import (
    BacktestConfig,
    BacktestInputError,
    ExchangeMarketData,
    FileMarketData,
    run_backtest,
)
from algotrading.backtest.report import write_report
from algotrading.backtest.reporting import strategy_report
from algotrading.backtest.result import RESULT_KEYS, SCHEMA, TRADE_KEYS, BacktestResult
from algotrading.domain.intervals import Interval
from algotrading.domain.series import Candles, FundingHistory
from algotrading.domain.timefmt import parse_time
from algotrading.errors import DataFileError
from algotrading.market.datafiles import DataSet
from algotrading.market.open_interest import OpenInterestFiles


@pytest.fixture(scope="module")
def bundled_run() -> BacktestResult:
    """ema_cross on two bundled symbols, default span and sizing."""
    config = BacktestConfig("ema_cross", symbols=("BTCUSDT", "ETHUSDT"))
    return run_backtest(config, FileMarketData(DataSet()))


def test_json_result_has_the_documented_schema(bundled_run: BacktestResult) -> None:
    data = json.loads(json.dumps(bundled_run.to_json(), allow_nan=False))
    assert tuple(data) == RESULT_KEYS and data["schema"] == SCHEMA
    assert re.fullmatch(r"bt-\d{8}T\d{6}Z-[0-9a-f]{6}", data["run_id"])
    assert data["params"] == {"interval": "15m", "ema_fast": 9, "ema_slow": 21,
                              "atr_period": 14, "stop_atr_mult": 2.0, "leverage": 1.0}  # fmt: skip
    assert data["symbols"] == ["BTCUSDT", "ETHUSDT"] and data["interval"] == "15m"
    trade = data["trades"][0]
    assert tuple(trade) == TRADE_KEYS
    assert set(trade["exits"][0]) == {"time", "price", "fraction", "qty", "reason"}
    curve = data["equity_curve"]
    assert len(curve["time_ms"]) == len(curve["equity"]) > 17_000
    assert curve["equity"][0] == data["initial_capital"] == 10_000.0
    assert curve["equity"][-1] == data["final_equity"]
    metrics = data["metrics"]
    assert set(metrics["per_symbol"]) == {"BTCUSDT", "ETHUSDT"}
    assert [m["month"] for m in metrics["monthly_returns"]][:2] == ["2025-09", "2025-10"]
    assert sum(m["trades"] for m in metrics["per_symbol"].values()) == metrics["trades"]
    assert set(metrics["entries"]) == {"entry_rows_unsettled", "entry_rows_conflicting",
                                       "entry_rows_unusable", "entries_unfunded"}  # fmt: skip


def test_every_assumption_is_written_into_the_result(bundled_run: BacktestResult) -> None:
    a = bundled_run.to_json()["assumptions"]
    assert (a["fee_rate"], a["slippage_bps"]) == (0.00055, 2.0)
    assert a["sizing"]["mode"] == "risk" and a["sizing"]["risk_pct"] == 2.0
    assert a["liquidation"] == {
        "margin": "isolated", "leverage": 1.0, "maintenance_margin_rate": 0.005,
        "check": "each bar before the position policy, against the stop in force",
        "fill": "bankruptcy price, no fee",
    }  # fmt: skip
    coverage = a["funding"]["coverage"]["BTCUSDT"]
    assert coverage["settlements"] > 500 and coverage["last"] == "2026-03-31T16:00:00Z"
    # the bundled set ships 4h open interest for BTC/ETH/SOL (2025-01-01 .. 2025-11-04)
    assert a["data"]["source"] == "files" and a["data"]["open_interest"]["BTCUSDT"] is True
    assert a["policy"]["initial_stop"] is True and a["policy"]["take_profit"] == "none"
    for key in ("timing", "entry", "intrabar", "positions", "warmup", "open_at_end"):
        assert isinstance(a[key], str) and a[key]


def test_report_is_one_self_contained_offline_file(
    bundled_run: BacktestResult, tmp_path: Path
) -> None:
    page = write_report(bundled_run, tmp_path / "run.html").read_text(encoding="utf-8")
    scripts = re.findall(r"<script[^>]*>", page)
    assert scripts and not any("src=" in tag for tag in scripts)  # nothing fetched
    assert "<link" not in page and "cdn.plot.ly/plotly" not in page
    assert "plotly.js v" in page  # the library itself, inline
    assert page.count("Plotly.newPlot") == 2 + 2  # equity+drawdown, monthly, one per symbol
    for text in ("Monthly returns", "Drawdown", "BTCUSDT: price and trades", "sharpe",
                 "max_drawdown", "fees_paid"):  # fmt: skip
        assert text in page


def test_the_monthly_heatmap_has_no_phantom_month_and_a_symmetric_scale(
    bundled_run: BacktestResult,
) -> None:
    """The default span ends at 2026-04-01 00:00: April holds that one point and no trading, so
    the result's metrics list it (a return of 0) and the heatmap leaves it out."""
    assert bundled_run.metrics["monthly_returns"][-1] == {"month": "2026-04", "return": 0.0}
    heatmap = next(s for s in strategy_report(bundled_run).sections if s.title == "Monthly returns")
    assert heatmap.content is not None and heatmap.content["y"] == ["2025", "2026"]
    april, march = heatmap.content["z"][1][3], heatmap.content["z"][1][2]
    assert april is None and march is not None
    shown = [abs(v) for row in heatmap.content["z"] for v in row if v is not None]
    assert heatmap.content["zmax"] == -heatmap.content["zmin"] == max(shown)


def test_the_default_span_starts_where_every_symbol_is_settled(
    bundled_run: BacktestResult,
) -> None:
    """ema_cross needs 326 closed 15m candles: the 326th closes 81.5 hours after the start."""
    assert bundled_run.start_ms == parse_time("2025-09-24") + 326 * Interval.M15.ms
    assert bundled_run.end_ms == parse_time("2026-04-01")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"end_ms": parse_time("2026-05-01")},
         "the span ends at 2026-05-01T00:00:00Z, after BTCUSDT's 15m data ends"),
        ({"end_ms": parse_time("2020-01-01")}, "before BTCUSDT's 15m data begins"),
        ({"start_ms": parse_time("2025-01-01")},
         "the span starts at 2025-01-01T00:00:00Z, before BTCUSDT's 15m data begins"),
        ({"start_ms": parse_time("2026-03-31T23:50")}, "holds no complete 15m bar"),
    ],
)  # fmt: skip
def test_a_span_outside_the_data_is_refused(overrides: dict[str, Any], message: str) -> None:
    config = BacktestConfig("ema_cross", **overrides)
    with pytest.raises(BacktestInputError, match=re.escape(message)):
        run_backtest(config, FileMarketData(DataSet()))


def test_too_little_history_says_how_much_is_needed() -> None:
    config = BacktestConfig("scalper", symbols=("BTCUSDT",), start_ms=parse_time("2025-09-30"))
    with pytest.raises(BacktestInputError) as caught:
        run_backtest(config, FileMarketData(DataSet()))
    assert str(caught.value) == (
        "too little history for warm-up: scalper needs 158 closed 15m candles and 166 closed 1h "
        "candles before its first signal; BTCUSDT has 576 closed 15m candles and 144 closed 1h "
        "candles by 2025-09-30T00:00:00Z; its first settled bar closes at 2025-09-30T22:00:00Z: "
        "start there or later"
    )
    # APEUSDT has no history before 2025-09-24: 131 daily candles by 2026-02-02, 166 needed
    end = parse_time("2026-02-02")
    config = BacktestConfig("trend", symbols=("APEUSDT",), end_ms=end)
    with pytest.raises(BacktestInputError, match=r"trend idle on APEUSDT: warm-up longer than "
                       r"the data: needs 166 closed 1d candles \(131 exist\)"):  # fmt: skip
        run_backtest(config, FileMarketData(DataSet()))


def test_open_interest_files_are_read_and_merged(shared_data: Path, tmp_path: Path) -> None:
    source = shared_data / DERIVS
    whole = OpenInterestFiles([source]).series("BTCUSDT")
    want = load_open_interest(shared_data, "BTCUSDT")
    assert whole is not None and len(whole) == 8_760
    assert np.array_equal(whole.time_ms, want.time_ms) and np.array_equal(whole.value, want.value)
    assert OpenInterestFiles([source]).series("ADAUSDT") is None
    assert OpenInterestFiles([source]).symbols() == ["BTCUSDT", "DOGEUSDT", "ETHUSDT", "SOLUSDT",
                                                     "XRPUSDT"]  # fmt: skip
    first, second = tmp_path / "a" / "open_interest", tmp_path / "b" / "open_interest"
    for folder in (first, second):
        folder.mkdir(parents=True)
        shutil.copy(source / "open_interest" / "BTCUSDT_4h.csv.gz", folder)
    merged = OpenInterestFiles([first.parent, second.parent]).series("BTCUSDT")
    assert merged is not None and np.array_equal(merged.value, whole.value)
    (first / "ETHUSDT_4h.csv.gz").write_bytes(b"not gzip")
    with pytest.raises(DataFileError, match="not a readable gzip"):
        OpenInterestFiles([first.parent]).series("ETHUSDT")


class FakePort:
    """The two market-data calls of the exchange port the backtest uses, on real candles."""

    def __init__(self, candles: Candles, funding: FundingHistory) -> None:
        self.candles, self.funding = candles, funding
        self.funding_calls = 0

    def get_candles(self, symbol: str, interval: Interval, *, start_ms: int, end_ms: int,
                    limit: int) -> Candles:  # fmt: skip
        return self.candles.between(start_ms, end_ms + 1).slice(-limit)

    def get_funding_rate_history(self, symbol: str, *, start_ms: int, end_ms: int,
                                 limit: int) -> FundingHistory:  # fmt: skip
        self.funding_calls += 1
        keep = np.flatnonzero((self.funding.time_ms >= start_ms) & (self.funding.time_ms <= end_ms))
        keep = keep[-limit:]
        return FundingHistory(self.funding.time_ms[keep], self.funding.rate[keep])


def test_a_backtest_from_the_exchange_port_equals_one_from_the_files() -> None:
    """The port is asked only for the span plus the warm-up, so indicators start later than in
    the files: settled values agree to ~1e-13 (stops, so stop fills), every time exactly."""
    data = DataSet()
    port = FakePort(data.candles("BTCUSDT", "15m"), data.funding("BTCUSDT"))
    start, end = parse_time("2025-11-01"), parse_time("2026-02-01")
    config = BacktestConfig("ema_cross", start_ms=start, end_ms=end)
    from_port = run_backtest(config, ExchangeMarketData(port, until_ms=end))  # type: ignore[arg-type]
    from_files = run_backtest(config, FileMarketData(data))
    assert port.funding_calls >= 2  # paged: 200 settlements per call
    port_rows, file_rows = from_port.trade_rows(), from_files.trade_rows()
    assert len(port_rows) == len(file_rows) > 100
    for got, want in zip(port_rows, file_rows, strict=True):
        exact = ("side", "entry_time", "entry_price", "exit_time", "exit_reason")
        assert {k: got[k] for k in exact} == {k: want[k] for k in exact}
        assert got["stop"] == pytest.approx(want["stop"], rel=1e-12)
        if want["exit_price"] is not None:  # else both open at the end
            assert got["exit_price"] == pytest.approx(want["exit_price"], rel=1e-12)
        assert got["marked_pnl"] == pytest.approx(want["marked_pnl"], rel=1e-6, abs=1e-9)
    assert from_port.final_equity == pytest.approx(from_files.final_equity, rel=1e-9)
    assert from_port.assumptions["data"]["source"] == "exchange"
