"""retCodes, HTTP statuses and transport failures -> typed errors, through pybit and the client.

Each case is served over the fake transport so pybit's own handling is part of the test. Bodies
come from the recorded set where one exists; for the other codes a recorded error body (110007)
is adapted: its retCode and retMsg are replaced by the code and text of Bybit's error table.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from bybit_fixtures import API_SECRET, BASE, FakeBybit, FakeClock, fake_bybit, load, make_exchange
from team_data import shared_data_present

from algotrading.errors import AppError
from algotrading.exchange.errors import (
    AuthenticationError,
    ClockSkew,
    DuplicateOrderLinkId,
    ExchangeError,
    ExchangeRejected,
    ExchangeTimeout,
    ExchangeUnavailable,
    InsufficientBalance,
    InvalidRequest,
    NotModified,
    OrderBelowMinimum,
    OrderNotFound,
    RateLimited,
)
from algotrading.exchange.retry import NO_RETRY

PATH = "/v5/account/wallet-balance"


def _adapted(code: int, message: str) -> dict[str, Any]:
    body = load("errors/error_110007_insufficient_balance.json")
    body.update(retCode=code, retMsg=message)
    return body


def _ws_auth_failure() -> dict[str, Any]:
    """The 10003 body is nautilus_trader's fixture (LGPL-3.0), read from the team folder only:
    without it this one case is skipped (NEEDS_TEAM_FOLDER)."""
    if not shared_data_present():
        return {"retCode": 10003}
    ws = load("errors/error_10003_ws_auth_failure.json")  # the WS reply; REST has the same code
    return {
        **load("errors/error_110007_insufficient_balance.json"),
        **{k: ws[k] for k in ("retCode", "retMsg")},
    }


CASES = [
    (load("errors/error_10006_rate_limit_docs_fragment.json"), RateLimited),
    (_adapted(10018, "Exceeded the IP Rate Limit."), RateLimited),
    (_ws_auth_failure(), AuthenticationError),
    (_adapted(10004, "error sign! origin_string[...]"), AuthenticationError),
    (_adapted(10005, "Permission denied, check your API key permissions."), AuthenticationError),
    (load("errors/error_110007_insufficient_balance.json"), InsufficientBalance),
    (load("errors/error_131001_fee_not_covered.json"), InsufficientBalance),
    (_adapted(110072, "OrderLinkedID is duplicate"), DuplicateOrderLinkId),
    (_adapted(110001, "Order does not exist"), OrderNotFound),
    (_adapted(10001, "Request parameter error"), InvalidRequest),
    (_adapted(181001, "category only support linear or option or spot."), InvalidRequest),
    (_adapted(110094, "Order notional value below the lower limit"), OrderBelowMinimum),
    (load("errors/error_10020_not_unified_account.json"), InvalidRequest),
    (load("errors/error_5004_server_timeout.json"), ExchangeUnavailable),
    (_adapted(10016, "Server error."), ExchangeUnavailable),
    (_adapted(10002, "The request time exceeds the time window range."), ClockSkew),
    (_adapted(110043, "Set leverage has not been modified."), NotModified),
    (_adapted(34040, "Not modified"), NotModified),
    (_adapted(170213, "Some code the table does not name"), ExchangeRejected),
]  # fmt: skip


@pytest.fixture
def bybit() -> Iterator[FakeBybit]:
    with fake_bybit() as fake:
        yield fake


def _read(bybit: FakeBybit) -> ExchangeError:
    exchange = make_exchange(FakeClock(), retry=NO_RETRY)
    with pytest.raises(ExchangeError) as info:
        exchange.client.read(
            "account_read", "get_wallet_balance", signed=True, accountType="UNIFIED"
        )
    return info.value


NEEDS_TEAM_FOLDER = {10003}
PARAMS = [
    pytest.param(
        body, kind, id=str(body["retCode"]),
        marks=[pytest.mark.needs_shared_data] if body["retCode"] in NEEDS_TEAM_FOLDER else [],
    )
    for body, kind in CASES
]  # fmt: skip


@pytest.mark.parametrize(("body", "kind"), PARAMS)
def test_ret_code_becomes_its_typed_error(bybit: FakeBybit, body: dict, kind: type) -> None:
    bybit.serve(PATH, body)
    error = _read(bybit)
    assert type(error) is kind and error.code == body["retCode"]
    assert str(body["retCode"]) in str(error) and "\n" not in str(error)
    assert API_SECRET not in str(error)
    assert isinstance(error, AppError) == issubclass(kind, ExchangeRejected)
    assert len(bybit.calls(PATH)) == 1  # pybit did not retry on its own


def test_users_own_problems_are_app_errors_transients_are_not() -> None:
    assert issubclass(AuthenticationError, AppError) and issubclass(InvalidRequest, AppError)
    assert issubclass(InsufficientBalance, AppError)
    assert not issubclass(RateLimited, AppError) and not issubclass(ExchangeUnavailable, AppError)
    assert RateLimited.retryable and ExchangeUnavailable.retryable
    assert not InvalidRequest.retryable


def test_rate_limit_carries_the_reset_time(bybit: FakeBybit) -> None:
    reset_ms = 1688639403423 + 1500  # 1.5 s after the (fake) exchange clock
    bybit.serve(
        PATH,
        _adapted(10006, "Too many visits!"),
        headers={"X-Bapi-Limit-Reset-Timestamp": str(reset_ms)},
    )
    error = _read(bybit)
    assert isinstance(error, RateLimited) and error.retry_after_s == pytest.approx(1.5)


@pytest.mark.parametrize(
    ("status", "kind"),
    [(403, RateLimited), (429, RateLimited), (401, AuthenticationError), (404, InvalidRequest),
     (400, InvalidRequest), (500, ExchangeUnavailable), (502, ExchangeUnavailable)],
)  # fmt: skip
def test_http_status_becomes_its_typed_error(bybit: FakeBybit, status: int, kind: type) -> None:
    bybit.serve(PATH, "<html>gateway says no</html>", status=status)
    error = _read(bybit)
    assert type(error) is kind and error.code == status


def test_a_body_that_is_not_json_is_unavailable(bybit: FakeBybit) -> None:
    bybit.serve(PATH, "<html>maintenance</html>")
    error = _read(bybit)
    assert type(error) is ExchangeUnavailable and "not JSON" in str(error)


@pytest.mark.parametrize(
    "exc", [requests.exceptions.ReadTimeout("slow"), requests.exceptions.ConnectionError("reset")]
)
def test_no_answer_is_a_timeout_with_unknown_outcome(bybit: FakeBybit, exc: Exception) -> None:
    bybit.serve(PATH, exc)
    error = _read(bybit)
    assert isinstance(error, ExchangeTimeout) and error.retryable and BASE in str(error)
