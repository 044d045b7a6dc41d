"""Bybit's envelope, its string-typed numbers, and request parameters refused with 10001."""

from __future__ import annotations

from decimal import Decimal

import pytest

from algotrading.local.bybit_sim.envelope import BybitError, envelope, error_envelope, money, text
from algotrading.local.bybit_sim.params import Params, page


def test_numbers_are_plain_strings() -> None:
    assert text(Decimal("10")) == "10"
    assert text(Decimal("1E+1")) == "10"
    assert text(Decimal("0.00010000")) == "0.0001"
    assert text(Decimal("-0.1110344")) == "-0.1110344"
    assert text(Decimal(0)) == "0"
    assert text(None) == ""
    assert text(110040.0, 1) == "110040.0"
    assert text(Decimal("0.01"), 4) == "0.0100"
    assert text(1e-7) == "0.0000001"
    assert money(Decimal("0.605341550000001")) == Decimal("0.60534155")
    assert money(Decimal("0.000000005")) == Decimal("0.00000001")


def test_envelope_shapes() -> None:
    assert envelope({"a": 1}, 5) == {
        "retCode": 0,
        "retMsg": "OK",
        "result": {"a": 1},
        "retExtInfo": {},
        "time": 5,
    }
    refused = error_envelope(BybitError(110072, "OrderLinkedID is duplicate"), 7)
    assert refused["retCode"] == 110072 and refused["result"] == {} and refused["time"] == 7


@pytest.mark.parametrize(
    ("raw", "call"),
    [
        ({"qty": "abc"}, lambda p: p.decimal("qty")),
        ({"qty": "NaN"}, lambda p: p.decimal("qty")),
        ({"qty": "-1"}, lambda p: p.decimal("qty")),
        ({"qty": True}, lambda p: p.decimal("qty")),
        ({}, lambda p: p.decimal("qty", required=True)),
        ({"limit": "0"}, lambda p: p.integer("limit", 20, 1, 50)),
        ({"limit": "x"}, lambda p: p.integer("limit", 20, 1, 50)),
        ({"side": "Up"}, lambda p: p.text("side", choices=("Buy", "Sell"))),
        ({"side": 1}, lambda p: p.text("side")),
        ({"reduceOnly": "maybe"}, lambda p: p.boolean("reduceOnly")),
        ({"category": "spot"}, lambda p: p.category()),
        ({"cursor": "-3"}, lambda p: p.cursor()),
        ({"startTime": "10", "endTime": "5"}, lambda p: p.window(100, 10, 50)),
        ({"startTime": "0", "endTime": "60"}, lambda p: p.window(100, 10, 50)),
    ],
)
def test_bad_parameters_are_10001(raw: dict, call) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(BybitError) as err:
        call(Params(raw))
    assert err.value.ret_code == 10001


def test_parameters() -> None:
    p = Params({"qty": "0.010", "price": 5, "reduceOnly": True, "limit": "3"})
    assert p.decimal("qty") == Decimal("0.010") and p.decimal("price") == Decimal(5)
    assert p.boolean("reduceOnly") and not p.boolean("closeOnTrigger")
    assert Params({}).window(1000, 100, 700) == (900, 1000)
    assert Params({"startTime": "200"}).window(1000, 100, 700) == (200, 300)
    assert Params({"endTime": "500"}).window(1000, 100, 700) == (400, 500)
    rows = list(range(7))
    assert page(rows, p, 20, 50) == ([0, 1, 2], "3")
    assert page(rows, Params({"limit": "3", "cursor": "6"}), 20, 50) == ([6], "")
