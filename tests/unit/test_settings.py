"""Settings: defaults, environment, .env, and one-line errors naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from algotrading.errors import ConfigError
from algotrading.settings import load_settings


def test_defaults_use_the_embedded_database() -> None:
    settings = load_settings()
    assert settings.database_url is None
    assert settings.pgdata_dir == Path(".local/pgdata")
    assert (settings.db_pool_min, settings.db_pool_max) == (1, 10)


def test_environment_and_dotenv_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("ALGO_DB_POOL_MAX=7\nALGO_LOG_LEVEL=debug\n")
    monkeypatch.setenv("ALGO_DB_POOL_MAX", "5")
    settings = load_settings()
    assert settings.db_pool_max == 5  # the environment wins over .env
    assert settings.log_level == "DEBUG"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ALGO_DB_POOL_MAX", "lots"),
        ("ALGO_DB_POOL_MAX", "0"),
        ("ALGO_LOG_LEVEL", "LOUD"),
        ("DATABASE_URL", "mysql://x"),
        ("DATABASE_URL", "postgresql://u:p@h:notaport/db extra=1"),
        ("ALGO_DB_CONNECT_TIMEOUT", "-1"),
    ],
)
def test_invalid_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert message.startswith(f"invalid {name}:")
    assert "\n" not in message


def test_pool_min_above_max_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALGO_DB_POOL_MIN", "20")
    monkeypatch.setenv("ALGO_DB_POOL_MAX", "10")
    with pytest.raises(ConfigError, match="ALGO_DB_POOL_MIN"):
        load_settings()
