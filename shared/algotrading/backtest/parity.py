"""Live parity: a paper replay (`algo paper replay --out`) against a portfolio backtest
(`algo backtest portfolio --out`) of the same data, span and strategy config, trade by trade and
exit leg by exit leg.

The backtest sizes as the executor does on the simulator's instruments (stop on the tick, the
quantity floored to the lot step, orders below the minimum refused: `backtest.portfolio.
instruments`) and books each position it takes at the prices the executor's fills land on
(`backtest.live_fills`), so an entry's quantity and prices are compared as they stand. The same
rules are applied here once more, to a result whose prices are off the tick (a symbol the
backtest had no filters for); on prices already on the tick they change nothing:

* a market fill (entry, signal or time-stop exit) moves to the tick against the taker;
* a stop fills at the backtest's stop distance taken from the simulator's entry fill, rounded to
  the tick towards the entry (`risk.sizing.round_stop`), or at the open of a bar that gapped
  through it; its time is compared by bar (the backtest names the bar's start, the replay the
  execution time inside that bar);
* a take-profit or partial take-profit rests at its level rounded towards the entry
  (`round_take_profit`); a leg's quantity is its fraction of the entry floored to the lot step,
  the last leg takes what is left.

Prices are compared to 1e-9 relative (Decimal in the replay, float in the backtest).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from algotrading.backtest.live_fills import MARKET_EXITS, live_entry, live_exit
from algotrading.domain.timefmt import parse_time
from algotrading.strategies.registry import get_strategy

REL_TOLERANCE = 1e-9
PAPER_TOLERANCE = 1e-4


@dataclass(frozen=True, slots=True)
class Filters:
    """An instrument's tick and lot step, as the replay's exchange had them."""

    tick: Decimal
    lot: Decimal


@dataclass
class Parity:
    """What the comparison found; `differences` empty means the two runs traded alike."""

    compared: int = 0
    differences: list[str] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        return not self.differences


def compare(replay: Mapping[str, Any], portfolio: Mapping[str, Any]) -> Parity:
    """Compare the replay report's trades and orders with the backtest result's trades: the
    real trades with the real ones, and the paper (shadow) trades of a paused sleeve, which
    decide its automatic resume, with the backtest's shadow trades."""
    filters = {s: Filters(Decimal(f["tick"]), Decimal(f["qty_step"]))
               for s, f in replay.get("instruments", {}).items()}  # fmt: skip
    result = Parity()
    for shadow in (False, True):
        live = sorted(
            (t for t in replay["trades"] if bool(t.get("is_shadow")) is shadow),
            key=lambda t: (t["opened_ms"], t["strategy"], t["symbol"]),
        )
        ours = sorted(
            (t for t in portfolio["trades"] if bool(t.get("shadow")) is shadow),
            key=lambda t: (parse_time(t["entry_time"]), t["strategy"], t["symbol"]),
        )  # both by entry time, then name: the backtest lists a close's entries in symbol order
        _compare_group(live, ours, replay["orders"], filters, result, "paper " if shadow else "")
    return result


def _compare_group(
    live: Sequence[Mapping[str, Any]],
    ours: Sequence[Mapping[str, Any]],
    orders: Sequence[Mapping[str, Any]],
    filters: Mapping[str, Filters],
    result: Parity,
    kind: str,
) -> None:
    """One group (real or paper) trade by trade, differences added to `result`."""
    if len(live) != len(ours):
        result.differences.append(f"{kind}trade count: replay {len(live)}, backtest {len(ours)}")
    for r, b in zip(live, ours, strict=False):
        result.compared += 1
        if b["symbol"] not in filters:
            result.differences.append(f"{b['symbol']}: the replay lists no instrument filters")
            continue
        legs = exit_legs(orders, r["id"])
        label = f"{kind}{b['strategy']} {b['symbol']} {b['entry_time']}"
        result.differences += [
            f"{label}: {d}" for d in trade_differences(r, b, legs, filters[b["symbol"]])
        ]


def exit_legs(orders: Sequence[Mapping[str, Any]], trade_id: int) -> list[Mapping[str, Any]]:
    """A replayed trade's filled reduce-only orders, in the order they were placed."""
    legs = [
        o for o in orders
        if o["trade_id"] == trade_id and o["reduce_only"] and o["status"] == "filled"
    ]  # fmt: skip
    return sorted(legs, key=lambda o: o["id"])


