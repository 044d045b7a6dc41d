"""`live_parity`: an account's day of trades against the portfolio backtest of that day
(issue 16). `algo paper replay` trades a day exactly as the executor does; its account, set to
mode `test` as a testnet account would be, is then checked by the daily job at 00:30 the next
day: no difference. One stored trade's quantity changed by hand is then exactly one difference,
one alert, and a repeated delivery alerts no more.

The scalper with `setup_window_bars: 3` on BTCUSDT and ETHUSDT over 2025-10-21 makes two trades
(a stop, and a partial take-profit then a signal exit: tests/integration/test_portfolio_parity.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from execution_support import SCALPER_ENTRY, remove_test_accounts, rows
from jobs_support import LambdaContext, load_handler, payload

from algotrading.bundled import BUNDLED_DATA_DIR
from algotrading.cli.main import main
from algotrading.domain.timefmt import parse_time
from algotrading.jobs.grid import BadScheduledTime
from algotrading.jobs.live_parity import live_parity
from algotrading.settings import get_settings

DAY = ("2025-10-21T00:00:00Z", "2025-10-22T00:00:00Z")
CHECK = parse_time("2025-10-22T00:30:00Z")
NAME = "parity-day"


@pytest.fixture(autouse=True)
def _clean(
    worker_db_url: str, use_database: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    monkeypatch.setenv("ALGO_DATA_DIR", str(BUNDLED_DATA_DIR))
    get_settings.cache_clear()
    rows(worker_db_url, "DELETE FROM job_runs RETURNING job")
    yield
    remove_test_accounts(worker_db_url)
    rows(worker_db_url, "DELETE FROM job_runs RETURNING job")
    get_settings.cache_clear()


def replayed_test_account(url: str, tmp_path: Path) -> int:
    """The day replayed by `algo paper replay`; its account then counts as a testnet one."""
    config = tmp_path / "strategies.json"
    config.write_text(json.dumps({
        "scalper": {"params": SCALPER_ENTRY, "symbols": ["BTCUSDT", "ETHUSDT"]},
        "trend": {"enabled": False}, "carry": {"enabled": False}, "momentum": {"enabled": False},
    }))  # fmt: skip
    out = tmp_path / "replay.json"
    assert main(["paper", "replay", "--start", DAY[0], "--end", DAY[1], "--name", NAME,
                 "--strategy-config", str(config), "--out", str(out)]) == 0  # fmt: skip
    account = json.loads(out.read_text())["account_id"]
    rows(url, "UPDATE trading_accounts SET mode = 'test' WHERE id = %s RETURNING id", account)
    return int(account)


def parity_alerts(url: str, account: int) -> list[tuple]:
    return rows(url, "SELECT level, message, details->>'differences' FROM alerts"
                " WHERE trading_account_id = %s AND kind = 'parity_mismatch'", account)  # fmt: skip


@pytest.mark.slow
def test_a_replayed_day_matches_and_a_changed_quantity_is_one_alert(
    worker_db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    account = replayed_test_account(worker_db_url, tmp_path)
    capsys.readouterr()
    clean = live_parity(CHECK)
    mine = [a for a in clean.summary["accounts"] if a["account_id"] == account]
    assert clean.status == "done" and clean.summary["day"] == "2025-10-21"
    assert mine == [{"account_id": account, "live_trades": 2, "backtest_trades": 2,
                     "compared": 2, "differences": []}]  # fmt: skip
    assert parity_alerts(worker_db_url, account) == []

    trade_id, qty, entered = rows(worker_db_url, "SELECT id, qty, opened_at FROM trades WHERE"
                                  " trading_account_id = %s ORDER BY opened_at LIMIT 1",
                                  account)[0]  # fmt: skip
    changed = qty + Decimal(1)
    rows(worker_db_url, "UPDATE trades SET qty = %s WHERE id = %s RETURNING id", changed,
         trade_id)  # fmt: skip
    rows(worker_db_url, "DELETE FROM job_runs WHERE job = 'live_parity' RETURNING job")
    handler = load_handler("live_parity").handler
    first = handler(payload("live_parity", CHECK), LambdaContext())
    second = handler(payload("live_parity", CHECK), LambdaContext())

    label = f"scalper BTCUSDT {entered.strftime('%Y-%m-%dT%H:%M:%SZ')}"
    want = f"{label}: quantity: live {changed}, backtest {qty.normalize()}"
    found = next(a for a in first["accounts"] if a["account_id"] == account)
    assert first["status"] == "done" and first["replayed"] is False
    assert found["differences"] == [want] and first["differences"] == 1
    assert first["mismatched"] == 1
    assert parity_alerts(worker_db_url, account) == [
        ("warning", f"account {account} traded 2025-10-21 unlike its backtest: 1 difference(s)",
         want)
    ]  # fmt: skip
    assert second["replayed"] is True and second["differences"] == 1
    assert len(parity_alerts(worker_db_url, account)) == 1  # the repeat alerted nothing


def test_off_grid_time_is_refused() -> None:
    with pytest.raises(BadScheduledTime, match=r"every 1440 minutes from 00:30 UTC"):
        live_parity(parse_time("2025-10-22T00:00:00Z"))
    answer = load_handler("live_parity").handler(
        {"job": "live_parity", "scheduled_time": "2025-10-22T01:30:00Z"}, LambdaContext()
    )
    assert answer["status"] == "refused" and "not on its grid" in answer["error"]
