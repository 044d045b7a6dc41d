"""Issue 17's seeded-database check: on a database holding a replayed account (the library call
of `algo paper replay`, 2025-10-03 06:00 to 08:30 UTC, into the API's test database), a stored
backtest (started through `POST /api/backtest`, run by the local pool), an operator action (a
pause through the API) and a job run, every GET route of the app answers 200 with non-empty
data, and the routes with a CLI twin show the CLI's figures.

The routes are found by walking the app (a route added later is covered without editing this
file). The caller is an admin (second factor waived, as `ALGO_ADMIN_TOTP=optional` does for a
local demo), who reaches every account and every admin route.

Pairs checked for equal figures:
- `GET /api/strategies` vs `algo strategies list --account N --json`;
- `GET /api/trading/trades` vs the replay's own report (its `trades`);
- `GET /api/portfolio/summary` vs the newest `portfolio_snapshots` row the replay stored.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from api_support import add_user, api_routes, close_app, empty_tables, login, make_client

from algotrading.bundled import BUNDLED_DATA_DIR
from algotrading.cli.main import main
from algotrading.domain.timefmt import parse_time
from algotrading.local.paper_replay import ReplayConfig, replay
from algotrading.settings import get_settings, load_settings

START, END = parse_time("2025-10-03T06:00:00Z"), parse_time("2025-10-03T08:30:00Z")
"""The replay's scalper enters at the 08:30 close (tests/integration/test_local_up.py): ending
there leaves a position open, so the positions routes have one to show."""

MAY_BE_EMPTY = {
    "/api/trading/positions": "reaches the account's exchange: the replay's simulator stopped"
    " with the replay (the route is covered on a live simulator in test_api_trading)",
    "/api/trading/balance": "the same: read from the account's exchange",
    "/api/market/ticker/{symbol}": "the same (covered on a live simulator in test_api_market)",
}
"""GET routes that may answer other than 200 with data here, and why."""


@pytest.fixture(scope="module")
def seeded(api_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    empty_tables(api_db_url)
    settings = load_settings(database_url=api_db_url)
    config = ReplayConfig(data_dirs=(BUNDLED_DATA_DIR,), start_ms=START, end_ms=END)
    outcome = replay(config, settings)
    admin = add_user(api_db_url, "admin@x.io", role="admin")
    with psycopg.connect(api_db_url) as conn:
        trade_id = conn.execute("SELECT max(id) FROM trades").fetchone()[0]
        order_id = conn.execute("SELECT max(id) FROM orders").fetchone()[0]
    job_run = _seed_job_run(settings)
    client = make_client(
        api_db_url, admin_totp="optional", reports_dir=tmp_path_factory.mktemp("r")
    )
    with client:
        token = login(client, "admin@x.io")["access_token"]
        headers = {"Authorization": f"Bearer {token}",
                   "X-Trading-Account-Id": str(outcome.account_id)}  # fmt: skip
        paused = client.post(
            "/api/strategies/trend/pause", json={"reason": "seed"}, headers=headers
        )
        assert paused.status_code == 200, paused.text
        yield {"client": client, "token": token, "account": outcome.account_id,
               "report": outcome.report, "admin": admin, "trade": trade_id, "order": order_id,
               "url": api_db_url, "backtest": _seed_backtest(client, headers),
               "job_run": job_run}  # fmt: skip
    close_app(client)


def _seed_job_run(settings: Any) -> str:
    """One stored job run, written by the jobs' own run ledger; its API id."""
    from algotrading.jobs.config import given_connection
    from algotrading.jobs.runs import run_job

    at = END
    with given_connection(None, settings) as conn:
        run_job(conn, "funding_poll", at, lambda: {"accounts": [], "failures": []})
    return f"funding_poll@{at}"


def _seed_backtest(client: Any, headers: dict[str, str]) -> str:
    """A single-strategy backtest started through the API and waited for; its run id."""
    july, october = parse_time("2025-07-01T00:00:00Z"), parse_time("2025-10-01T00:00:00Z")
    body = {"strategy": "trend", "symbols": ["BTCUSDT"], "start": july, "end": october}
    started = client.post("/api/backtest", json=body, headers=headers)
    assert started.status_code == 202, started.text
    run_id = str(started.json()["run_id"])
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        status = client.get(f"/api/backtest/{run_id}", headers=headers).json()["status"]
        if status != "running":
            assert status == "done", status
            return run_id
        time.sleep(0.5)
    raise AssertionError(f"the seeded backtest {run_id} is still running")


