"""`algo data`: what the market-data directories hold."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click

from algotrading.cli.output import print_json, print_table
from algotrading.domain.timefmt import ms_to_iso
from algotrading.market.datafiles import DataSet
from algotrading.settings import get_settings

data_dir_option = click.option(
    "--data-dir",
    "data_dirs",
    multiple=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Market-data directory; repeat to continue one with another. Default: bundled data.",
)


def open_dataset(data_dirs: tuple[Path, ...]) -> DataSet:
    """The data set named on the command line, else ALGO_DATA_DIR, else the bundled data."""
    if data_dirs:
        return DataSet(list(data_dirs))
    configured = get_settings().data_dir
    return DataSet([configured] if configured else None)


@click.group()
def data() -> None:
    """Market-data files (klines and funding)."""


@data.command()
@data_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def info(data_dirs: tuple[Path, ...], as_json: bool) -> None:
    """Symbols, intervals, first/last time, rows and gaps of each series."""
    dataset = open_dataset(data_dirs)
    series = dataset.inventory()
    if as_json:
        print_json(
            {
                "dirs": [str(d) for d in dataset.dirs],
                "symbols": dataset.symbols(),
                "series": [
                    {**asdict(s), "first": ms_to_iso(s.first_ms), "last": ms_to_iso(s.last_ms)}
                    for s in series
                ],
            }
        )
        return
    click.echo(f"data: {', '.join(str(d) for d in dataset.dirs)}")
    rows = [
        (
            s.symbol,
            s.kind,
            s.interval or "-",
            ms_to_iso(s.first_ms),
            ms_to_iso(s.last_ms),
            s.rows,
            s.gaps,
        )
        for s in series
    ]
    print_table(("symbol", "kind", "interval", "first", "last", "rows", "gaps"), rows)
    click.echo(f"{len(dataset.symbols())} symbols, {len(series)} series")
