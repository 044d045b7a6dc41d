"""Settings for the scheduled jobs, and where their database connection comes from.

On one machine a job without DATABASE_URL uses the embedded PostgreSQL (started if needed). In
Lambda (`AWS_LAMBDA_FUNCTION_NAME` is set) there is no embedded server to start, so a missing
DATABASE_URL is a configuration error raised before anything else happens. Each handler names
the settings it needs (`job_settings(required)`); a missing one fails the same way.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import psycopg

from algotrading.errors import AppError
from algotrading.settings import Settings, get_settings

LAMBDA_ENV = "AWS_LAMBDA_FUNCTION_NAME"
TRADING_SETTINGS = ("DATABASE_URL", "ALGO_SECRETS_KEY")
"""What every account job needs: the database and the key that decrypts the exchange keys."""
LEDGER_SETTINGS = ("DATABASE_URL",)
"""What a job that trades no account needs (market history): only its run ledger."""

_FIELDS = {"DATABASE_URL": "database_url", "ALGO_SECRETS_KEY": "secrets_key"}


class ConfigurationError(AppError):
    """A setting the job needs is missing where it cannot be defaulted."""


def in_lambda() -> bool:
    return bool(os.environ.get(LAMBDA_ENV))


def job_settings(required: Iterable[str] = TRADING_SETTINGS) -> Settings:
    """The settings, checked for what the caller needs (DATABASE_URL only in Lambda)."""
    settings = get_settings()
    for name in required:
        if name == "DATABASE_URL" and not in_lambda():
            continue  # one machine: the embedded server stands in
        if getattr(settings, _FIELDS[name]) is None:
            raise ConfigurationError(f"{name} is not set; the job cannot run without it")
    require_database(settings)
    return settings


def require_database(settings: Settings) -> None:
    if in_lambda() and not settings.database_url:
        raise ConfigurationError(
            "DATABASE_URL is not set: a Lambda function never starts the embedded PostgreSQL"
        )


@contextmanager
def job_connection(settings: Settings) -> Iterator[psycopg.Connection]:
    """One autocommit connection for a job run (its locks are session-level)."""
    require_database(settings)
    from algotrading.db.connection import connect, database_url, schema_ready

    conn = connect(database_url(settings), settings.db_connect_timeout_s, autocommit=True)
    try:
        schema_ready(conn, settings)
        yield conn
    finally:
        conn.close()


@contextmanager
def given_connection(
    conn: psycopg.Connection | None, settings: Settings
) -> Iterator[psycopg.Connection]:
    """`conn` when the caller has one (it must be autocommit: the job locks are session-level),
    else a connection of the job's own, closed afterwards."""
    if conn is not None:
        if not conn.autocommit:
            raise ValueError("the scheduled jobs need an autocommit connection")
        yield conn
        return
    with job_connection(settings) as own:
        yield own
