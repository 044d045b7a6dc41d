"""`POST /api/trading/trades` over the real app, database and simulator: a hand-made entry
checked by the account's risk rules and breakers, sent through the executor's order path,
read back from the simulator and audited; every refusal names its rule and writes nothing.
Also: an exchange that fails answers 409 on every route that reaches it, never a 5xx.

The account (tests/api_trading_support.py): 10 000 USDT, the scalper holding its long BTCUSDT
entry (which uses its whole sleeve), the trend sleeve enabled here with no trade, carry and
momentum disabled; limits are the table's defaults (2 % per trade, 3x leverage).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from api_support import add_account, add_user, login
from api_trading_support import rows, scoped, seed_entry, use_runtime
from execution_support import ENTRY_CLOSE, sim_at
from fastapi.testclient import TestClient
from sim_support import KEY, SECRET

from algotrading.db.strategy_configs import upsert_strategy_config
from algotrading.domain.credentials import ApiCredentials
from algotrading.exchange.factory import open_bybit
from algotrading.exchange.retry import NO_RETRY
from algotrading.execution import Runtime
from algotrading.local.bybit_sim import parse_faults
from algotrading.local.bybit_sim.faults import FaultInjector
from algotrading.strategies.registry import sleeve_ids

WRITES = "SELECT (SELECT count(*) FROM trades), (SELECT count(*) FROM orders),"
WRITES += " (SELECT count(*) FROM operator_actions)"


@pytest.fixture
def seeded(secrets_key: str, client: TestClient, api_db_url: str) -> Iterator[dict[str, Any]]:
    ann = add_user(api_db_url, "ann@x.io")
    bob = add_user(api_db_url, "bob@x.io")
    with sim_at(ENTRY_CLOSE) as sim:
        account, rt = seed_entry(api_db_url, sim, ann)
        with psycopg.connect(api_db_url) as conn:
            upsert_strategy_config(conn, account, "trend", enabled=True, known=sleeve_ids())
        use_runtime(client, rt)
        token = login(client, "ann@x.io")["access_token"]
        eth = rt.exchange.get_ticker("ETHUSDT").last_price
        yield {"account": account, "foreign": add_account(api_db_url, bob), "token": token,
               "rt": rt, "sim": sim, "eth": eth}  # fmt: skip


def _entry(eth: Decimal, **changes: Any) -> dict[str, Any]:
    """A trend long of 0.05 ETHUSDT with its stop 50 USDT below the price."""
    body = {"strategy": "trend", "symbol": "ETHUSDT", "side": "long", "qty": "0.05",
            "stop_loss": str(eth - 50), "reason": "by hand"}  # fmt: skip
    return body | changes


def test_a_manual_trade_reaches_the_simulator_and_is_audited(
    client: TestClient, seeded: dict, api_db_url: str
) -> None:
    headers = scoped(seeded["token"], seeded["account"])
    eth = seeded["eth"]
    body = _entry(eth, take_profit=str(eth + 100))
    answer = client.post("/api/trading/trades", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    trade = answer.json()
    assert (trade["strategy"], trade["symbol"], trade["side"], trade["status"]) == (
        "trend", "ETHUSDT", "long", "open",
    )  # fmt: skip
    assert Decimal(trade["qty"]) == Decimal("0.05")
    # ETH ticks at 0.01 (docs/simulator.md): the levels as given, already on the tick
    assert Decimal(trade["stop_loss"]) == eth - 50
    assert Decimal(trade["take_profit"]) == eth + 100
    position = {p.symbol: p for p in seeded["rt"].exchange.get_positions()}["ETHUSDT"]
    assert (position.size, position.stop_loss, position.take_profit) == (
        Decimal("0.05"), eth - 50, eth + 100,
    )  # fmt: skip
    [(link, purpose, status)] = rows(
        api_db_url, "SELECT order_link_id, purpose, status FROM orders WHERE trade_id = %s",
        trade["id"],
    )  # fmt: skip
    assert (link[:4], purpose, status) == ("TML-", "entry", "filled")
    [(action, target, reason, detail)] = rows(
        api_db_url, "SELECT action, scope, reason, detail FROM operator_actions"
    )
    assert (action, target, reason) == ("trade_create", "trend", "by hand")
    assert (detail["trade_id"], detail["qty"], detail["symbol"]) == (trade["id"], "0.05", "ETHUSDT")
    listed = client.get("/api/trading/trades?symbol=ETHUSDT", headers=headers).json()
    assert [t["id"] for t in listed["items"]] == [trade["id"]]


def test_risk_sized_entry_loses_the_asked_share_at_its_stop(
    client: TestClient, seeded: dict
) -> None:
    headers = scoped(seeded["token"], seeded["account"])
    eth = seeded["eth"]
    body = _entry(eth, qty=None, risk_pct="0.5")
    body.pop("qty")
    answer = client.post("/api/trading/trades", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    qty = Decimal(answer.json()["qty"])
    # 0.5 % of the trend sleeve (30 % of 10 000 USDT) is 15 USDT; over 50 USDT per ETH at the
    # stop that is 0.30 ETH, a little less once the fees of entry and stop count (~0.1 % of
    # 2 x 3 900 USDT per ETH), floored to the 0.01 lot step
    assert qty % Decimal("0.01") == 0
    assert Decimal("0.25") <= qty < Decimal("0.30")


def _refused(client: TestClient, headers: dict, body: dict) -> dict:
    answer = client.post("/api/trading/trades", json=body, headers=headers)
    assert answer.status_code == 409, answer.text
    return answer.json()["error"]


def test_each_risk_rule_refuses_and_nothing_is_written(
    client: TestClient, seeded: dict, api_db_url: str
) -> None:
    headers = scoped(seeded["token"], seeded["account"])
    eth, before = seeded["eth"], rows(api_db_url, WRITES)
    cases = [
        (_entry(eth, leverage="5"), "max_leverage"),  # the account allows 3x
        (_entry(eth, strategy="carry"), "strategy_disabled"),
        # the scalper holds a long BTCUSDT: a trend short would net it out (one-way mode)
        (
            _entry(eth, symbol="BTCUSDT", side="short", stop_loss="1000000"),
            "cross_strategy_conflict",
        ),
        (_entry(eth, strategy="scalper"), "sleeve_allocation"),  # the BTC trade uses it all
        # 0.5 ETH losing 500 USDT each at the stop: 250 USDT, above 2 % of the ~3 000 USDT
        # sleeve (60 USDT), while its margin (~1 950 USDT at 1x) fits the sleeve
        (_entry(eth, qty="0.5", stop_loss=str(eth - 500)), "max_risk_per_trade"),
    ]
    for body, rule in cases:
        error = _refused(client, headers, body)
        assert error["message"].startswith(f"refused by {rule}:"), (rule, error)
    assert rows(api_db_url, WRITES) == before


def test_a_halted_portfolio_refuses(client: TestClient, seeded: dict, api_db_url: str) -> None:
    headers = scoped(seeded["token"], seeded["account"])
    paused = client.post("/api/portfolio/pause", json={"reason": "stop"}, headers=headers)
    assert paused.status_code == 200, paused.text
    before = rows(api_db_url, WRITES)
    error = _refused(client, headers, _entry(seeded["eth"]))
    assert error["message"].startswith("refused by portfolio_halted:")
    assert rows(api_db_url, WRITES) == before


@pytest.mark.parametrize(
    ("changes", "status", "field"),
    [
        ({"symbol": "XRPUSDT"}, 400, "symbol"),  # well-formed, not an instrument we know
        ({"symbol": "eth"}, 422, "symbol"),
        ({"stop_loss": "999999"}, 400, "stop_loss"),  # above the price for a long
        ({"take_profit": "1"}, 400, "take_profit"),  # below the price for a long
        ({"qty": "0.015"}, 400, "qty"),  # not on the 0.01 lot step
        ({"risk_pct": "1"}, 422, "body"),  # qty and risk_pct both
        ({"side": "up"}, 422, "side"),
        ({"strategy": "manual"}, 422, "strategy"),
        ({"leverage": "0.5"}, 422, "leverage"),
        ({"stop_loss": None}, 422, "stop_loss"),
        ({"stoploss": "1"}, 422, "stoploss"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    client: TestClient, seeded: dict, api_db_url: str, changes: dict, status: int, field: str
) -> None:
    headers = scoped(seeded["token"], seeded["account"])
    before = rows(api_db_url, WRITES)
    answer = client.post("/api/trading/trades", json=_entry(seeded["eth"], **changes),
                         headers=headers)  # fmt: skip
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["field"] == field
    assert rows(api_db_url, WRITES) == before


def test_foreign_account_and_missing_header(
    client: TestClient, seeded: dict, api_db_url: str
) -> None:
    body, token = _entry(seeded["eth"]), seeded["token"]
    foreign = client.post("/api/trading/trades", json=body,
                          headers=scoped(token, seeded["foreign"]))  # fmt: skip
    assert foreign.status_code == 404
    missing = client.post("/api/trading/trades", json=body,
                          headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert missing.status_code == 400
    assert rows(api_db_url, WRITES)[0][2] == 0


def test_a_failing_exchange_answers_409_never_5xx(
    client: TestClient, seeded: dict, api_db_url: str
) -> None:
    """Every request to the simulator fails (server errors); one attempt, no retry waits."""
    sim = seeded["sim"]
    exchange = open_bybit(sim.rest_url, ApiCredentials(KEY, SECRET), retry=NO_RETRY)
    use_runtime(client, Runtime(exchange=exchange, fill_delays_s=(0.0,)))
    exchange.get_symbol_info("ETHUSDT")  # known before the faults: the price read fails
    headers = scoped(seeded["token"], seeded["account"])
    [(trade_id,)] = rows(api_db_url, "SELECT id FROM trades")
    before = rows(api_db_url, WRITES)
    sim.faults = FaultInjector(parse_faults("server_error=1"), seed=7)
    calls = [
        ("GET", "/api/trading/positions", None),
        ("GET", "/api/trading/balance", None),
        ("POST", "/api/trading/trades", _entry(seeded["eth"])),
        ("PUT", f"/api/trading/trades/{trade_id}", {"stop_loss": "1000"}),
        ("POST", f"/api/trading/trades/{trade_id}/close", {"reason": "r"}),
    ]
    for method, path, body in calls:
        answer = client.request(method, path, json=body, headers=headers)
        assert answer.status_code == 409, (path, answer.text)
        assert answer.json()["error"]["code"] == "conflict"
    assert rows(api_db_url, WRITES) == before


def test_config_symbols_must_be_known_instruments(
    client: TestClient, seeded: dict, api_db_url: str
) -> None:
    headers = scoped(seeded["token"], seeded["account"])
    config = "SELECT strategy, symbols, enabled FROM account_strategy_configs ORDER BY strategy"
    before = rows(api_db_url, config)
    body = {"params": {}, "symbols": ["ETHUSDT", "XRPUSDT"]}  # XRP: no data, not traded here
    answer = client.put("/api/strategies/trend/config", json=body, headers=headers)
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["field"] == "symbols" and "XRPUSDT" in error["message"]
    assert rows(api_db_url, config) == before
    assert rows(api_db_url, "SELECT count(*) FROM operator_actions") == [(0,)]
    good = client.put("/api/strategies/trend/config", json={"params": {}, "symbols": ["SOLUSDT"]},
                      headers=headers)  # fmt: skip
    assert good.status_code == 200 and good.json()["symbols"] == ["SOLUSDT"]
