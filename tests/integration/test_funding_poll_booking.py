"""The funding poll books every settlement of every open position once (issue 15, item 5).

Real PostgreSQL, the loopback simulator and the team's real data (bybit_derivs_2021_2025): on
2022-11-15 SOLUSDT settled every 4 hours (its interval from 2022-11-10 to 2022-12-20) and
DOGEUSDT every 8 hours. A long SOL and a short DOGE position are held from 01:00 to 17:00 UTC
and the poll runs every 5 minutes. The expected ledger is computed here from the raw files:
rate from `funding/<symbol>.csv.gz`, mark = close of the simulator's finest bar ending at the
settlement (SOL 4h, DOGE 1h), payment = -qty x mark x rate for the long, +qty x mark x rate
for the short, rounded to 8 decimals as the exchange books USDT.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
from execution_support import autocommit, make_account, remove_test_accounts, rows, use_secrets_key
from sim_support import KEY, SECRET, funding_rate, kline, pybit_session, running_sim, usdt
from team_data import DERIVS_NAME, shared_data

from algotrading.db import trades as trades_db
from algotrading.domain.credentials import ApiCredentials
from algotrading.domain.positions import PositionSide
from algotrading.domain.timefmt import parse_time
from algotrading.domain.trades import TradeStatus
from algotrading.exchange.factory import open_bybit
from algotrading.exchange.retry import NO_RETRY
from algotrading.execution import Runtime
from algotrading.jobs.funding_poll import poll_funding
from algotrading.jobs.runtimes import RuntimeCache
from algotrading.jobs.scheduled import funding_poll
from algotrading.local.bybit_sim import rest
from algotrading.local.bybit_sim.envelope import BybitError
from algotrading.settings import get_settings

pytestmark = pytest.mark.slow

HOUR = 3_600_000
FIVE_MIN = 300_000
OPEN = parse_time("2022-11-15T01:00:00Z")
END = parse_time("2022-11-15T17:00:00Z")
SOL_QTY, DOGE_QTY = Decimal("10"), Decimal("10000")
SOL_TIMES = [parse_time(f"2022-11-15T{h:02d}:00:00Z") for h in (4, 8, 12, 16)]
DOGE_TIMES = [parse_time(f"2022-11-15T{h:02d}:00:00Z") for h in (8, 16)]
KLINE = "/v5/market/kline"
"""The mark lookup: 2022 lies beyond the two years of transaction log Bybit keeps (the adapter
refuses the read), so the poll prices these settlements from the stored rates and the marks."""


@pytest.fixture(autouse=True)
def _clean(
    worker_db_url: str, use_database: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    use_secrets_key(monkeypatch)
    rows(worker_db_url, "DELETE FROM job_runs RETURNING job")
    yield
    remove_test_accounts(worker_db_url)  # their payments and watermarks go with them (cascade)
    rows(worker_db_url, "DELETE FROM job_runs RETURNING job")
    # the rates the polls recorded: other tests of this worker database expect none of theirs
    rows(worker_db_url, "DELETE FROM funding_rates WHERE symbol IN ('SOLUSDT', 'DOGEUSDT')"
         " AND funding_time < '2023-01-01' RETURNING symbol")  # fmt: skip


def expected(root: Path, symbol: str, times: list[int], qty: Decimal, long: bool) -> dict:
    """{settlement ms: amount received} computed from the raw data files."""
    bar_h = 4 if symbol == "SOLUSDT" else 1
    out = {}
    for t in times:
        mark = kline(symbol, f"{bar_h}h", t - bar_h * HOUR, root)["close"]
        paid_by_longs = qty * mark * funding_rate(symbol, t, root)
        out[t] = usdt(-paid_by_longs if long else paid_by_longs)
    return out


def open_positions(url: str, sim: Any) -> tuple[int, dict[int, dict]]:
    """An account with a SOL long and a DOGE short on the simulator and as open trades."""
    account = make_account(url, sim.rest_url)
    session = pybit_session(sim)
    for symbol, side, qty in (("SOLUSDT", "Buy", SOL_QTY), ("DOGEUSDT", "Sell", DOGE_QTY)):
        session.place_order(
            category="linear", symbol=symbol, side=side, orderType="Market", qty=str(qty)
        )
    trades = {}
    with psycopg.connect(url) as conn:
        for symbol, side, qty in (
            ("SOLUSDT", PositionSide.LONG, SOL_QTY),
            ("DOGEUSDT", PositionSide.SHORT, DOGE_QTY),
        ):
            trade = trades_db.insert_trade(
                conn, account, strategy="carry", symbol=symbol, side=side,
                status=TradeStatus.OPEN, qty=qty, leverage=Decimal(1), stop_loss=None,
                entry_price=Decimal(1), opened_ms=OPEN,
            )  # fmt: skip
            trades[trade] = {"symbol": symbol}
        conn.commit()
    return account, trades


def no_retry_cache(sim: Any) -> RuntimeCache:
    """Runtimes whose exchange does not retry, so a failing lookup fails the poll at once."""
    creds = ApiCredentials(KEY, SECRET)
    return RuntimeCache(lambda: Runtime(exchange=open_bybit(sim.rest_url, creds, retry=NO_RETRY)))


def ledger(url: str, trade: int) -> dict[int, Decimal]:
    found = rows(
        url, "SELECT funding_time, amount FROM funding_payments WHERE trade_id = %s", trade
    )
    return {int(t.timestamp() * 1000): Decimal(a) for t, a in found}


def check_books(url: str, root: Path, trades: dict[int, dict]) -> None:
    """Each trade's rows are the hand-computed settlements, once each; its total their sum."""
    for trade, info in trades.items():
        if info["symbol"] == "SOLUSDT":
            want = expected(root, "SOLUSDT", SOL_TIMES, SOL_QTY, long=True)
        else:
            want = expected(root, "DOGEUSDT", DOGE_TIMES, DOGE_QTY, long=False)
        got = ledger(url, trade)
        assert sorted(got) == sorted(want)
        for t, amount in want.items():
            assert abs(got[t] - amount) <= Decimal("0.00000001"), (info["symbol"], t)
        total = rows(url, "SELECT funding FROM trades WHERE id = %s", trade)[0][0]
        assert total == sum(got.values())
        assert abs(total - sum(want.values())) <= Decimal("0.00000001") * len(want)


