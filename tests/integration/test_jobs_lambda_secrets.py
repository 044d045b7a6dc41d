"""A handler in Lambda mode, its secrets in Secrets Manager and SSM (moto), against the real
PostgreSQL and the loopback simulator (issue 16, item 3).

Neither DATABASE_URL nor ALGO_SECRETS_KEY is in the environment: the order placed at the scalper
entry proves the handler reached the database through the Secrets Manager secret (RDS JSON) and
decrypted the account's exchange keys with the Fernet key read from SSM.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from execution_support import (
    ENTRY_CLOSE,
    remove_test_accounts,
    rows,
    scalper_account,
    sim_at,
    use_secrets_key,
)
from jobs_support import LambdaContext, load_handler, payload
from moto import mock_aws
from psycopg.conninfo import conninfo_to_dict
from sim_support import KEY

from algotrading.settings import get_settings


@pytest.fixture(autouse=True)
def _clean(worker_db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    use_secrets_key(monkeypatch)
    rows(worker_db_url, "DELETE FROM job_runs RETURNING job")
    parameters.clear_caches()
    yield
    parameters.clear_caches()
    get_settings.cache_clear()
    remove_test_accounts(worker_db_url)
    rows(worker_db_url, "DELETE FROM job_runs RETURNING job")


def move_secrets_to_aws(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The database as the RDS-generated JSON secret, the Fernet key as an SSM SecureString;
    the environment keeps only their names."""
    parts = conninfo_to_dict(url)
    secret = {"username": parts.get("user", ""), "password": parts.get("password", ""),
              "host": parts.get("host", "localhost"), "port": int(parts.get("port") or 5432),
              "dbname": parts["dbname"]}  # fmt: skip
    arn = boto3.client("secretsmanager").create_secret(
        Name="algo/db", SecretString=json.dumps(secret)
    )["ARN"]
    boto3.client("ssm").put_parameter(
        Name="/algo/fernet", Value=os.environ["ALGO_SECRETS_KEY"], Type="SecureString"
    )
    monkeypatch.setenv("ALGO_DATABASE_SECRET_ARN", arn)
    monkeypatch.setenv("ALGO_SECRETS_KEY_PARAM", "/algo/fernet")
    monkeypatch.delenv("ALGO_SECRETS_KEY")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "candle_close")
    get_settings.cache_clear()


def test_candle_close_in_lambda_reads_its_secrets_from_aws(
    worker_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {"AWS_DEFAULT_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "testing",
                        "AWS_SECRET_ACCESS_KEY": "testing"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    handler = load_handler("candle_close").handler
    with sim_at(ENTRY_CLOSE) as sim, mock_aws():
        account = scalper_account(worker_db_url, sim)
        move_secrets_to_aws(worker_db_url, monkeypatch)
        answer = handler(payload("candle_close", ENTRY_CLOSE), LambdaContext())
        market = [o for o in sim.engine.accounts[KEY].orders.values() if not o.is_conditional]
    assert answer["status"] == "done" and answer["failures"] == []
    assert len(market) == 1 and answer["orders_placed"] == 2  # the entry and its take-profit
    assert [a["account_id"] for a in answer["accounts"] if a["account_id"] == account] == [account]
