"""The JSON the long commands print (`--json`) and write (`--out`), made readable without
changing a value (docs/output.md, "Numbers"):

* every epoch-millisecond field `x_ms` gets an ISO 8601 UTC `x` beside it (`opened_ms` and
  `opened`, an exit leg's `time_ms` and `time`); a curve's list of times stays milliseconds;
* the replay's Decimal text (`"0.033400000000"`, `"0E-8"`) at the instrument's lot and tick, and
  money with at least two decimals (`"0.0334"`, `"0.00"`), each value exactly as stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from algotrading.cli.numbers import money, on_step
from algotrading.domain.timefmt import ms_to_iso

QUANTITIES = ("qty", "filled_qty")
PRICES = ("price", "entry_price", "exit_price", "stop_loss", "take_profit", "avg_fill_price")
MONEY = ("realized_pnl", "unrealized_pnl", "fees", "fee", "funding", "equity")
REPLAY_LISTS = ("signals", "orders", "trades", "snapshots")


def with_iso_times(value: Any) -> Any:
    """`value` with an ISO UTC time beside each epoch-ms field of its objects, at any depth
    (a name already taken is left alone)."""
    if isinstance(value, list):
        return [with_iso_times(v) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        out[key] = with_iso_times(item)
        name = key.removesuffix("_ms")
        if name != key and name not in value and _epoch_or_none(item):
            out[name] = None if item is None else ms_to_iso(item)
    return out


def _epoch_or_none(item: Any) -> bool:
    return item is None or (isinstance(item, int) and not isinstance(item, bool))


def present_replay(report: Mapping[str, Any]) -> dict[str, Any]:
    """The replay report with its rows' quantities and prices at their symbol's lot and tick
    (`report["instruments"]`), money without exponents, and ISO times."""
    instruments = report.get("instruments") or {}
    out = dict(report)
    for name in REPLAY_LISTS:
        out[name] = [_row(r, instruments.get(r.get("symbol"))) for r in report.get(name, [])]
    if isinstance(report.get("final_equity"), str):
        out["final_equity"] = money(report["final_equity"])
    shown: dict[str, Any] = with_iso_times(out)
    return shown


def _row(row: Mapping[str, Any], filters: Mapping[str, str] | None) -> dict[str, Any]:
    out = dict(row)
    for key, text in row.items():
        if not isinstance(text, str):
            continue
        if key in MONEY:
            out[key] = money(text)
        elif filters is not None and key in QUANTITIES:
            out[key] = on_step(text, filters["qty_step"])
        elif filters is not None and key in PRICES:
            out[key] = on_step(text, filters["tick"])
    return out
