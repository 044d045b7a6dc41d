"""--persist: a restarted simulator finds its wallets, orders, positions and clock again."""

from __future__ import annotations

import uuid
from decimal import Decimal

import psycopg
import pytest
from sim_support import pybit_session, running_sim

from algotrading.local.bybit_sim.errors import SimConfigError

T0 = 1_761_264_000_000
HOUR = 3_600_000


def test_restart_keeps_state(use_database: str) -> None:
    name = f"persist-{uuid.uuid4().hex[:8]}"
    with running_sim(persist=True, name=name, database_url=use_database) as sim:
        session = pybit_session(sim)
        session.place_order(
            category="linear", symbol="BTCUSDT", side="Buy", orderType="Market", qty="0.01"
        )
        session.place_order(
            category="linear", symbol="ETHUSDT", side="Sell", orderType="Limit", qty="0.1",
            price="9000", orderLinkId="keep-1",
        )  # fmt: skip
        sim.step_to(T0 + 9 * HOUR)  # one funding settlement on the BTC position
        wallet = session.get_wallet_balance(accountType="UNIFIED")["result"]["list"][0]
        log = session.get_transaction_log(
            accountType="UNIFIED", startTime=T0, endTime=T0 + 9 * HOUR
        )
    with psycopg.connect(use_database) as conn:
        row = conn.execute("SELECT sim_time FROM sim_state WHERE name = %s", (name,)).fetchone()
    assert row is not None and int(row[0].timestamp() * 1000) == T0 + 9 * HOUR

    with running_sim(persist=True, name=name, database_url=use_database) as again:
        assert again.now_ms == T0 + 9 * HOUR, "the clock resumes where it stopped"
        session = pybit_session(again)
        after = session.get_wallet_balance(accountType="UNIFIED")["result"]["list"][0]
        assert after["totalWalletBalance"] == wallet["totalWalletBalance"]
        [position] = session.get_positions(category="linear", symbol="BTCUSDT")["result"]["list"]
        assert Decimal(position["size"]) == Decimal("0.01")
        [order] = session.get_open_orders(category="linear", orderLinkId="keep-1")["result"]["list"]
        assert order["orderStatus"] == "New"
        relog = session.get_transaction_log(
            accountType="UNIFIED", startTime=T0, endTime=T0 + 9 * HOUR
        )
        assert relog["result"]["list"] == log["result"]["list"]
        with pytest.raises(Exception) as err:
            session.place_order(
                category="linear", symbol="ETHUSDT", side="Sell", orderType="Limit", qty="0.1",
                price="9000", orderLinkId="keep-1",
            )  # fmt: skip
        assert getattr(err.value, "status_code", None) == 110072, "link ids survive a restart"

    stored = pytest.raises(SimConfigError, match="stored state")
    with stored, running_sim(persist=True, name=name, database_url=use_database, start_ms=T0):
        pass
