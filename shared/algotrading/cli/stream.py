"""`algo stream run`: the market stream in the foreground, as the Fargate task runs it."""

from __future__ import annotations

import click

from algotrading.db.connection import connection
from algotrading.exchange.bybit.stream_app import serve
from algotrading.exchange.events import LogSink
from algotrading.jobs.market_stream import build_stream
from algotrading.logs import configure_cli_logging
from algotrading.settings import load_settings


@click.group()
def stream() -> None:
    """The exchange WebSocket stream (klines, tickers, private account topics)."""


@stream.command()
@click.option("--base-url", help="mainnet, testnet, demo or a URL (default BYBIT_BASE_URL).")
@click.option("--symbols", help="Comma-separated symbols (default ALGO_STREAM_SYMBOLS).")
@click.option("--intervals", help="Comma-separated intervals (default ALGO_STREAM_INTERVALS).")
@click.option("--accounts/--no-accounts", default=True, help="Subscribe active accounts' topics.")
def run(base_url: str | None, symbols: str | None, intervals: str | None, accounts: bool) -> None:
    """Stream until Ctrl-C or SIGTERM; every event is logged."""
    overrides = {
        "BYBIT_BASE_URL": base_url,
        "ALGO_STREAM_SYMBOLS": symbols,
        "ALGO_STREAM_INTERVALS": intervals,
    }
    settings = load_settings(**{k: v for k, v in overrides.items() if v is not None})
    configure_cli_logging(settings.log_level or "INFO")
    if accounts:
        with connection(settings) as conn:
            market_stream = build_stream(settings, conn, LogSink())
    else:
        market_stream = build_stream(settings, None, LogSink())
    serve(market_stream)
