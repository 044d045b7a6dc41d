"""Secrets per function in Lambda: Secrets Manager and SSM Parameter Store through powertools
Parameters (under moto), and the configuration errors of a missing secret (issue 16, item 3)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from jobs_support import LambdaContext, load_handler, payload
from moto import mock_aws

from algotrading.domain.timefmt import parse_time
from algotrading.jobs import config
from algotrading.jobs.secrets import database_url_from_secret
from algotrading.settings import get_settings

FERNET = "a" * 43 + "="  # a well-formed Fernet key (44 url-safe base64 characters)
WEBHOOK = "https://hooks.slack.com/services/T000/B000/XXXX"
DB_SECRET = {"username": "algo", "password": "p@ss:w/rd", "host": "db.internal", "port": 5432,
             "dbname": "trading"}  # fmt: skip
# hand-encoded: "@" -> %40, ":" -> %3A, "/" -> %2F
DB_URL = "postgresql://algo:p%40ss%3Aw%2Frd@db.internal:5432/trading"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A Lambda environment with fake credentials and no secret in the environment."""
    for name, value in {"AWS_DEFAULT_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "testing",
                        "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_LAMBDA_FUNCTION_NAME": "candle_close",
                        "BYBIT_API_KEY": "not-for-jobs"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    for name in ("DATABASE_URL", "ALGO_SECRETS_KEY", "SLACK_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    parameters.clear_caches()
    with mock_aws():
        yield
    parameters.clear_caches()
    get_settings.cache_clear()


def store_secrets(monkeypatch: pytest.MonkeyPatch) -> str:
    """The database secret (RDS JSON) and the webhook in Secrets Manager, the Fernet key in SSM."""
    sm = boto3.client("secretsmanager")
    db_arn = sm.create_secret(Name="algo/db", SecretString=json.dumps(DB_SECRET))["ARN"]
    hook_arn = sm.create_secret(Name="algo/slack", SecretString=WEBHOOK)["ARN"]
    boto3.client("ssm").put_parameter(Name="/algo/fernet", Value=FERNET, Type="SecureString")
    monkeypatch.setenv("ALGO_DATABASE_SECRET_ARN", db_arn)
    monkeypatch.setenv("ALGO_SLACK_WEBHOOK_SECRET_ARN", hook_arn)
    monkeypatch.setenv("ALGO_SECRETS_KEY_PARAM", "/algo/fernet")
    return db_arn


def test_secrets_come_from_secrets_manager_and_ssm(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_secrets(monkeypatch)
    settings = config.lambda_settings(config.TRADING_NEEDS)
    assert settings.database_url == DB_URL
    assert settings.secrets_key is not None and settings.secrets_key.get_secret_value() == FERNET
    assert settings.slack_webhook_url is not None
    assert settings.slack_webhook_url.get_secret_value() == WEBHOOK
    assert settings.bybit_api_key is None  # in the environment, but no job declares it


def test_a_function_reads_only_the_secrets_it_declares(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_secrets(monkeypatch)
    settings = config.lambda_settings(config.SettingsNeeds(required=("DATABASE_URL",), optional=()))
    assert settings.database_url == DB_URL
    assert settings.secrets_key is None and settings.slack_webhook_url is None


def test_a_warm_process_reuses_a_fetched_secret(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    arn = store_secrets(monkeypatch)
    needs = config.SettingsNeeds(required=("DATABASE_URL",), optional=())
    assert config.lambda_settings(needs).database_url == DB_URL
    boto3.client("secretsmanager").put_secret_value(
        SecretId=arn, SecretString="postgresql://u:p@rotated:5432/db"
    )
    assert config.lambda_settings(needs).database_url == DB_URL  # cached for CACHE_SECONDS
    parameters.clear_caches()  # what the end of the cache window does
    assert config.lambda_settings(needs).database_url == "postgresql://u:p@rotated:5432/db"


def test_the_database_secret_may_be_a_plain_url_or_rds_json() -> None:
    assert database_url_from_secret("postgresql://a:b@h:5432/d") == "postgresql://a:b@h:5432/d"
    assert database_url_from_secret(json.dumps(DB_SECRET)) == DB_URL
    socket = {"username": "u", "password": "", "host": "/run/pg", "port": 5433, "dbname": "d"}
    assert database_url_from_secret(json.dumps(socket)) == "postgresql://u:@:5433/d?host=/run/pg"
    with pytest.raises(config.ConfigError, match="neither a URL nor JSON"):
        database_url_from_secret('{"host": "h"}')


@pytest.mark.parametrize(
    "pointer", [None, "arn:aws:secretsmanager:eu-west-1:123456789012:secret:gone"]
)
def test_a_missing_database_secret_fails_the_handler_with_one_line(
    aws: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    pointer: str | None,
) -> None:
    """No DATABASE_URL (no pointer, or a pointer to a secret that does not exist): one error line,
    a failure result, and the embedded PostgreSQL is never reached."""
    store_secrets(monkeypatch)
    if pointer is None:
        monkeypatch.delenv("ALGO_DATABASE_SECRET_ARN")
    else:
        monkeypatch.setenv("ALGO_DATABASE_SECRET_ARN", pointer)

    def never(*_: object) -> str:
        raise AssertionError("the embedded PostgreSQL must not be started in Lambda")

    monkeypatch.setattr("algotrading.db.connection.embedded_database_url", never)
    handler = load_handler("candle_close").handler
    answer = handler(payload("candle_close", parse_time("2025-10-24T15:00:00Z")), LambdaContext())
    assert answer["status"] == "failed" and "DATABASE_URL" in answer["error"]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "ALGO_DATABASE_SECRET_ARN" in errors[0].error
    assert '"ConfigurationErrors"' in capsys.readouterr().out  # the failure metric (EMF line)


def test_a_missing_fernet_parameter_is_a_configuration_error(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_secrets(monkeypatch)
    monkeypatch.setenv("ALGO_SECRETS_KEY_PARAM", "/algo/no-such-parameter")
    with pytest.raises(config.ConfigError, match=r"ALGO_SECRETS_KEY.*could not be read"):
        config.lambda_settings(config.TRADING_NEEDS)
