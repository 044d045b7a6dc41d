"""`/api/strategies` and the portfolio controls over the real app, database and simulator: the
figures are the executor's rows counted by hand, each control goes through the CLI's library
path and is audited with the signed-in user, and bad input writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from api_support import add_account, add_user, login
from api_trading_support import rows, scoped, seed_entry, use_runtime
from execution_support import ENTRY_CLOSE, sim_at
from fastapi.testclient import TestClient


@pytest.fixture
def seeded(secrets_key: str, client: TestClient, api_db_url: str) -> Iterator[dict[str, Any]]:
    """Ann's account with the scalper's open BTCUSDT entry; Bob's account; Ann's token."""
    ann = add_user(api_db_url, "ann@x.io")
    bob = add_user(api_db_url, "bob@x.io")
    with sim_at(ENTRY_CLOSE) as sim:
        account, rt = seed_entry(api_db_url, sim, ann)
        use_runtime(client, rt)
        token = login(client, "ann@x.io")["access_token"]
        yield {"account": account, "foreign": add_account(api_db_url, bob), "token": token,
               "rt": rt}  # fmt: skip


def test_list_shows_each_sleeve_with_its_open_trade(client: TestClient, seeded: dict) -> None:
    answer = client.get("/api/strategies", headers=scoped(seeded["token"], seeded["account"]))
    assert answer.status_code == 200, answer.text
    page = answer.json()
    assert [s["id"] for s in page["items"]] == ["trend", "scalper", "carry", "momentum"]
    assert page["total"] == 4
    scalper = page["items"][1]
    # execution_support enables only the scalper, with one override and BTCUSDT
    assert scalper["enabled"] is True and page["items"][0]["enabled"] is False
    assert scalper["overrides"] == {"setup_window_bars": 3}
    assert scalper["config"]["setup_window_bars"] == 3 and scalper["config"]["bb_period"] == 20
    assert scalper["symbols"] == ["BTCUSDT"]
    assert (scalper["open_trades"], scalper["paper_trades"]) == (1, 0)
    assert scalper["status"] == "active" and scalper["breaker"]["status"] == "active"
    assert scalper["allocation_pct"] == "20"  # the default table: 30/20/20/30


def test_state_holds_the_position_and_its_trade(
    client: TestClient, seeded: dict, api_db_url: str
) -> None:
    headers = scoped(seeded["token"], seeded["account"])
    body = client.get("/api/strategies/scalper/state", headers=headers).json()
    trade = rows(api_db_url, "SELECT id, qty FROM trades")
    assert [p["symbol"] for p in body["positions"]] == ["BTCUSDT"]
    assert body["positions"][0]["trade_id"] == trade[0][0]
    assert body["positions"][0]["position"]["side"] == "long"
    assert [t["id"] for t in body["open_trades"]] == [trade[0][0]]
    assert body["open_trades"][0]["qty"] == str(trade[0][1])
    empty = client.get("/api/strategies/trend/state", headers=headers).json()
    assert empty["positions"] == [] and empty["open_trades"] == []


def test_signals_are_paged_newest_first_and_filtered(
    client: TestClient, seeded: dict, api_db_url: str
) -> None:
    headers = scoped(seeded["token"], seeded["account"])
    stored = rows(api_db_url, "SELECT id, action, decision FROM signals WHERE strategy ="
                  " 'scalper' ORDER BY bar_close_time DESC, id DESC")  # fmt: skip
    assert ("entry_long", "accepted") in [(a, d) for _, a, d in stored]
    answer = client.get("/api/strategies/scalper/signals?limit=1", headers=headers).json()
    assert answer["total"] == len(stored) and [s["id"] for s in answer["items"]] == [stored[0][0]]
    eth = client.get("/api/strategies/scalper/signals?symbol=ETHUSDT", headers=headers).json()
    assert eth["total"] == 0 and eth["items"] == []
    bad = client.get("/api/strategies/scalper/signals?symbol=btc", headers=headers)
    assert bad.status_code == 422 and "symbol" in bad.json()["error"]["message"]


def test_config_update_is_validated_stored_and_audited(
    client: TestClient, seeded: dict, api_db_url: str
) -> None:
    headers = scoped(seeded["token"], seeded["account"])
    url = "/api/strategies/scalper/config"
    before = rows(api_db_url, "SELECT params, symbols FROM account_strategy_configs"
                  " WHERE strategy = 'scalper'")  # fmt: skip
    for body, field in (
        ({"params": {"bb_period": 1}}, "params.bb_period"),  # ge=2
        ({"params": {"bb_mult": "2"}}, "params.bb_mult"),  # strict: no text for a number
        ({"params": {"no_such": 1}}, "params.no_such"),
        ({"params": {}, "symbols": ["btcusdt"]}, "symbols.0"),
        ({"params": {}, "colour": "red"}, "colour"),
    ):
        answer = client.put(url, json=body, headers=headers)
        assert answer.status_code == 422, body
        assert answer.json()["error"]["field"] == field, answer.json()
    assert rows(api_db_url, "SELECT params, symbols FROM account_strategy_configs"
                " WHERE strategy = 'scalper'") == before  # fmt: skip
    assert rows(api_db_url, "SELECT count(*) FROM operator_actions") == [(0,)]
    good = {"params": {"bb_period": 30}, "symbols": ["ETHUSDT"], "enabled": True}
    answer = client.put(url, json=good, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["config"]["bb_period"] == 30
    assert answer.json()["config"]["setup_window_bars"] == 4  # the override was replaced
    assert rows(api_db_url, "SELECT params, symbols FROM account_strategy_configs"
                " WHERE strategy = 'scalper'") == [({"bb_period": 30}, ["ETHUSDT"])]  # fmt: skip
    assert rows(api_db_url, "SELECT action, scope, actor FROM operator_actions") == [
        ("strategy_config", "scalper", "ann@x.io")
    ]


def test_pause_resume_and_force_resume_are_audited(
    client: TestClient, seeded: dict, api_db_url: str
) -> None:
    headers = scoped(seeded["token"], seeded["account"])
    no_reason = client.post("/api/strategies/scalper/resume", json={}, headers=headers)
    assert no_reason.status_code == 422 and no_reason.json()["error"]["field"] == "reason"
    paused = client.post("/api/strategies/scalper/pause", json={"reason": "news"}, headers=headers)
    assert paused.status_code == 200, paused.text
    assert (paused.json()["changed"], paused.json()["status"]) == (True, "paused")
    again = client.post("/api/strategies/scalper/pause", headers=headers).json()
    assert (again["changed"], again["status"]) == (False, "paused")
    listed = client.get("/api/strategies", headers=headers).json()["items"][1]
    assert listed["status"] == "paused" and listed["override"] == "force_pause"
    resumed = client.post(
        "/api/strategies/scalper/resume", json={"reason": "calm"}, headers=headers
    ).json()
    assert (resumed["changed"], resumed["status"]) == (True, "active")
    forced = client.post(
        "/api/portfolio/force-resume", json={"reason": "was fine"}, headers=headers
    ).json()
    assert forced["changed"] is False  # the portfolio was never halted
    audit = rows(api_db_url, "SELECT action, scope, actor, reason FROM operator_actions"
                 " ORDER BY id")  # fmt: skip
    assert audit == [
        ("pause", "scalper", "ann@x.io", "news"), ("pause", "scalper", "ann@x.io", None),
        ("resume", "scalper", "ann@x.io", "calm"), ("resume", "portfolio", "ann@x.io", "was fine"),
    ]  # fmt: skip


def test_resume_refuses_a_breaker_suspension(
    client: TestClient, seeded: dict, api_db_url: str
) -> None:
    headers = scoped(seeded["token"], seeded["account"])
    with psycopg.connect(api_db_url) as conn:
        conn.execute(
            "INSERT INTO portfolio_state (trading_account_id, scope, breaker_state, peak_equity)"
            " VALUES (%s, 'portfolio', 'halted', 10000)", (seeded["account"],),
        )  # fmt: skip
    answer = client.post("/api/portfolio/resume", json={"reason": "x"}, headers=headers)
    assert answer.status_code == 409 and "force-resume" in answer.json()["error"]["message"]
    forced = client.post("/api/portfolio/force-resume", json={"reason": "x"}, headers=headers)
    assert forced.status_code == 200 and forced.json()["status"] == "active"


def test_flatten_closes_the_position_at_the_simulator(
    client: TestClient, seeded: dict, api_db_url: str
) -> None:
    headers = scoped(seeded["token"], seeded["account"])
    answer = client.post("/api/strategies/scalper/flatten", json={"reason": "incident"},
                         headers=headers)  # fmt: skip
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert len(body["closed_trades"]) == 1 and len(body["cancelled_orders"]) == 1
    assert body["errors"] == []
    assert seeded["rt"].exchange.get_positions() == []
    assert rows(api_db_url, "SELECT status, exit_reason FROM trades") == [("closed", "flatten")]
    assert rows(api_db_url, "SELECT action, actor, reason FROM operator_actions") == [
        ("flatten", "ann@x.io", "incident")
    ]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/strategies", None),
        ("get", "/api/strategies/scalper/state", None),
        ("get", "/api/strategies/scalper/signals", None),
        ("put", "/api/strategies/scalper/config", {"params": {}}),
        ("post", "/api/strategies/scalper/pause", None),
        ("post", "/api/strategies/scalper/resume", {"reason": "r"}),
        ("post", "/api/strategies/scalper/force-resume", {"reason": "r"}),
        ("post", "/api/strategies/scalper/flatten", {"reason": "r"}),
        ("post", "/api/portfolio/pause", None),
        ("post", "/api/portfolio/flatten", {"reason": "r"}),
    ],
)
def test_foreign_account_404_missing_header_400_nothing_written(
    client: TestClient, seeded: dict, api_db_url: str, method: str, path: str, body: Any
) -> None:
    kwargs = {} if body is None else {"json": body}
    foreign = client.request(method.upper(), path, headers=scoped(seeded["token"],
                             seeded["foreign"]), **kwargs)  # fmt: skip
    assert foreign.status_code == 404, foreign.text
    missing = client.request(method.upper(), path, headers={"Authorization": f"Bearer"
                             f" {seeded['token']}"}, **kwargs)  # fmt: skip
    assert missing.status_code == 400 and missing.json()["error"]["field"] == "X-Trading-Account-Id"
    assert rows(api_db_url, "SELECT count(*) FROM operator_actions") == [(0,)]


def test_unknown_strategy_is_422(client: TestClient, seeded: dict) -> None:
    headers = scoped(seeded["token"], seeded["account"])
    answer = client.get("/api/strategies/ema_cross/state", headers=headers)
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "strategy_id"
