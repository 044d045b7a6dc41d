"""Settings for the scheduled jobs: each function declares what it needs, and where it comes from.

On one machine the settings are the environment (and `.env`), as everywhere else; a job without
DATABASE_URL uses the embedded PostgreSQL (started if needed). In Lambda
(`AWS_LAMBDA_FUNCTION_NAME` is set) each handler reads only the secrets it declares
(`SettingsNeeds`), from Secrets Manager or SSM (`jobs.secrets`), and holds no other secret. There
is no embedded server to start there, so a missing DATABASE_URL or secret is a configuration
error raised before anything else happens; the handler answers it with one log line and a
failure result.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from algotrading.errors import ConfigError
from algotrading.jobs.secrets import SECRET_FIELDS, SECRETS, aws_secret
from algotrading.settings import Settings, get_settings, load_settings

if TYPE_CHECKING:
    import psycopg

LAMBDA_ENV = "AWS_LAMBDA_FUNCTION_NAME"
TRADING_SETTINGS = ("DATABASE_URL", "ALGO_SECRETS_KEY")
"""What every account job needs: the database and the key that decrypts the exchange keys."""
LEDGER_SETTINGS = ("DATABASE_URL",)
"""What a job that trades no account needs (market history): only its run ledger."""


class ConfigurationError(ConfigError):
    """A setting the job needs is missing where it cannot be defaulted."""


@dataclass(frozen=True)
class SettingsNeeds:
    """The secrets a function reads: `required` fail the run when missing, `optional` (the
    Slack webhook of the alerts) are used when present."""

    required: tuple[str, ...] = TRADING_SETTINGS
    optional: tuple[str, ...] = ("SLACK_WEBHOOK_URL",)


TRADING_NEEDS = SettingsNeeds()
"""The account jobs: database, key of the exchange keys, and the webhook their alerts use."""
LEDGER_NEEDS = SettingsNeeds(required=LEDGER_SETTINGS)
"""The jobs that trade no account (market history, live parity): their run ledger, and the
webhook of their alerts."""


def in_lambda() -> bool:
    return bool(os.environ.get(LAMBDA_ENV))


def job_settings(required: Iterable[str] = TRADING_SETTINGS) -> Settings:
    """The settings, checked for what the caller needs (DATABASE_URL only in Lambda)."""
    if in_lambda():
        return lambda_settings(SettingsNeeds(required=tuple(required)))
    settings = get_settings()
    for name in required:
        if name == "DATABASE_URL":
            continue  # one machine: the embedded server stands in
        if getattr(settings, SECRETS[name].field) is None:
            raise ConfigurationError(f"{name} is not set; the job cannot run without it")
    return settings


def lambda_settings(needs: SettingsNeeds) -> Settings:
    """The settings of one Lambda function: the environment's plain values, the secrets it
    declares from their stores (cached by powertools), every other secret left out."""
    overrides: dict[str, object] = dict.fromkeys(SECRET_FIELDS)
    for name in (*needs.required, *needs.optional):
        value = aws_secret(name)
        if value is None and name in needs.required:
            pointer = SECRETS[name].pointer
            raise ConfigurationError(
                f"{name} is not set (nor {pointer}): the job cannot run without it"
                + (", and a Lambda function never starts the embedded PostgreSQL"
                   if name == "DATABASE_URL" else "")
            )  # fmt: skip
        overrides[SECRETS[name].field] = value
    return load_settings(**overrides)


def handler_settings(needs: SettingsNeeds) -> Settings:
    """What a handler passes to its job: per-function secrets in Lambda, else the environment."""
    return lambda_settings(needs) if in_lambda() else job_settings(needs.required)


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
