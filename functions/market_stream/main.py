"""Fargate entry point of the market stream: settings and accounts in, events to the log sink.

Thin by design: everything it does is in `algotrading.jobs.market_stream` (the stream and its
accounts) and `algotrading.exchange.bybit.stream_app` (the SIGTERM sequence).
"""

from __future__ import annotations

import sys

from algotrading.db.connection import connection
from algotrading.errors import AppError
from algotrading.exchange.bybit.stream_app import serve
from algotrading.exchange.events import LogSink
from algotrading.jobs.market_stream import build_stream
from algotrading.logs import configure_cli_logging, get_logger
from algotrading.settings import get_settings


def main() -> int:
    settings = get_settings()
    configure_cli_logging(settings.log_level or "INFO")
    try:
        with connection(settings) as conn:
            stream = build_stream(settings, conn, LogSink())
    except AppError as exc:
        get_logger("market_stream").error("cannot start: %s", exc)
        return 2
    return serve(stream)


if __name__ == "__main__":
    sys.exit(main())
