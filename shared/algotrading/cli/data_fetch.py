"""`algo data fetch --since TIME`: the market-history job by hand, over any span.

It runs the job's own code (`jobs.market_history.append_history` over `history_symbols`)
against Bybit or the simulator (`--base-url`, default BYBIT_BASE_URL), appending to `--dest`
(default ALGO_HISTORY_DIR, or the S3 bucket when ALGO_HISTORY_BUCKET is set). Unlike the
schedule it records no job run, so it needs no database; a series with something stored continues
from its last point, so a repeat appends nothing. A bad time is one line, exit 2, nothing written.
"""

from __future__ import annotations

import time
from pathlib import Path

import click

from algotrading.cli.output import print_json
from algotrading.cli.run import BadTime, parse_at
from algotrading.errors import AppError
from algotrading.settings import get_settings


class FetchFailed(AppError):
    """A symbol could not be fetched; a repeat retries it (what was appended stays)."""

    exit_code = 1


@click.command("fetch")
@click.option("--since", required=True, help="Fetch what closed after this time (ISO 8601/ms).")
@click.option("--until", help="Up to this time (ISO 8601 or epoch ms). Default: now.")
@click.option("--base-url", help="mainnet, testnet, demo or a URL (e.g. `algo sim`'s). "
              "Default: BYBIT_BASE_URL, else mainnet.")  # fmt: skip
@click.option("--dest", type=click.Path(path_type=Path, file_okay=False),
              help="Data directory to append to. Default: ALGO_HISTORY_DIR.")  # fmt: skip
def fetch(since: str, until: str | None, base_url: str | None, dest: Path | None) -> None:
    """Append the closed klines, funding settlements and open interest of the kept symbols
    (scanned universes, strategy defaults, stream symbols) and print what was appended."""
    since_ms = parse_at(since, "--since")
    until_ms = parse_at(until, "--until") if until else int(time.time() * 1000)
    if until_ms <= since_ms:
        raise BadTime("--until must be after --since")
    from algotrading.exchange.factory import open_bybit
    from algotrading.jobs.history_store import LocalHistoryStore, open_history_store
    from algotrading.jobs.history_symbols import history_symbols
    from algotrading.jobs.market_history import append_history

    settings = get_settings()
    store = LocalHistoryStore(dest) if dest else open_history_store(settings)
    exchange = open_bybit(base_url or settings.bybit_base_url, None)
    symbols = history_symbols(exchange, until_ms, settings)
    summary = append_history(exchange, store, symbols, since_ms, until_ms)
    print_json(summary)
    if summary["failures"]:
        raise FetchFailed(f"{len(summary['failures'])} symbol(s) failed; run it again to retry")
