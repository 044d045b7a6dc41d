"""Our Bybit adapter end to end against the loopback simulator, on replayed real data.

Only the base URL differs from production. Expected prices, fees and funding are recomputed
here from the data files (read without the simulator), as in the pybit-level simulator tests.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sim_support import KEY, MINUTE, SECRET, funding_rate, kline, running_sim, to_tick, usdt

from algotrading.domain.credentials import ApiCredentials
from algotrading.exchange.bybit.adapter import BybitExchange
from algotrading.exchange.errors import AuthenticationError
from algotrading.exchange.factory import open_bybit
from algotrading.exchange.types import OrderRequest, OrderSide, OrderStatus
from algotrading.local.bybit_sim import parse_faults
from algotrading.local.bybit_sim.faults import Fault, FaultInjector, FaultSpec

T0 = 1_761_264_000_000  # the simulator's default start on tests/data: 2025-10-24 00:00 UTC
HOUR = 60 * MINUTE
TAKER = Decimal("0.00055")
CREDS = ApiCredentials(KEY, SECRET)


def adapter(sim, **options: object) -> BybitExchange:  # type: ignore[no-untyped-def]
    return open_bybit(sim.rest_url, CREDS, **options)


def _bars(symbol: str, start_ms: int, count: int) -> list[tuple[int, dict[str, Decimal]]]:
    return [
        (start_ms + i * 5 * MINUTE, kline(symbol, "5m", start_ms + i * 5 * MINUTE))
        for i in range(count)
    ]


def test_check_balance_and_clock() -> None:
    with running_sim() as sim:
        exchange = adapter(sim)
        info = exchange.get_account_info()
        assert info.account_type == "UNIFIED"
        (usdt_balance,) = [b for b in exchange.get_balances() if b.coin == "USDT"]
        assert usdt_balance.wallet_balance == Decimal(100_000)
        assert abs(exchange.get_server_time() - exchange._client.local_ms()) < 5_000


def test_wrong_secret_is_an_authentication_error() -> None:
    with running_sim() as sim:
        exchange = open_bybit(sim.rest_url, ApiCredentials(KEY, "not-the-secret"))
        with pytest.raises(AuthenticationError) as info:
            exchange.get_balances()
        assert "not-the-secret" not in str(info.value)


def test_market_order_fill_fee_and_position() -> None:
    close = kline("BTCUSDT", "5m", T0 - 5 * MINUTE)["close"]
    expected = to_tick(close * Decimal("1.0002"), Decimal("0.1"), up=True)  # 2 bps slippage
    with running_sim() as sim:
        exchange = adapter(sim)
        order = exchange.place_order(
            OrderRequest("BTCUSDT", OrderSide.BUY, Decimal("0.01"), "e2e-buy-1")
        )
        assert order.order_link_id == "e2e-buy-1"
        (fill,) = exchange.get_executions(T0, "BTCUSDT")
        assert fill.price == expected and fill.qty == Decimal("0.01")
        assert fill.fee == usdt(expected * Decimal("0.01") * TAKER)
        (position,) = exchange.get_positions("BTCUSDT")
        assert position.side is OrderSide.BUY and position.entry_price == expected


def test_stop_loss_set_after_the_fill_triggers_intrabar() -> None:
    close = kline("BTCUSDT", "5m", T0 - 5 * MINUTE)["close"]
    stop = to_tick(close * Decimal("0.998"), Decimal("0.1"), up=False)
    hit_start, hit = next((t, b) for t, b in _bars("BTCUSDT", T0, 2000) if b["low"] <= stop)
    expected = hit["open"] if hit["open"] <= stop else stop
    with running_sim() as sim:
        exchange = adapter(sim)
        exchange.place_order(OrderRequest("BTCUSDT", OrderSide.BUY, Decimal("0.01"), "e2e-sl-1"))
        exchange.set_stop_loss_take_profit("BTCUSDT", stop_loss=stop)
        assert exchange.get_positions("BTCUSDT")[0].stop_loss == stop
        sim.step_to(hit_start + 5 * MINUTE)
        assert exchange.get_positions("BTCUSDT") == []
        exit_fill = exchange.get_executions(T0, "BTCUSDT")[-1]
        assert exit_fill.side is OrderSide.SELL and exit_fill.price == expected


def test_funding_settlement_is_read_from_the_transaction_log() -> None:
    settlement = T0 + 8 * HOUR
    rate = funding_rate("ETHUSDT", settlement)
    mark = kline("ETHUSDT", "5m", settlement - 5 * MINUTE)["close"]
    with running_sim() as sim:
        exchange = adapter(sim)
        exchange.place_order(OrderRequest("ETHUSDT", OrderSide.SELL, Decimal("0.5"), "e2e-fund-1"))
        sim.step_to(settlement)
        (paid,) = exchange.get_funding_settlements(T0, "ETHUSDT")
        assert paid.time_ms == settlement
        assert paid.amount == usdt(Decimal("0.5") * mark * rate)  # a short receives a positive rate


def test_high_leverage_short_is_liquidated() -> None:
    close = kline("BTCUSDT", "5m", T0 - 5 * MINUTE)["close"]
    entry = to_tick(close * Decimal("0.9998"), Decimal("0.1"), up=False)
    liq = to_tick(entry * Decimal("1.005"), Decimal("0.1"), up=False)
    hit_start = next(t for t, b in _bars("BTCUSDT", T0, 2000) if b["high"] >= liq)
    with running_sim() as sim:
        exchange = adapter(sim)
        exchange.set_leverage("BTCUSDT", Decimal(100))
        exchange.place_order(OrderRequest("BTCUSDT", OrderSide.SELL, Decimal("0.01"), "e2e-liq-1"))
        assert exchange.get_positions("BTCUSDT")[0].liquidation_price == liq
        sim.step_to(hit_start + 5 * MINUTE)
        assert exchange.get_positions("BTCUSDT") == []
        assert exchange.get_executions(T0, "BTCUSDT")[-1].exec_type == "BustTrade"


def test_a_reused_order_link_id_resolves_to_the_existing_order() -> None:
    with running_sim() as sim:
        exchange = adapter(sim)
        request = OrderRequest("BTCUSDT", OrderSide.BUY, Decimal("0.01"), "e2e-dup-1")
        first = exchange.place_order(request)
        again = exchange.place_order(request)
        assert again.order_id == first.order_id and again.status is OrderStatus.FILLED
        assert len(exchange.get_executions(T0, "BTCUSDT")) == 1


def _seed_where_only_the_first_request_times_out(spec: FaultSpec) -> int:
    """A seed whose first draw is a timeout that still executes, and the next ten are clean."""
    for seed in range(10_000):
        faults = FaultInjector(spec, seed)
        executes = faults.draw() is Fault.TIMEOUT and faults.timeout_executes()
        if executes and all(faults.draw() is None for _ in range(10)):
            return seed
    raise AssertionError("no such seed")


def test_a_timed_out_create_that_reached_the_exchange_yields_one_order() -> None:
    spec = parse_faults("timeout=0.3,timeout_executes=1,timeout_delay=1500ms")
    with running_sim() as sim:
        exchange = adapter(sim, timeout_s=0.5)
        close = kline("BTCUSDT", "5m", T0 - 5 * MINUTE)["close"]
        exchange.get_balances()  # the clock sync (before the first signed call) happens now
        exchange.get_symbol_info("BTCUSDT")  # and the instrument is cached
        sim.faults = FaultInjector(spec, _seed_where_only_the_first_request_times_out(spec))
        # a reference price for the minimum-value check: the create is the first faulted request
        request = OrderRequest(
            "BTCUSDT", OrderSide.BUY, Decimal("0.01"), "e2e-timeout-1", price=close
        )
        order = exchange.place_order(request)
        # FILLED comes only from the lookup by link id: a plain acknowledgement says CREATED
        assert order.order_link_id == "e2e-timeout-1" and order.status is OrderStatus.FILLED
        sim.faults = FaultInjector(parse_faults(""), 0)
        assert len(exchange.get_executions(T0, "BTCUSDT")) == 1  # one order, not two


def test_cli_check_against_the_simulator(capsys: pytest.CaptureFixture) -> None:
    from algotrading.cli.main import main

    with running_sim() as sim:
        base = ["exchange", "check", "--base-url", sim.rest_url, "--api-key", KEY]
        assert main([*base, "--api-secret", SECRET, "--json"]) == 0
        report = json.loads(capsys.readouterr().out)
        (balance,) = [b for b in report["balances"] if b["coin"] == "USDT"]
        assert Decimal(balance["wallet_balance"]) == Decimal(100_000)
        assert abs(report["clock_offset_ms"]) < 5_000 and report["account"]["can_trade"] is True
        assert main([*base, "--api-secret", "wrong-secret-value"]) == 2
        out, err = capsys.readouterr()
        assert out == "" and err.count("\n") == 1 and "wrong-secret-value" not in err
