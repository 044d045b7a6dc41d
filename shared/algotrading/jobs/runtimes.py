"""Per-account runtimes kept warm between deliveries, never shared between accounts.

A `Runtime` holds one exchange client (opened with one account's decrypted keys) and its
candle cache. A warm process (a Lambda container, the local scheduler) keeps one per account
and job so the next delivery reuses the client; keying by account id, with the account's base
URL checked, means an account is never traded on another's client. A runtime is dropped after
its account failed, so the next delivery opens a fresh client (re-reading the stored keys).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import psycopg

from algotrading.db.accounts import TradingAccount, load_credentials
from algotrading.exchange.factory import open_bybit
from algotrading.exchange.port import ExchangeService
from algotrading.execution import Runtime
from algotrading.settings import Settings


class RuntimeCache:
    """Runtimes by account id (one cache per job); thread-safe lookups."""

    def __init__(self, factory: Callable[[], Runtime] = Runtime) -> None:
        self._factory = factory
        self._by_account: dict[int, tuple[str, Runtime]] = {}
        self._lock = threading.Lock()

    def get(self, account: TradingAccount) -> Runtime:
        with self._lock:
            found = self._by_account.get(account.id)
            if found is None or found[0] != account.base_url:
                found = (account.base_url, self._factory())
                self._by_account[account.id] = found
            return found[1]

    def drop(self, account_id: int) -> None:
        with self._lock:
            self._by_account.pop(account_id, None)

    def accounts(self) -> list[int]:
        with self._lock:
            return sorted(self._by_account)

    def market_exchange(self) -> ExchangeService | None:
        """The keyless exchange the market-history job reads; None: the one at BYBIT_BASE_URL.
        The local stack's cache answers with its simulator, so the job reads the replayed market."""
        return None


_WARM: dict[str, RuntimeCache] = {}
_WARM_LOCK = threading.Lock()


def warm_cache(job: str) -> RuntimeCache:
    """This process's cache for `job`: kept between deliveries (module state, per job)."""
    with _WARM_LOCK:
        return _WARM.setdefault(job, RuntimeCache())


def exchange_of(
    conn: psycopg.Connection, account: TradingAccount, runtime: Runtime, settings: Settings
) -> ExchangeService:
    """The runtime's exchange client, opened with the account's decrypted keys on first use."""
    if runtime.exchange is None:
        _, credentials = load_credentials(conn, account.id, settings)
        runtime.exchange = open_bybit(account.base_url, credentials)
    return runtime.exchange