def _url(path: str, ids: dict[str, Any]) -> str:
    values = {"account_id": ids["account"], "user_id": ids["admin"], "trade_id": ids["trade"],
              "order_id": ids["order"], "strategy": "scalper", "strategy_id": "scalper",
              "symbol": "BTCUSDT", "interval": "15m"}  # fmt: skip
    run_key = "job_run" if path.startswith("/api/system/job-runs") else "backtest"
    values["run_id"] = ids.get(run_key, "")
    for name, value in values.items():
        path = path.replace("{" + name + "}", str(value))
    return path


def _get_routes() -> list[str]:
    from algotrading.api.app import create_app
    from algotrading.api.config import load_api_settings

    app = create_app(load_settings(), load_api_settings(jwt_secret="x" * 40))
    return sorted(
        r.path for r in api_routes(app.routes) if "GET" in r.methods and r.path.startswith("/api/")
    )


def _non_empty(data: Any) -> bool:
    if isinstance(data, dict) and "items" in data and "total" in data:
        return bool(data["items"]) and data["total"] > 0
    if isinstance(data, dict):
        return any(v not in (None, [], {}, "") for v in data.values())
    return bool(data)


@pytest.mark.parametrize("path", _get_routes())
def test_every_get_route_answers_with_data(seeded: dict, path: str) -> None:
    headers = {"Authorization": f"Bearer {seeded['token']}",
               "X-Trading-Account-Id": str(seeded["account"])}  # fmt: skip
    answer = seeded["client"].get(_url(path, seeded), headers=headers)
    if path in MAY_BE_EMPTY:  # a clear 4xx, or 503 naming the exchange that did not answer
        unreachable = answer.status_code == 503 and "exchange" in answer.json()["error"]["message"]
        assert answer.status_code < 500 or unreachable, answer.text
        return
    assert answer.status_code == 200, (path, answer.text)
    if answer.headers["content-type"].startswith("application/json"):
        assert _non_empty(answer.json()), (path, answer.text[:300])
    else:
        assert answer.content, path


def _cli_json(url: str, *args: str) -> Any:
    saved = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            assert main(list(args)) == 0
    finally:
        if saved is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = saved
        get_settings.cache_clear()
    return json.loads(out.getvalue())


def test_strategies_equal_the_cli(seeded: dict) -> None:
    cli = _cli_json(seeded["url"], "strategies", "list", "--account", str(seeded["account"]),
                    "--json")  # fmt: skip
    headers = {"Authorization": f"Bearer {seeded['token']}",
               "X-Trading-Account-Id": str(seeded["account"])}  # fmt: skip
    api = seeded["client"].get("/api/strategies", headers=headers).json()["items"]
    fields = ("enabled", "status", "override", "open_trades", "paper_trades")
    assert [s["id"] for s in api] == [s["strategy"] for s in cli]
    assert [{f: s[f] for f in fields} for s in api] == [{f: s[f] for f in fields} for s in cli]
    assert sum(s["open_trades"] for s in cli) > 0
    assert [Decimal(str(s["allocation_pct"])) for s in api] == [
        Decimal(str(s["allocation_pct"])) for s in cli
    ]


def test_trades_equal_the_replay_report(seeded: dict) -> None:
    headers = {"Authorization": f"Bearer {seeded['token']}",
               "X-Trading-Account-Id": str(seeded["account"])}  # fmt: skip
    api = seeded["client"].get("/api/trading/trades?limit=500", headers=headers).json()
    replayed = seeded["report"]["trades"]
    assert api["total"] == len(replayed) > 0
    by_id = {t["id"]: t for t in replayed}
    for trade in api["items"]:
        mine = by_id[trade["id"]]
        for name in ("strategy", "symbol", "side", "status", "qty", "entry_price", "exit_price",
                     "realized_pnl", "fees"):  # fmt: skip
            theirs = mine[name]
            if theirs is None or trade[name] is None:
                assert theirs == trade[name], name
            elif name in ("strategy", "symbol", "side", "status"):
                assert str(theirs) == trade[name], name
            else:
                assert Decimal(str(theirs)) == Decimal(trade[name]), name


def test_summary_equals_the_newest_snapshot(seeded: dict) -> None:
    headers = {"Authorization": f"Bearer {seeded['token']}",
               "X-Trading-Account-Id": str(seeded["account"])}  # fmt: skip
    summary = seeded["client"].get("/api/portfolio/summary", headers=headers).json()
    with psycopg.connect(seeded["url"]) as conn:
        equity = conn.execute(
            "SELECT equity FROM portfolio_snapshots WHERE trading_account_id = %s"
            " AND scope = 'portfolio' ORDER BY snapshot_time DESC LIMIT 1",
            (seeded["account"],),
        ).fetchone()[0]
    assert Decimal(summary["equity"]) == equity
