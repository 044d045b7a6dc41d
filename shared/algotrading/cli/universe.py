"""`algo universe`: the momentum universe and its ranking, from the kline files."""

from __future__ import annotations

import math
from pathlib import Path

import click

from algotrading.cli.data import data_dir_option, open_dataset
from algotrading.cli.market import json_option, number_columns, parse_as_of, user_errors
from algotrading.cli.output import print_json, print_table
from algotrading.domain.timefmt import ms_to_iso
from algotrading.errors import AppError
from algotrading.market.universe import UniverseRanking, daily_candles, data_end_ms, rank_universe


@click.group()
def universe() -> None:
    """The universe scanner: liquid USDT perpetuals ranked by momentum."""


@universe.command()
@data_dir_option
@click.option(
    "--as-of", "as_of", metavar="DATE", help="ISO 8601 date/time (UTC). Default: data end."
)
@json_option
def rank(data_dirs: tuple[Path, ...], as_of: str | None, as_json: bool) -> None:
    """Top 30 by 14-day turnover (> 10 M USD/day, no stablecoins), ranked by momentum per unit
    of volatility, using the daily candles closed by --as-of (a date means its 00:00 UTC)."""
    at = parse_as_of(as_of)
    with user_errors():
        daily = daily_candles(open_dataset(data_dirs))
        end = data_end_ms(daily)
        if end is None:
            raise AppError("no klines in the data to build daily candles from")
        if at is not None and at > end:
            raise AppError(
                f"--as-of {ms_to_iso(at)} is after the end of the daily data ({ms_to_iso(end)})"
            )
        ranking = rank_universe(daily, end if at is None else at)
    if as_json:
        print_json(_json(ranking))
        return
    _print(ranking)


def _print(ranking: UniverseRanking) -> None:
    click.echo(
        f"as of {ms_to_iso(ranking.as_of_ms)}, last day {ms_to_iso(ranking.last_day_ms)[:10]}; "
        "ROC/composite/drawdown in %, vol annualised, turnover in M USD/day"
    )
    headers = ("rank", "symbol", "score", "composite", "roc7", "roc14", "roc30", "vol",
               "corr btc", "drawdown", "turnover")  # fmt: skip
    rows = [
        (
            r.rank,
            r.symbol,
            *(_fixed(v, 2) for v in (r.vol_adjusted, r.composite, r.roc_7, r.roc_14, r.roc_30)),
            _fixed(r.realized_vol * 100, 1, "%"),
            _fixed(r.corr_btc, 2),
            _fixed(r.drawdown, 2),
            _fixed(r.avg_turnover / 1e6, 1),
        )
        for r in ranking.ranked
    ]
    print_table(headers, number_columns(headers, rows, 2))
    for item in ranking.excluded:
        click.echo(f"excluded {item.symbol}: {item.reason}")


def _fixed(value: float, places: int, suffix: str = "") -> str | None:
    return None if math.isnan(value) else f"{value:.{places}f}{suffix}"


def _json(ranking: UniverseRanking) -> dict[str, object]:
    def clean(value: object) -> object:
        return None if isinstance(value, float) and math.isnan(value) else value

    return {
        "as_of": ms_to_iso(ranking.as_of_ms),
        "last_day": ms_to_iso(ranking.last_day_ms),
        "ranked": [
            {name: clean(getattr(r, name)) for name in r.__dataclass_fields__}
            for r in ranking.ranked
        ],
        "excluded": [{"symbol": e.symbol, "reason": e.reason} for e in ranking.excluded],
    }
