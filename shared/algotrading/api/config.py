"""The API's own settings: only what signing in and serving requests need (docs/api.md).

Kept apart from the trading `Settings` so the API function reads what it uses and nothing else.
The JWT signing secret is required in AWS (the variable, or Secrets Manager through
`ALGO_JWT_SECRET_ARN`); on one machine, when it is not set, a random one is created once in
`.local/api-secret` (mode 0600) so `make demo` needs no setup and tokens survive a restart.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from algotrading.errors import ConfigError
from algotrading.logs import in_lambda, register_secret

SECRET_FILE = Path(".local/api-secret")


class ApiSettings(BaseSettings):
    """Environment variables of the API; field aliases are their names."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    jwt_secret: SecretStr | None = Field(default=None, alias="ALGO_JWT_SECRET")
    access_token_minutes: int = Field(default=15, ge=1, le=24 * 60, alias="ALGO_ACCESS_MINUTES")
    refresh_token_days: int = Field(default=7, ge=1, le=90, alias="ALGO_REFRESH_DAYS")
    admin_totp: Literal["required", "optional"] = Field(default="required", alias="ALGO_ADMIN_TOTP")
    login_window_minutes: int = Field(default=15, ge=1, le=24 * 60, alias="ALGO_LOGIN_WINDOW_MIN")
    login_failures_per_email: int = Field(default=5, ge=1, le=1000, alias="ALGO_LOGIN_MAX_EMAIL")
    login_failures_per_client: int = Field(
        default=20, ge=1, le=10_000, alias="ALGO_LOGIN_MAX_CLIENT"
    )
    max_body_bytes: int = Field(default=1_048_576, ge=1024, alias="ALGO_API_MAX_BODY")
    static_dir: Path | None = Field(default=None, alias="ALGO_DASHBOARD_DIR")
    reports_dir: Path = Field(default=Path(".local/reports"), alias="ALGO_REPORTS_DIR")
    backtest_workers: int = Field(default=1, ge=1, le=32, alias="ALGO_BACKTEST_WORKERS")


def load_api_settings(**overrides: object) -> ApiSettings:
    """Read and check the API settings; the first problem is a one-line `ConfigError`."""
    try:
        settings = ApiSettings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(part) for part in first["loc"]) or "settings"
        raise ConfigError(f"invalid {name}: {first['msg']}") from None
    if in_lambda() and settings.admin_totp != "required":
        raise ConfigError("invalid ALGO_ADMIN_TOTP: a deployed API requires admins' second factor")
    if settings.jwt_secret is not None and len(settings.jwt_secret.get_secret_value()) < 32:
        raise ConfigError("invalid ALGO_JWT_SECRET: must be at least 32 characters")
    return settings


def signing_secret(settings: ApiSettings) -> str:
    """The JWT secret: configured, else (one machine only) the one kept in `.local/api-secret`."""
    if settings.jwt_secret is not None:
        value = settings.jwt_secret.get_secret_value()
    elif in_lambda():
        value = _lambda_secret()
    else:
        value = _local_secret(SECRET_FILE)
    register_secret(value)
    return value


def _lambda_secret() -> str:
    """In AWS: from Secrets Manager (`ALGO_JWT_SECRET_ARN`, cached per warm process)."""
    from algotrading.jobs.secrets import aws_secret

    value = aws_secret("ALGO_JWT_SECRET")
    if not value:
        raise ConfigError(
            "ALGO_JWT_SECRET is not set (nor ALGO_JWT_SECRET_ARN): the API cannot sign tokens"
        )
    if len(value) < 32:
        raise ConfigError("invalid ALGO_JWT_SECRET: must be at least 32 characters")
    return value


def _local_secret(path: Path) -> str:
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    path.touch(mode=0o600)
    path.write_text(value + "\n")
    return value


@lru_cache(maxsize=1)
def get_api_settings() -> ApiSettings:
    return load_api_settings()
