"""`algo funding`: where each symbol's funding stands, from the funding files."""

from __future__ import annotations

import math
from pathlib import Path

import click

from algotrading.cli.data import data_dir_option, open_dataset
from algotrading.cli.market import json_option, number_columns, parse_as_of, user_errors
from algotrading.cli.output import print_json, print_table
from algotrading.domain.timefmt import ms_to_iso
from algotrading.errors import AppError
from algotrading.market.funding import FundingSnapshot, dataset_snapshots


@click.group()
def funding() -> None:
    """Funding rates: current, averages, z-score, interval, next settlement."""


@funding.command()
@data_dir_option
@click.option("--as-of", "as_of", metavar="TIME", help="ISO 8601 time (UTC). Default: data end.")
@json_option
def rates(data_dirs: tuple[Path, ...], as_of: str | None, as_json: bool) -> None:
    """Per symbol: current rate, 7-day mean, 30-day z-score, interval, next settlement and
    annualised rate, as known at --as-of (settlements at or before it)."""
    at = parse_as_of(as_of)
    dataset = open_dataset(data_dirs)
    with user_errors():
        latest = dataset_snapshots(dataset)
        if not latest:
            raise AppError(f"no funding files in {', '.join(str(d) for d in dataset.dirs)}")
        end = max(s.current_time_ms for s in latest)
        if at is not None and at > end:
            raise AppError(
                f"--as-of {ms_to_iso(at)} is after the end of the funding data ({ms_to_iso(end)})"
            )
        snapshots = latest if at is None else dataset_snapshots(dataset, at)
        if not snapshots:
            raise AppError(f"no funding settlement at or before {ms_to_iso(at or end)}")
    if as_json:
        print_json(
            {"as_of": ms_to_iso(snapshots[0].as_of_ms), "rates": [_json(s) for s in snapshots]}
        )
        return
    click.echo(f"as of {ms_to_iso(snapshots[0].as_of_ms)} (rates per settlement)")
    headers = (
        "symbol",
        "current",
        "7d avg",
        "z 30d",
        "interval h",
        "next settlement",
        "annualized",
    )
    print_table(headers, number_columns(headers, [_row(s) for s in snapshots], 1))


def _pct(value: float | None, places: int) -> str | None:
    if value is None or math.isnan(value):
        return None
    return f"{value * 100:.{places}f}%"


def _row(s: FundingSnapshot) -> tuple[object, ...]:
    return (
        s.symbol,
        _pct(s.current_rate, 5),
        _pct(s.avg_7d, 5),
        None if math.isnan(s.zscore_30d) else f"{s.zscore_30d:.2f}",
        s.interval_hours,
        None if s.next_settlement_ms is None else ms_to_iso(s.next_settlement_ms),
        _pct(s.annualized, 2),
    )


def _json(s: FundingSnapshot) -> dict[str, object]:
    def finite(value: float | None) -> float | None:
        return None if value is None or math.isnan(value) else value

    return {
        "symbol": s.symbol,
        "current_rate": s.current_rate,
        "current_time": ms_to_iso(s.current_time_ms),
        "avg_7d": finite(s.avg_7d),
        "settlements_7d": s.settlements_7d,
        "zscore_30d": finite(s.zscore_30d),
        "settlements_30d": s.settlements_30d,
        "interval_hours": s.interval_hours,
        "interval_source": s.interval_source,
        "next_settlement": None
        if s.next_settlement_ms is None
        else ms_to_iso(s.next_settlement_ms),
        "annualized": finite(s.annualized),
    }
