"""REST routing: Bybit's paths, its auth, its envelope, and the injected faults.

Every answer is a Bybit envelope. Bad input gets Bybit's error codes; an unexpected error is
logged with its traceback here and answered with retCode 10016, never with a trace.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from algotrading.local.bybit_sim import queries, trading
from algotrading.local.bybit_sim.auth import verify_rest
from algotrading.local.bybit_sim.clock import wall_ms
from algotrading.local.bybit_sim.envelope import (
    BybitError,
    envelope,
    error_envelope,
    params_error,
)
from algotrading.local.bybit_sim.faults import Fault
from algotrading.local.bybit_sim.params import Params
from algotrading.logs import get_logger

if TYPE_CHECKING:
    from algotrading.local.bybit_sim.server import BybitSimulator

log = get_logger(__name__)
RATE_LIMIT_RESET_MS = 200
"""An injected 10006 says the limit resets this soon (X-Bapi-Limit-Reset-Timestamp)."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    method: str
    handler: Callable[..., dict[str, Any]]
    private: bool

    @property
    def writes(self) -> bool:
        return self.method == "POST"


def _server_time(engine: Any, params: Params) -> dict[str, Any]:
    now_ns = wall_ms() * 1_000_000
    return {"timeSecond": str(now_ns // 1_000_000_000), "timeNano": str(now_ns)}


ENDPOINTS: dict[str, Endpoint] = {
    "/v5/market/time": Endpoint("GET", _server_time, False),
    "/v5/market/kline": Endpoint("GET", queries.kline, False),
    "/v5/market/tickers": Endpoint("GET", queries.tickers, False),
    "/v5/market/instruments-info": Endpoint("GET", queries.instruments, False),
    "/v5/market/funding/history": Endpoint("GET", queries.funding_history, False),
    "/v5/market/open-interest": Endpoint("GET", queries.open_interest, False),
    "/v5/account/wallet-balance": Endpoint("GET", queries.wallet_balance, True),
    "/v5/account/transaction-log": Endpoint("GET", queries.transaction_log, True),
    "/v5/account/fee-rate": Endpoint("GET", queries.fee_rate, True),
    "/v5/account/info": Endpoint("GET", queries.account_info, True),
    "/v5/user/query-api": Endpoint("GET", queries.api_key_info, True),
    "/v5/position/list": Endpoint("GET", queries.position_list, True),
    "/v5/position/set-leverage": Endpoint("POST", trading.set_leverage, True),
    "/v5/position/trading-stop": Endpoint("POST", trading.trading_stop, True),
    "/v5/order/create": Endpoint("POST", trading.create_order, True),
    "/v5/order/amend": Endpoint("POST", trading.amend_order, True),
    "/v5/order/cancel": Endpoint("POST", trading.cancel_order, True),
    "/v5/order/realtime": Endpoint("GET", queries.order_realtime, True),
    "/v5/order/history": Endpoint("GET", queries.order_history, True),
    "/v5/execution/list": Endpoint("GET", queries.execution_list, True),
}


def json_response(
    body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.json_response(body, status=status, headers=headers)


def make_handler(sim: BybitSimulator) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        endpoint = ENDPOINTS.get(request.path)
        if endpoint is None:
            return json_response(
                error_envelope(BybitError(10017, "Route not found."), wall_ms()), 404
            )
        if request.method != endpoint.method:
            error = BybitError(10017, f"Route not found: use {endpoint.method}")
            return json_response(error_envelope(error, wall_ms()), 404)
        fault = sim.faults.draw()
        if fault is Fault.RATE_LIMIT:
            return _rate_limited()
        if fault is Fault.SERVER_ERROR:
            return _server_error(sim)
        if fault is Fault.TIMEOUT:
            return await _timed_out(sim, request, endpoint)
        return await _answer(sim, request, endpoint)

    return handle


async def _answer(sim: BybitSimulator, request: web.Request, endpoint: Endpoint) -> web.Response:
    body = await request.text()
    try:
        async with sim.lock:
            key = _authenticate(sim, request, body, endpoint)
            params = _params(request, body, endpoint)
            await sim.sync_locked()
            args = (sim.engine, sim.engine.accounts[key]) if key else (sim.engine,)
            with sim.engine.lock:
                result = endpoint.handler(*args, params)
            await sim.after_change_locked()
        answer = envelope(result, wall_ms())
    except BybitError as error:
        answer = error_envelope(error, wall_ms())
        status = error.http_status
        return json_response(answer, status)
    except Exception:  # a bug: the trace goes to our log, the client gets Bybit's 10016
        log.exception("simulator error on %s", request.path)
        answer = error_envelope(BybitError(10016, "Server error."), wall_ms())
    return json_response(answer)


def _authenticate(sim: BybitSimulator, request: web.Request, body: str, endpoint: Endpoint) -> str:
    if not endpoint.private:
        return ""
    payload = request.rel_url.raw_query_string if endpoint.method == "GET" else body
    return verify_rest(request.headers, payload, sim.engine.secrets, wall_ms())


def _params(request: web.Request, body: str, endpoint: Endpoint) -> Params:
    if endpoint.method == "GET":
        return Params({k: v for k, v in request.query.items()})
    if not body.strip():
        return Params({})
    try:
        decoded = json.loads(body)
    except ValueError:
        raise params_error("Request parameter error: the body is not valid JSON") from None
    if not isinstance(decoded, dict):
        raise params_error("Request parameter error: the body must be a JSON object")
    return Params(decoded)


def _rate_limited() -> web.Response:
    now = wall_ms()
    headers = {
        "X-Bapi-Limit": "10",
        "X-Bapi-Limit-Status": "0",
        "X-Bapi-Limit-Reset-Timestamp": str(now + RATE_LIMIT_RESET_MS),
    }
    error = BybitError(10006, "Too many visits. Exceeded the API Rate Limit.")
    return json_response(error_envelope(error, now), headers=headers)


def _server_error(sim: BybitSimulator) -> web.Response:
    if sim.faults.server_error_is_http():
        return web.Response(
            status=503, text="503 Service Temporarily Unavailable", content_type="text/plain"
        )
    return json_response(error_envelope(BybitError(10016, "Server error."), wall_ms()))


async def _timed_out(sim: BybitSimulator, request: web.Request, endpoint: Endpoint) -> web.Response:
    """Hold the answer past the client's timeout. A write may still be carried out first:
    the client cannot tell, which is the case its reconciliation must handle."""
    executes = endpoint.writes and sim.faults.timeout_executes()
    answer = await _answer(sim, request, endpoint) if executes else None
    await asyncio.sleep(sim.config.faults.timeout_delay)
    if answer is not None:
        return answer
    return json_response(error_envelope(BybitError(10000, "Server Timeout"), wall_ms()))
