"""Signature checks as Bybit specifies them, cross-checked against pybit's own signer."""

from __future__ import annotations

import pytest
from pybit._http_manager import generate_signature

from algotrading.local.bybit_sim.auth import sign, verify_rest, verify_ws
from algotrading.local.bybit_sim.envelope import BybitError

SECRETS = {"KEY1": "secret-one", "KEY2": "secret-two"}
NOW = 1_800_000_000_000


def _headers(ts: int = NOW, key: str = "KEY1", payload: str = "", window: str = "5000") -> dict:
    signature = sign(SECRETS.get(key, "x"), f"{ts}{key}{window}{payload}")
    return {
        "X-BAPI-API-KEY": key,
        "X-BAPI-TIMESTAMP": str(ts),
        "X-BAPI-RECV-WINDOW": window,
        "X-BAPI-SIGN": signature,
    }


def test_our_signature_is_pybits() -> None:
    message = f"{NOW}KEY15000category=linear&symbol=BTCUSDT"
    assert sign("secret-one", message) == generate_signature(False, "secret-one", message)


def test_a_good_request_names_its_key() -> None:
    payload = "accountType=UNIFIED"
    assert verify_rest(_headers(payload=payload), payload, SECRETS, NOW) == "KEY1"
    assert verify_rest(_headers(NOW - 4_999, payload=payload), payload, SECRETS, NOW) == "KEY1"
    assert verify_rest(_headers(NOW + 999, payload=payload), payload, SECRETS, NOW) == "KEY1"


@pytest.mark.parametrize(
    ("headers", "payload", "code"),
    [
        ({}, "", 10003),
        (_headers(key="NOKEY"), "", 10003),
        (_headers(NOW - 5_001), "", 10002),  # older than recv_window
        (_headers(NOW + 1_000), "", 10002),  # more than 1 s ahead of the server
        ({**_headers(), "X-BAPI-TIMESTAMP": "soon"}, "", 10002),
        (_headers(payload="a=1"), "a=2", 10004),  # payload changed after signing
        ({**_headers(), "X-BAPI-SIGN": ""}, "", 10004),
        ({**_headers(), "X-BAPI-RECV-WINDOW": "6000"}, "", 10004),  # window is signed too
    ],
)
def test_refusals(headers: dict, payload: str, code: int) -> None:
    with pytest.raises(BybitError) as err:
        verify_rest(headers, payload, SECRETS, NOW)
    assert err.value.ret_code == code


def test_websocket_auth() -> None:
    expires = NOW + 10_000
    good = ["KEY2", expires, sign("secret-two", f"GET/realtime{expires}")]
    assert verify_ws(good, SECRETS, NOW) == "KEY2"
    for bad, reason in [
        (["NOKEY", expires, good[2]], "Invalid apikey"),
        (["KEY2", NOW - 1, sign("secret-two", f"GET/realtime{NOW - 1}")], "expired"),
        (["KEY2", expires, "00" * 32], "Invalid sign"),
        (["KEY2", expires], "Params Error"),
        ("KEY2", "Params Error"),
    ]:
        with pytest.raises(ValueError, match=reason):
            verify_ws(bad, SECRETS, NOW)
