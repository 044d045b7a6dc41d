"""`/api/portfolio` over an account seeded by `algo paper replay` into the API's database: the
figures equal the CLI's JSON for the same account (the replay's stored snapshots, `algo
strategies list --json`) and hand arithmetic on them; a foreign account is a 404, no header a
400, bad parameters a 4xx naming the parameter."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
from api_support import add_account, add_user, bearer, login
from fastapi.testclient import TestClient
from team_data import TEST_DATA

from algotrading.cli.main import main
from algotrading.settings import get_settings

START, END = "2025-10-03T08:00:00Z", "2025-10-03T08:30:00Z"  # the scalper enters at 08:30


def _replayed(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Replay half an hour through the CLI into the API's database; its report and the
    account's `algo strategies list --json`."""
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    out = tmp_path / "replay.json"
    code = main(["paper", "replay", "--data-dir", str(TEST_DATA), "--start", START, "--end", END,
                 "--out", str(out)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    report = json.loads(out.read_text())
    capsys.readouterr()
    assert main(["strategies", "list", "--account", str(report["account_id"]), "--json"]) == 0
    lines = json.loads(capsys.readouterr().out)
    get_settings.cache_clear()
    return report, lines


def _give(url: str, account_id: int, user_id: int) -> None:
    with psycopg.connect(url) as conn:
        conn.execute(
            "UPDATE trading_accounts SET user_id = %s WHERE id = %s", (user_id, account_id)
        )


def test_routes_show_the_replayed_account_as_the_cli_does(
    client: TestClient, api_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:  # fmt: skip
    report, lines = _replayed(api_db_url, tmp_path, monkeypatch, capsys)
    account_id = report["account_id"]
    ann = add_user(api_db_url, "ann@x.io")
    _give(api_db_url, account_id, ann)
    auth = {**bearer(login(client, "ann@x.io")["access_token"]),
            "X-Trading-Account-Id": str(account_id)}  # fmt: skip
    last = {}
    for row in report["snapshots"]:  # oldest first within a scope
        last[row["scope"]] = row
    _check_summary(client.get("/api/portfolio/summary", headers=auth).json(), report, last)
    _check_positions(client.get("/api/portfolio/positions", headers=auth).json(), report)
    _check_allocation(client.get("/api/portfolio/allocation", headers=auth).json(), lines, last)
    _check_breakers(client.get("/api/portfolio/breakers", headers=auth).json(), last)
    _check_curve(client, auth, report)
    _check_performance(client, auth)


def _check_summary(summary: dict[str, Any], report: dict[str, Any], last: dict[str, Any]) -> None:
    portfolio = last["portfolio"]
    assert summary["as_of"].startswith("2025-10-03T08:30:00")
    assert (
        Decimal(summary["equity"])
        == Decimal(portfolio["equity"])
        == Decimal(report["final_equity"])
    )
    assert Decimal(summary["starting_capital"]) == Decimal(10_000)
    expected_return = (Decimal(portfolio["equity"]) / 10_000 - 1) * 100
    assert Decimal(summary["total_return_pct"]) == expected_return
    assert Decimal(summary["real_drawdown_pct"]) == Decimal(portfolio["real_drawdown_pct"])
    assert Decimal(summary["breaker_drawdown_pct"]) == Decimal(portfolio["breaker_drawdown_pct"])
    assert summary["breaker_state"] == portfolio["breaker_state"] == "active"
    assert Decimal(summary["halt_threshold_pct"]) == 25  # docs/RISK.md default
    assert summary["today_pnl"] is None  # the replay began today: no equity before 00:00
    opened = [t for t in report["trades"] if t["status"] == "open"]
    assert summary["positions"]["total"] == len(opened) == 1
    assert summary["positions"]["long"] == sum(t["side"] == "long" for t in opened)


def _check_positions(page: dict[str, Any], report: dict[str, Any]) -> None:
    trade = next(t for t in report["trades"] if t["status"] == "open")
    assert page["total"] == 1 and page["limit"] == 50
    (item,) = page["items"]
    assert item["trade_id"] == trade["id"] and item["symbol"] == trade["symbol"]
    assert item["strategy"] == "scalper" and item["side"] == trade["side"]
    assert Decimal(item["qty"]) == Decimal(trade["qty"])  # no partial exit yet
    assert Decimal(item["entry_price"]) == Decimal(trade["entry_price"])
    assert Decimal(item["stop_loss"]) == Decimal(trade["stop_loss"]) and not item["is_paper"]


def _check_allocation(
    found: list[dict[str, Any]], lines: list[dict[str, Any]], last: dict[str, Any]
) -> None:
    assert [a["strategy"] for a in found] == [line["strategy"] for line in lines]
    for item, line in zip(found, lines, strict=True):
        assert Decimal(item["allocation_pct"]) == Decimal(line["allocation_pct"])
        assert item["status"] == line["status"] and item["open_trades"] == line["open_trades"]
        assert Decimal(item["equity"]) == Decimal(last[item["strategy"]]["equity"])
    assert sum(Decimal(a["allocation_pct"]) for a in found) == 100
    assert sum(a["open_trades"] for a in found) == 1


def _check_breakers(found: list[dict[str, Any]], last: dict[str, Any]) -> None:
    assert found[0]["scope"] == "portfolio" and len(found) == len(last)
    for item in found:
        snap = last[item["scope"]]
        assert item["state"] == snap["breaker_state"]
        assert Decimal(item["real_peak"]) == Decimal(snap["real_peak"])
        assert Decimal(item["breaker_reference"]) == Decimal(snap["breaker_reference"])
        assert Decimal(item["real_drawdown_pct"]) == Decimal(snap["real_drawdown_pct"])
        floor_pct = 35 if item["scope"] == "portfolio" else 25  # docs/RISK.md defaults
        assert Decimal(item["floor_pct"]) == floor_pct
        # floor = floor peak x (1 - floor %): 10,000 x 0.65 = 6,500 for the untouched peak
        expected = Decimal(item["floor_peak"]) * (100 - floor_pct) / 100
        assert Decimal(item["floor"]) == expected
    assert Decimal(found[0]["floor"]) == Decimal(6500)


def _check_curve(client: TestClient, auth: dict[str, str], report: dict[str, Any]) -> None:
    whole = client.get("/api/portfolio/equity-curve", headers=auth).json()
    scopes = {s["scope"]: s["points"] for s in whole["series"]}
    assert set(scopes) == {s["scope"] for s in report["snapshots"]}
    expected = [(s["time"], s["equity"]) for s in report["snapshots"] if s["scope"] == "portfolio"]
    got = [(p["time"].replace("+00:00", "Z"), Decimal(p["equity"])) for p in scopes["portfolio"]]
    assert got == [(t, Decimal(e)) for t, e in expected] and len(got) == 3  # 08:00, :15, :30
    window = client.get(
        "/api/portfolio/equity-curve", headers=auth,
        params={"start": "2025-10-03T08:10:00Z", "end": "2025-10-03T08:20:00Z"},
    ).json()  # fmt: skip
    assert [len(s["points"]) for s in window["series"]] == [1] * len(scopes)
    day = client.get("/api/portfolio/equity-curve", headers=auth, params={"range": "1d"}).json()
    assert day["end"].startswith("2025-10-03T08:30:00") and day["start"].startswith("2025-10-02")


def _check_performance(client: TestClient, auth: dict[str, str]) -> None:
    whole = client.get("/api/portfolio/performance", headers=auth).json()
    assert whole["scope"] == "portfolio"
    assert [p["period"] for p in whole["periods"]] == ["all", "daily", "weekly", "monthly"]
    assert whole["periods"][0]["trade_count"] == 0  # the only trade is still open
    one = client.get("/api/portfolio/performance/scalper", headers=auth).json()
    assert one["scope"] == "scalper" and one["periods"][0]["period"] == "all"
    missing = client.get("/api/portfolio/performance/nosuch", headers=auth)
    assert missing.status_code == 404 and "nosuch" in missing.json()["error"]["message"]


ROUTES = ["summary", "equity-curve", "performance", "performance/momentum", "positions",
          "allocation", "breakers"]  # fmt: skip


def test_foreign_account_is_404_and_no_header_400(client: TestClient, api_db_url: str) -> None:
    add_user(api_db_url, "ann@x.io")
    bob = add_user(api_db_url, "bob@x.io")
    theirs = add_account(api_db_url, bob, "b1")
    token = bearer(login(client, "ann@x.io")["access_token"])
    for route in ROUTES:
        foreign = client.get(f"/api/portfolio/{route}",
                             headers={**token, "X-Trading-Account-Id": str(theirs)})  # fmt: skip
        assert foreign.status_code == 404, route
        missing = client.get(f"/api/portfolio/{route}", headers=token)
        assert missing.status_code == 400, route
        assert missing.json()["error"]["field"] == "X-Trading-Account-Id"


def test_an_account_without_snapshots_answers_empty_figures(
    client: TestClient, api_db_url: str
) -> None:
    ann = add_user(api_db_url, "ann@x.io")
    mine = add_account(api_db_url, ann, "fresh")
    auth = {**bearer(login(client, "ann@x.io")["access_token"]), "X-Trading-Account-Id": str(mine)}
    summary = client.get("/api/portfolio/summary", headers=auth).json()
    assert summary["equity"] is None and summary["positions"]["total"] == 0
    for route in ROUTES:
        assert client.get(f"/api/portfolio/{route}", headers=auth).status_code in (200, 409), route


BAD = [
    ("equity-curve", {"range": "2y"}, "range"),
    ("equity-curve", {"start": "yesterday"}, "start"),
    ("equity-curve", {"start": "1990-01-01T00:00:00Z"}, "start"),
    ("equity-curve", {"end": "2025-10-03T08:00:00"}, "end"),
    ("equity-curve", {"start": "2025-10-03T09:00:00Z", "end": "2025-10-03T08:00:00Z"}, "start"),
    ("positions", {"limit": 0}, "limit"),
    ("positions", {"limit": 100_000}, "limit"),
    ("positions", {"offset": -1}, "offset"),
    ("performance/Bad-Id", {}, "strategy"),
]


def test_bad_parameters_name_the_field(client: TestClient, api_db_url: str) -> None:
    ann = add_user(api_db_url, "ann@x.io")
    mine = add_account(api_db_url, ann, "main")
    auth = {**bearer(login(client, "ann@x.io")["access_token"]), "X-Trading-Account-Id": str(mine)}
    for route, params, field in BAD:
        answer = client.get(f"/api/portfolio/{route}", headers=auth, params=params)
        assert answer.status_code in (400, 422), (route, params, answer.text)
        assert answer.json()["error"]["field"] == field, (route, params)
