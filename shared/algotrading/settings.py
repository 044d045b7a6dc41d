"""The one settings model, read from the environment and an optional `.env` file.

Every variable is documented in docs/configuration.md. An invalid value raises `ConfigError`
naming the variable, so the CLI can stop with one line instead of a pydantic traceback.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from algotrading.domain.intervals import Interval
from algotrading.errors import ConfigError

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]


class Settings(BaseSettings):
    """Runtime configuration; field aliases are the environment variable names."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    database_url: str | None = Field(default=None, alias="DATABASE_URL")
    pgdata_dir: Path = Field(default=Path(".local/pgdata"), alias="ALGO_PGDATA_DIR")
    db_pool_min: int = Field(default=1, ge=0, le=100, alias="ALGO_DB_POOL_MIN")
    db_pool_max: int = Field(default=10, ge=1, le=100, alias="ALGO_DB_POOL_MAX")
    db_connect_timeout_s: float = Field(default=10.0, gt=0, le=300, alias="ALGO_DB_CONNECT_TIMEOUT")
    log_level: LogLevel | None = Field(default=None, alias="ALGO_LOG_LEVEL")
    data_dir: Path | None = Field(default=None, alias="ALGO_DATA_DIR")
    history_dir: Path = Field(default=Path(".local/market-data"), alias="ALGO_HISTORY_DIR")
    history_bucket: str | None = Field(default=None, alias="ALGO_HISTORY_BUCKET")
    history_prefix: str = Field(default="market-data", alias="ALGO_HISTORY_PREFIX")
    bybit_api_key: SecretStr | None = Field(default=None, validation_alias="BYBIT_API_KEY")
    bybit_api_secret: SecretStr | None = Field(default=None, validation_alias="BYBIT_API_SECRET")
    bybit_base_url: str | None = Field(default=None, validation_alias="BYBIT_BASE_URL")
    stream_symbols: str = Field(
        default="AAVEUSDT,ADAUSDT,APEUSDT,AVAXUSDT,BNBUSDT,BTCUSDT,ETHUSDT,SOLUSDT",
        validation_alias="ALGO_STREAM_SYMBOLS",
    )
    stream_intervals: str = Field(default="15m,1h,4h,1d", validation_alias="ALGO_STREAM_INTERVALS")
    secrets_key: SecretStr | None = Field(default=None, validation_alias="ALGO_SECRETS_KEY")
    slack_webhook_url: SecretStr | None = Field(default=None, validation_alias="SLACK_WEBHOOK_URL")
    alerts_topic_arn: str | None = Field(default=None, validation_alias="ALGO_ALERTS_TOPIC_ARN")
    ws_endpoint: str | None = Field(default=None, validation_alias="ALGO_WS_ENDPOINT")
    """The API Gateway WebSocket stage's callback URL (AWS); set, the jobs post live events."""
    portfolio_halt_pct: Decimal = Field(
        default=Decimal(25), gt=0, le=100, validation_alias="ALGO_PORTFOLIO_HALT_PCT"
    )
    sleeve_pause_pct: Decimal = Field(
        default=Decimal(15), gt=0, le=100, validation_alias="ALGO_SLEEVE_PAUSE_PCT"
    )
    breaker_resume_pct: Decimal = Field(
        default=Decimal(10), gt=0, le=100, validation_alias="ALGO_BREAKER_RESUME_PCT"
    )
    close_positions_on_halt: bool = Field(
        default=False, validation_alias="ALGO_CLOSE_POSITIONS_ON_HALT"
    )
    portfolio_floor_pct: Decimal = Field(
        default=Decimal(35), gt=0, le=100, validation_alias="ALGO_PORTFOLIO_FLOOR_PCT"
    )
    sleeve_floor_pct: Decimal = Field(
        default=Decimal(25), gt=0, le=100, validation_alias="ALGO_SLEEVE_FLOOR_PCT"
    )
    account_queue_url: str | None = Field(default=None, validation_alias="ALGO_ACCOUNT_QUEUE_URL")

    @field_validator("database_url")
    @classmethod
    def _url_scheme(cls, value: str | None) -> str | None:
        if value is None or value.strip() == "":
            return None
        looks_like_url = value.startswith(("postgresql://", "postgres://"))
        if not looks_like_url and "=" not in value:
            raise ValueError("must be a postgresql:// URL or a key=value connection string")
        import psycopg  # here, not at import: a function without a database never loads it
        from psycopg.conninfo import conninfo_to_dict

        try:
            conninfo_to_dict(value)
        except psycopg.ProgrammingError:
            raise ValueError("is not a valid PostgreSQL connection string") from None
        return value

    @field_validator(
        "bybit_api_key", "bybit_api_secret", "secrets_key", "slack_webhook_url", mode="before"
    )
    @classmethod
    def _blank_secret(cls, value: object) -> object:
        return None if isinstance(value, str) and value.strip() == "" else value

    @field_validator("alerts_topic_arn", mode="before")
    @classmethod
    def _topic(cls, value: object) -> object:
        if isinstance(value, str) and value.strip() == "":
            return None
        if isinstance(value, str) and not (value.startswith("arn:") and ":sns:" in value):
            raise ValueError("must be an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)")
        return value

    @field_validator("history_bucket", mode="before")
    @classmethod
    def _blank_bucket(cls, value: object) -> object:
        return None if isinstance(value, str) and value.strip() == "" else value

    @field_validator("ws_endpoint", mode="before")
    @classmethod
    def _ws_endpoint(cls, value: object) -> object:
        if isinstance(value, str) and value.strip() == "":
            return None
        if isinstance(value, str) and not value.startswith(("https://", "http://")):
            raise ValueError("must be the WebSocket API's https:// callback URL")
        return value

    @field_validator("slack_webhook_url")
    @classmethod
    def _webhook(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip().startswith("https://"):
            raise ValueError("must be an https:// URL")
        return value

    @field_validator("bybit_base_url")
    @classmethod
    def _exchange_url(cls, value: str | None) -> str | None:
        if value is None or value.strip() == "":
            return None
        text = value.strip()
        if text.lower() not in ("mainnet", "testnet", "demo") and not text.startswith(
            ("http://", "https://")
        ):
            raise ValueError("must be mainnet, testnet, demo or an http(s):// URL")
        return text

    @field_validator("account_queue_url")
    @classmethod
    def _fifo_queue(cls, value: str | None) -> str | None:
        """The fan-out needs a FIFO queue: per-account order and deduplication come from it."""
        if value is None or value.strip() == "":
            return None
        text = value.strip()
        if not text.startswith(("http://", "https://")) or not text.endswith(".fifo"):
            raise ValueError("must be the http(s):// URL of an SQS FIFO queue (ending .fifo)")
        return text

    @field_validator("stream_symbols")
    @classmethod
    def _symbols(cls, value: str) -> str:
        symbols = [s.strip().upper() for s in value.split(",") if s.strip()]
        if not symbols or not all(s.isalnum() for s in symbols):
            raise ValueError("must be a comma-separated list of symbols such as BTCUSDT,ETHUSDT")
        return ",".join(symbols)

    @field_validator("stream_intervals")
    @classmethod
    def _intervals(cls, value: str) -> str:
        return ",".join(Interval.parse(v).value for v in value.split(",") if v.strip())

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning the first validation error into a one-line `ConfigError`."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(part) for part in first["loc"]) or "settings"
        raise ConfigError(f"invalid {name}: {first['msg']}") from None
    if settings.db_pool_min > settings.db_pool_max:
        raise ConfigError("invalid ALGO_DB_POOL_MIN: must not exceed ALGO_DB_POOL_MAX")
    if settings.breaker_resume_pct >= min(settings.sleeve_pause_pct, settings.portfolio_halt_pct):
        raise ConfigError(
            "invalid ALGO_BREAKER_RESUME_PCT: must be below ALGO_SLEEVE_PAUSE_PCT"
            " and ALGO_PORTFOLIO_HALT_PCT"
        )
    if settings.portfolio_floor_pct <= settings.portfolio_halt_pct:
        raise ConfigError("invalid ALGO_PORTFOLIO_FLOOR_PCT: must be above ALGO_PORTFOLIO_HALT_PCT")
    if settings.sleeve_floor_pct <= settings.sleeve_pause_pct:
        raise ConfigError("invalid ALGO_SLEEVE_FLOOR_PCT: must be above ALGO_SLEEVE_PAUSE_PCT")
    return settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings for this process, read once."""
    return load_settings()
