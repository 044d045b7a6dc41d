"""Opening an exchange from settings or explicit values: one place that decides URL and keys."""

from __future__ import annotations

from urllib.parse import urlsplit

from algotrading.domain.credentials import ApiCredentials
from algotrading.errors import ConfigError
from algotrading.exchange.bybit.adapter import BybitExchange
from algotrading.exchange.bybit.client import BASE_URLS, BybitClient, resolve_base_url
from algotrading.logs import register_secret
from algotrading.settings import Settings

MAINNET_HOSTS = frozenset({"api.bybit.com", "api.bytick.com"})
"""Bybit's real-money REST hosts (`api.bytick.com` is its alternative mainnet domain)."""


def credentials_from_settings(settings: Settings) -> ApiCredentials | None:
    """BYBIT_API_KEY and BYBIT_API_SECRET, if both are set (one alone is a ConfigError)."""
    key = settings.bybit_api_key.get_secret_value() if settings.bybit_api_key else ""
    secret = settings.bybit_api_secret.get_secret_value() if settings.bybit_api_secret else ""
    register_secret(key)
    register_secret(secret)
    if not key and not secret:
        return None
    if not key or not secret:
        missing = "BYBIT_API_SECRET" if key else "BYBIT_API_KEY"
        raise ConfigError(f"{missing} is not set (BYBIT_API_KEY and BYBIT_API_SECRET go together)")
    return ApiCredentials(key, secret)


def open_bybit(
    base_url: str | None, credentials: ApiCredentials | None, **client_options: object
) -> BybitExchange:
    """A Bybit adapter on `base_url` (mainnet, testnet, demo or any URL) with these keys."""
    client = BybitClient(
        base_url,
        credentials.api_key if credentials else None,
        credentials.api_secret if credentials else None,
        **client_options,  # type: ignore[arg-type]
    )
    return BybitExchange(client)


def environment_of(base_url: str) -> str:
    """`mainnet`, `testnet` or `demo` for Bybit's own URLs (or their names); any other URL as is."""
    try:
        resolved = resolve_base_url(base_url)
    except ValueError:
        return base_url
    if is_mainnet(resolved):
        return "mainnet"
    named = [name for name, url in BASE_URLS.items() if url == resolved]
    return named[0] if named else resolved


def is_mainnet(base_url: str) -> bool:
    """Whether orders sent to `base_url` (a URL or a name) trade real money on Bybit."""
    try:
        resolved = resolve_base_url(base_url)
    except ValueError:
        return False
    return (urlsplit(resolved).hostname or "").lower() in MAINNET_HOSTS
