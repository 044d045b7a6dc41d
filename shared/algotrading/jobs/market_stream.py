"""The market stream with the accounts it serves: the active trading accounts are read from the
database and their keys handed to the stream's private topics.

It joins two adapters (`db` for the accounts, `exchange.bybit` for the stream), so it lives
above both; the Fargate entry point and `algo stream run` both build their stream here.
"""

from __future__ import annotations

import psycopg

from algotrading.db.accounts import list_active_accounts, load_credentials
from algotrading.domain.credentials import ApiCredentials
from algotrading.exchange.bybit.client import resolve_base_url
from algotrading.exchange.bybit.stream import MarketStream
from algotrading.exchange.bybit.stream_app import stream_config
from algotrading.exchange.events import EventSink
from algotrading.exchange.factory import open_bybit
from algotrading.settings import Settings


def stream_accounts(
    conn: psycopg.Connection, base_url: str | None, settings: Settings
) -> dict[str, ApiCredentials]:
    """Active accounts with keys on the same exchange environment as the stream."""
    wanted = resolve_base_url(base_url)
    accounts: dict[str, ApiCredentials] = {}
    for account in list_active_accounts(conn):
        if account.has_keys and resolve_base_url(account.base_url) == wanted:
            _, creds = load_credentials(conn, account.id, settings)
            accounts[str(account.id)] = creds
    return accounts


def build_stream(
    settings: Settings, conn: psycopg.Connection | None, sink: EventSink
) -> MarketStream:
    """The stream of the settings' symbols and intervals, with the accounts' topics when `conn`
    is given (None: public topics only)."""
    accounts = stream_accounts(conn, settings.bybit_base_url, settings) if conn else {}
    rest = open_bybit(settings.bybit_base_url, None)
    return MarketStream(stream_config(settings, accounts), rest, sink)
