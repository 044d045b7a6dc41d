"""An account's exchange keys: written encrypted (never read back into an answer), and checked
against the exchange by reading the wallet with them.

The keys are sealed under ALGO_SECRETS_KEY the way every secret is (`crypto`): without it,
storing is refused with a 503 that names the setting, before anything is written. The check
opens a fresh client (not a warm runtime: the point is to try the keys stored now) without
retries, so a wrong URL or key answers within one request timeout; any failure is an answer
`{"ok": false, "reason": ...}`, not an error status, because the request itself was fine.
"""

from __future__ import annotations

import psycopg

from algotrading.api.deps import Principal, reachable_account
from algotrading.api.schemas.accounts import AccountKeys, KeyCheck
from algotrading.db.accounts import MissingCredentials, load_credentials, set_credentials
from algotrading.db.audit import OperatorAction, record_action
from algotrading.domain.credentials import ApiCredentials
from algotrading.errors import AppError
from algotrading.exchange.errors import ExchangeError
from algotrading.exchange.factory import open_bybit
from algotrading.exchange.retry import NO_RETRY
from algotrading.logs import redact

CHECK_TIMEOUT_S = 10.0


def store(
    conn: psycopg.Connection, principal: Principal, account_id: int, keys: AccountKeys
) -> None:
    """Replace the account's keys (encrypted) and audit it; the keys go nowhere else. Without
    ALGO_SECRETS_KEY the encryption raises `ConfigError` before anything is written (a 503
    naming the setting)."""
    reachable_account(conn, principal, account_id)
    set_credentials(conn, account_id, ApiCredentials(keys.api_key, keys.api_secret))
    record_action(
        conn, account_id, OperatorAction.ACCOUNT_KEYS, "account", actor=principal.actor,
        reason=None, detail={"account_id": account_id}, user_id=principal.user.id,
    )  # fmt: skip


def check(conn: psycopg.Connection, principal: Principal, account_id: int) -> KeyCheck:
    """Read the wallet's total equity with the stored keys."""
    account = reachable_account(conn, principal, account_id)
    try:
        _, credentials = load_credentials(conn, account_id)
        exchange = open_bybit(
            account.base_url, credentials, retry=NO_RETRY, timeout_s=CHECK_TIMEOUT_S
        )
        equity = exchange.get_total_equity()
    except MissingCredentials:
        return KeyCheck(ok=False, reason="no exchange keys are stored for this account")
    except (AppError, ExchangeError) as exc:
        return KeyCheck(ok=False, reason=redact(str(exc)))
    return KeyCheck(ok=True, total_equity=equity)
