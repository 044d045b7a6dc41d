"""`algo data`: what the market-data directories hold."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click

from algotrading.cli.numbers import count
from algotrading.cli.output import print_json, print_table
from algotrading.domain.timefmt import ms_to_iso
from algotrading.market.candles import DataFileCandleSource
from algotrading.market.datafiles import DataSet, SeriesInfo
from algotrading.market.merge import Overlap
from algotrading.settings import get_settings

data_dir_option = click.option(
    "--data-dir",
    "data_dirs",
    multiple=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Market-data directory; repeat to continue one with another (where two share times, "
    "the one listed first wins). Default: bundled data.",
)


def open_dataset(data_dirs: tuple[Path, ...]) -> DataSet:
    """The data set named on the command line, else ALGO_DATA_DIR, else the bundled data."""
    if data_dirs:
        return DataSet(list(data_dirs))
    configured = get_settings().data_dir
    return DataSet([configured] if configured else None)


@click.group()
def data() -> None:
    """Market-data files (klines, funding and open interest)."""


@data.command()
@data_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def info(data_dirs: tuple[Path, ...], as_json: bool) -> None:
    """Symbols, intervals, first/last time, rows and gaps of each series, and where two
    directories overlap: which one won (the one listed first) and how the other differed."""
    dataset = open_dataset(data_dirs)
    series = dataset.inventory()
    overlaps = dataset.overlaps()
    extended = _extended(dataset, series)
    if as_json:
        print_json(
            {
                "dirs": [str(d) for d in dataset.dirs],
                "symbols": dataset.symbols(),
                "series": [
                    {**asdict(s), "first": ms_to_iso(s.first_ms), "last": ms_to_iso(s.last_ms)}
                    for s in series
                ],
                "overlaps": [_overlap_json(*row) for row in overlaps],
                "extended": [
                    dict(zip(("symbol", "interval", "first", "last", "rows"), row, strict=True))
                    for row in extended
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
    click.echo(
        f"{count(len(dataset.symbols()), 'symbol')}, {count(len(series), 'series', 'series')}"
    )
    if overlaps:
        _print_overlaps(dataset, overlaps)
    if extended:
        click.echo("extended: candles resampled from shorter ones where no file of the interval")
        click.echo("covers (a directory has the shorter candles but no file at this interval)")
        print_table(("symbol", "interval", "first", "last", "rows"), extended)


def _extended(dataset: DataSet, series: list[SeriesInfo]) -> list[tuple[str, str, str, str, int]]:
    """Kline series the loader serves beyond their files: (symbol, interval, first and last
    time served, rows added by resampling a shorter interval)."""
    source = DataFileCandleSource(dataset)
    found = []
    for s in series:
        if s.kind != "klines" or s.interval is None:
            continue
        served = source.series(s.symbol, s.interval)
        if len(served) > s.rows:
            first, last = int(served.start_ms[0]), int(served.start_ms[-1])
            found.append(
                (s.symbol, s.interval, ms_to_iso(first), ms_to_iso(last), len(served) - s.rows)
            )
    return found


def _overlap_json(kind: str, symbol: str, interval: str, o: Overlap) -> dict[str, object]:
    return {
        "kind": kind,
        "symbol": symbol,
        "interval": interval or None,
        "kept": str(o.kept),
        "dropped": str(o.dropped),
        "rows": o.rows,
        "first": ms_to_iso(o.first_ms),
        "last": ms_to_iso(o.last_ms),
        "differs": [asdict(d) for d in o.differs],
    }


def _print_overlaps(dataset: DataSet, overlaps: list[tuple[str, str, str, Overlap]]) -> None:
    """Overlapping rows: the earlier-listed directory's rows were used (docs/data.md)."""
    number = {d: i + 1 for i, d in enumerate(dataset.dirs)}
    click.echo("overlaps: the directory listed first wins; the other's rows there are not used")
    rows = [
        (
            symbol,
            kind,
            interval or "-",
            ms_to_iso(o.first_ms),
            ms_to_iso(o.last_ms),
            o.rows,
            f"#{number.get(o.kept.parent.parent, '?')}",
            f"#{number.get(o.dropped.parent.parent, '?')}",
            ", ".join(f"{d.column} {count(d.rows, 'row')} (max {d.max_rel:.2%})" for d in o.differs)
            or "identical",
        )
        for kind, symbol, interval, o in overlaps
    ]
    headers = ("symbol", "kind", "interval", "first", "last", "rows", "used", "dropped", "differs")
    print_table(headers, rows)
    click.echo("directories: " + ", ".join(f"#{n} {d}" for d, n in number.items()))
