"""Trading accounts: the row, and its exchange keys encrypted on write and decrypted on read.

The keys never travel inside `TradingAccount`: code that only needs the account's URL or mode
never holds a secret. `load_credentials` is the one way to get them, and it registers them with
the log redactor before returning.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import psycopg

from algotrading.crypto import decrypt_secret, encrypt_secret
from algotrading.domain.credentials import ApiCredentials
from algotrading.errors import AppError
from algotrading.settings import Settings

_COLUMNS = "id, user_id, name, exchange, mode, base_url, is_active, api_key_encrypted IS NOT NULL"


class AccountNotFound(AppError):
    """No trading account with that id."""


class MissingCredentials(AppError):
    """The account has no exchange keys stored."""


class AccountExists(AppError):
    """The owner already has an account of that name (names are unique per user)."""


class InvalidMode(AppError):
    """A mode other than `MODES`."""


MODES = ("test", "live", "paper")
"""`test`: an exchange's test environment; `live`: real orders; `paper`: filled virtually."""


@dataclass(frozen=True, slots=True)
class TradingAccount:
    id: int
    user_id: int
    name: str
    exchange: str
    mode: str
    base_url: str
    is_active: bool
    has_keys: bool


def get_account(conn: psycopg.Connection, account_id: int) -> TradingAccount:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM trading_accounts WHERE id = %s", (account_id,)
    ).fetchone()
    if row is None:
        raise AccountNotFound(f"trading account {account_id} does not exist")
    return TradingAccount(*row)


def list_active_accounts(conn: psycopg.Connection) -> list[TradingAccount]:
    """Active accounts, oldest first: the set background services (stream, schedules) serve."""
    rows = conn.execute(f"SELECT {_COLUMNS} FROM trading_accounts WHERE is_active ORDER BY id")
    return [TradingAccount(*row) for row in rows.fetchall()]


def list_accounts(conn: psycopg.Connection) -> list[TradingAccount]:
    """Every account, active or not, oldest first: what an operator lists and picks from."""
    rows = conn.execute(f"SELECT {_COLUMNS} FROM trading_accounts ORDER BY id")
    return [TradingAccount(*row) for row in rows.fetchall()]


def accounts_named(conn: psycopg.Connection, name: str) -> list[TradingAccount]:
    """The accounts called `name` (one per owner at most), oldest first."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM trading_accounts WHERE name = %s ORDER BY id", (name,)
    )
    return [TradingAccount(*row) for row in rows.fetchall()]


def set_mode(conn: psycopg.Connection, account_id: int, mode: str) -> TradingAccount:
    """Switch the account to `mode` (one of `MODES`) and return it; the caller commits."""
    _check_mode(mode)
    _update(conn, account_id, "mode = %s", mode)
    return get_account(conn, account_id)


def rename_account(conn: psycopg.Connection, account_id: int, name: str) -> TradingAccount:
    """Give the account a new name, unique for its owner, and return it; the caller commits."""
    _check_name(name)
    owner = get_account(conn, account_id).user_id
    _check_free(conn, owner, name, account_id)
    _update(conn, account_id, "name = %s", name)
    return get_account(conn, account_id)


def create_account(
    conn: psycopg.Connection,
    *,
    user_id: int,
    name: str,
    mode: str,
    base_url: str,
    credentials: ApiCredentials | None = None,
    settings: Settings | None = None,
    starting_capital: Decimal | None = None,
) -> int:
    """Insert an account (keys encrypted if given) and return its id; the caller commits.
    A name the owner already uses is `AccountExists`, and nothing is inserted."""
    _check_mode(mode)
    _check_name(name)
    _check_free(conn, user_id, name)
    key, secret = _encrypt(credentials, settings) if credentials else (None, None)
    row = conn.execute(
        "INSERT INTO trading_accounts (user_id, name, mode, base_url, api_key_encrypted,"
        " api_secret_encrypted, starting_capital) VALUES (%s, %s, %s, %s, %s, %s, %s)"
        " RETURNING id",
        (user_id, name, mode, base_url, key, secret, starting_capital),
    ).fetchone()
    if row is None:  # INSERT ... RETURNING always returns a row; this guards a broken driver
        raise RuntimeError("INSERT INTO trading_accounts returned no id")
    return int(row[0])


def set_credentials(
    conn: psycopg.Connection,
    account_id: int,
    credentials: ApiCredentials,
    settings: Settings | None = None,
) -> None:
    """Replace the account's keys (encrypted); the caller commits."""
    key, secret = _encrypt(credentials, settings)
    updated = conn.execute(
        "UPDATE trading_accounts SET api_key_encrypted = %s, api_secret_encrypted = %s,"
        " updated_at = now() WHERE id = %s",
        (key, secret, account_id),
    ).rowcount
    if updated != 1:
        raise AccountNotFound(f"trading account {account_id} does not exist")


def load_credentials(
    conn: psycopg.Connection, account_id: int, settings: Settings | None = None
) -> tuple[TradingAccount, ApiCredentials]:
    """The account and its decrypted keys (ALGO_SECRETS_KEY is needed)."""
    account = get_account(conn, account_id)
    row = conn.execute(
        "SELECT api_key_encrypted, api_secret_encrypted FROM trading_accounts WHERE id = %s",
        (account_id,),
    ).fetchone()
    if row is None or row[0] is None or row[1] is None:
        raise MissingCredentials(f"trading account {account_id} has no API keys stored")
    key = decrypt_secret(row[0], settings=settings, what=f"API key of account {account_id}")
    secret = decrypt_secret(row[1], settings=settings, what=f"API secret of account {account_id}")
    return account, ApiCredentials(key, secret)


def _update(conn: psycopg.Connection, account_id: int, assignment: str, value: object) -> None:
    updated = conn.execute(
        f"UPDATE trading_accounts SET {assignment}, updated_at = now() WHERE id = %s",
        (value, account_id),
    ).rowcount
    if updated != 1:
        raise AccountNotFound(f"trading account {account_id} does not exist")


def _check_free(
    conn: psycopg.Connection, user_id: int, name: str, other_than: int | None = None
) -> None:
    """The owner has no other account of that name (the unique index would refuse it anyway,
    but as an aborted transaction instead of a message)."""
    taken = conn.execute(
        "SELECT 1 FROM trading_accounts"
        " WHERE user_id = %s AND name = %s AND id IS DISTINCT FROM %s",
        (user_id, name, other_than),
    ).fetchone()
    if taken is not None:
        raise AccountExists(f"an account named {name!r} already exists")


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise InvalidMode(f"unknown mode {mode!r}: use one of {', '.join(MODES)}")


def _check_name(name: str) -> None:
    """A name someone can type back: not empty, not a number (an id), one line."""
    if not name.strip() or name != name.strip() or name.isdigit() or "\n" in name:
        raise AppError(
            f"invalid account name {name!r}: give a word without surrounding spaces, not a number"
        )


def _encrypt(credentials: ApiCredentials, settings: Settings | None) -> tuple[bytes, bytes]:
    return (
        encrypt_secret(credentials.api_key, settings=settings),
        encrypt_secret(credentials.api_secret, settings=settings),
    )