def test_polls_every_five_minutes_twice_book_each_settlement_once(worker_db_url: str) -> None:
    root = shared_data() / DERIVS_NAME
    settings = get_settings()
    with running_sim((root,), ("SOLUSDT", "DOGEUSDT"), start_ms=OPEN) as sim:
        _, trades = open_positions(worker_db_url, sim)
        cache = no_retry_cache(sim)
        with autocommit(worker_db_url) as conn:
            for t in range(OPEN + FIVE_MIN, END + 1, FIVE_MIN):
                sim.step_to(t)
                first = funding_poll(t, settings=settings, cache=cache, conn=conn)
                assert first.status == "done", first.summary
                again = poll_funding(conn, t, settings, cache)  # the work itself, again
                assert again["failures"] == []
    check_books(worker_db_url, root, trades)
    sol = next(t for t, i in trades.items() if i["symbol"] == "SOLUSDT")
    marks = rows(worker_db_url, "SELECT booked_through FROM funding_watermarks WHERE trade_id = %s",
                 sol)  # fmt: skip
    assert [int(m[0].timestamp() * 1000) for m in marks] == [SOL_TIMES[-1]]


def test_a_failed_lookup_is_booked_by_the_next_poll(
    worker_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = shared_data() / DERIVS_NAME
    settings = get_settings()
    failing = {"on": False}
    real = rest.ENDPOINTS[KLINE]

    def flaky(*args: Any) -> dict[str, Any]:
        if failing["on"]:
            raise BybitError(10016, "Internal server error.")
        return real.handler(*args)

    monkeypatch.setitem(rest.ENDPOINTS, KLINE, rest.Endpoint("GET", flaky, real.private))
    down = range(SOL_TIMES[1], SOL_TIMES[1] + 3 * FIVE_MIN, FIVE_MIN)  # 08:00-08:10: marks fail
    with running_sim((root,), ("SOLUSDT", "DOGEUSDT"), start_ms=OPEN) as sim:
        _, trades = open_positions(worker_db_url, sim)
        cache = no_retry_cache(sim)
        statuses = {}
        with autocommit(worker_db_url) as conn:
            for t in range(OPEN + FIVE_MIN, END + 1, FIVE_MIN):
                sim.step_to(t)
                failing["on"] = t in down
                result = funding_poll(t, settings=settings, cache=cache, conn=conn)
                statuses[t] = result.status
                if t == down[-1]:  # still down: nothing of 08:00 is booked yet
                    assert all(SOL_TIMES[1] not in ledger(worker_db_url, tr) for tr in trades)
    assert [t for t, s in statuses.items() if s == "failed"] == list(down)
    check_books(worker_db_url, root, trades)