def trade_differences(
    r: Mapping[str, Any], b: Mapping[str, Any], legs: Sequence[Mapping[str, Any]], f: Filters
) -> list[str]:
    """Every way the replayed trade `r` (with its exit `legs`) differs from the backtest's `b`."""
    long = b["side"] == "long"
    found = _differ("identity", (r["strategy"], r["symbol"], r["side"]),
                    (b["strategy"], b["symbol"], b["side"]))  # fmt: skip
    found += _differ("entry time", r["opened_ms"], parse_time(b["entry_time"]))
    found += _price("entry price", r["entry_price"], live_entry(b["entry_price"], f.tick, long))
    qty = Decimal(repr(b["qty"]))  # on the lot already (`backtest.portfolio.combine`)
    found += _differ("quantity", Decimal(r["qty"]), qty)
    if b.get("open") or r["closed_ms"] is None:
        return found + _differ("still open", r["closed_ms"] is None, bool(b.get("open")))
    found += _differ("exit reason", r["exit_reason"], b["exit_reason"].split("+")[-1])
    bar_ms = get_strategy(b["strategy"]).entry_interval.ms  # a stop's bar is the strategy's
    found += _exit_time(r["closed_ms"], parse_time(b["exit_time"]), b["exits"][-1]["reason"],
                        bar_ms)  # fmt: skip
    if r.get("is_shadow"):
        return found + _paper_exit(r, b)
    found += _differ("exit legs", [leg["reason"] for leg in legs],
                     [leg["reason"] for leg in b["exits"]])  # fmt: skip
    if found:
        return found
    return _legs(legs, b, f, qty)


def _paper_exit(r: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    """A paper trade sends no order, so it has no legs to compare: its average exit price is
    compared instead, to `PAPER_TOLERANCE` (the replay fills a close-time exit at the close,
    the backtest at the next open; equal in our data except where a bar gaps)."""
    ours, theirs = float(r["exit_price"]), float(b["exit_price"])
    if abs(ours - theirs) <= PAPER_TOLERANCE * abs(theirs):
        return []
    return [f"paper exit price: replay {ours}, backtest {theirs}"]


def _legs(
    legs: Sequence[Mapping[str, Any]], b: Mapping[str, Any], f: Filters, qty: Decimal
) -> list[str]:
    found: list[str] = []
    left = qty
    for n, (ours, theirs) in enumerate(zip(legs, b["exits"], strict=True), start=1):
        want = leg_price(b, theirs, f)
        found += _price(f"leg {n} ({theirs['reason']}) price", ours["avg_fill_price"], want)
        last = n == len(legs)
        share = (qty * Decimal(repr(theirs["fraction"]))).quantize(f.lot, rounding=ROUND_FLOOR)
        found += _differ(f"leg {n} quantity", Decimal(ours["filled_qty"]), left if last else share)
        left -= Decimal(ours["filled_qty"])
    return found


def leg_price(b: Mapping[str, Any], leg: Mapping[str, Any], f: Filters) -> float:
    """Where the simulator fills the backtest's exit leg, by how the executor sends it."""
    return live_exit(leg["reason"], leg["price"], b["entry_price"], b["stop"],
                     b["side"] == "long", f.tick)  # fmt: skip


def _exit_time(closed_ms: int, exit_ms: int, final: str, bar_ms: int) -> list[str]:
    if final in MARKET_EXITS:
        return _differ("exit time", closed_ms, exit_ms)
    inside = exit_ms <= closed_ms <= exit_ms + bar_ms  # intrabar: within the backtest's bar
    return [] if inside else [f"exit time: replay {closed_ms} outside the bar at {exit_ms}"]


def _differ(what: str, replay: Any, backtest: Any) -> list[str]:
    return [] if replay == backtest else [f"{what}: replay {replay}, backtest {backtest}"]


def _price(what: str, replay: Any, backtest: float) -> list[str]:
    value = float(replay)
    if math.isclose(value, backtest, rel_tol=REL_TOLERANCE):
        return []
    return [f"{what}: replay {value}, backtest {backtest}"]
