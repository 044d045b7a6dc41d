"""Where a job's secrets come from in AWS: Secrets Manager or SSM Parameter Store.

A Lambda function's environment holds no secret, only where each one is kept
(`ALGO_DATABASE_SECRET_ARN`, `ALGO_SECRETS_KEY_PARAM`, `ALGO_SLACK_WEBHOOK_SECRET_ARN`): the
values live in the stores that rotate, audit and encrypt them. They are read through powertools
Parameters, which caches each value for `CACHE_SECONDS` in the warm process, so a delivery every
five minutes reads a store once per warm container and window, not once per invocation. When a
pointer is unset, the variable itself is read from the environment (a stack that injects it);
on one machine only the environment is used (`jobs.config`). boto3 is imported on first fetch,
never on a handler's import.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

from algotrading.errors import ConfigError

CACHE_SECONDS = 300
"""How long a warm process reuses a fetched secret before reading its store again (rotation)."""

Store = Literal["secretsmanager", "ssm"]


@dataclass(frozen=True)
class SecretSpec:
    """One secret setting: its variable, its settings field (`Settings`; `ApiSettings` for the
    JWT secret) and where it is kept in AWS."""

    name: str
    field: str
    pointer: str
    store: Store


SECRETS: dict[str, SecretSpec] = {
    spec.name: spec
    for spec in (
        SecretSpec("DATABASE_URL", "database_url", "ALGO_DATABASE_SECRET_ARN", "secretsmanager"),
        SecretSpec("ALGO_SECRETS_KEY", "secrets_key", "ALGO_SECRETS_KEY_PARAM", "ssm"),
        SecretSpec("ALGO_JWT_SECRET", "jwt_secret", "ALGO_JWT_SECRET_ARN", "secretsmanager"),
        SecretSpec(
            "SLACK_WEBHOOK_URL",
            "slack_webhook_url",
            "ALGO_SLACK_WEBHOOK_SECRET_ARN",
            "secretsmanager",
        ),
    )
}
SECRET_FIELDS = (
    "database_url",
    "secrets_key",
    "slack_webhook_url",
    "bybit_api_key",
    "bybit_api_secret",
)
"""Every secret field of `Settings`: in Lambda a function holds only those it declares."""


class SecretUnavailable(ConfigError):
    """A secret's pointer is set but its store did not answer with a usable value."""


def aws_secret(name: str) -> str | None:
    """The value of secret setting `name` in Lambda: from its store when its pointer is set,
    else from the variable itself; None when neither is set."""
    spec = SECRETS[name]
    pointer = os.environ.get(spec.pointer, "").strip()
    if not pointer:
        return os.environ.get(name, "").strip() or None
    value = _fetch(spec, pointer)
    return database_url_from_secret(value) if name == "DATABASE_URL" else value


def _fetch(spec: SecretSpec, pointer: str) -> str:
    from aws_lambda_powertools.utilities import parameters

    try:
        if spec.store == "ssm":
            value = parameters.get_parameter(pointer, decrypt=True, max_age=CACHE_SECONDS)
        else:
            value = parameters.get_secret(pointer, max_age=CACHE_SECONDS)
    except parameters.exceptions.GetParameterError as exc:
        raise SecretUnavailable(
            f"{spec.name}: {spec.pointer}={pointer} could not be read from {spec.store}: {exc}"
        ) from None
    text = value.decode() if isinstance(value, bytes) else value
    if not isinstance(text, str) or not text.strip():
        raise SecretUnavailable(f"{spec.name}: {spec.pointer}={pointer} holds an empty value")
    return text.strip()


def database_url_from_secret(value: str) -> str:
    """A PostgreSQL URL from the database secret: a URL as is, or the JSON document Aurora and
    RDS generate for a managed secret (`username`, `password`, `host`, `port`, `dbname`)."""
    if not value.startswith("{"):
        return value
    try:
        doc = json.loads(value)
        user, password, host = doc["username"], doc["password"], doc["host"]
    except (ValueError, KeyError, TypeError):
        raise SecretUnavailable(
            "DATABASE_URL: the database secret is neither a URL nor JSON with username,"
            " password and host"
        ) from None
    port = doc.get("port", 5432)
    dbname = quote(str(doc.get("dbname", "postgres")), safe="")
    auth = f"{quote(str(user), safe='')}:{quote(str(password), safe='')}"
    if str(host).startswith("/"):  # a Unix-socket directory goes in the query, not the authority
        return f"postgresql://{auth}@:{port}/{dbname}?host={quote(str(host), safe='/')}"
    return f"postgresql://{auth}@{host}:{port}/{dbname}"
