"""Constraints that protect money and idempotency, checked on the migrated schema."""

from __future__ import annotations

import psycopg
import pytest


def _account(db: psycopg.Connection, email: str = "t@x.io") -> int:
    user = db.execute(
        "INSERT INTO users (email, password_hash, role) VALUES (%s, 'h', 'user') RETURNING id",
        (email,),
    ).fetchone()
    row = db.execute(
        "INSERT INTO trading_accounts (user_id, name, mode, base_url) "
        "VALUES (%s, 'main', 'paper', 'http://127.0.0.1') RETURNING id",
        (user[0],),
    ).fetchone()
    return row[0]


def _order(db: psycopg.Connection, account: int, link: str) -> None:
    db.execute(
        "INSERT INTO orders (trading_account_id, symbol, order_link_id, purpose, side, order_type,"
        " qty, status) VALUES (%s, 'BTCUSDT', %s, 'entry', 'buy', 'market', 0.01, 'new')",
        (account, link),
    )


def test_order_link_id_is_unique_per_account_not_globally(db: psycopg.Connection) -> None:
    first, second = _account(db, "a@x.io"), _account(db, "b@x.io")
    _order(db, first, "trend-BTCUSDT-1")
    _order(db, second, "trend-BTCUSDT-1")
    with pytest.raises(psycopg.errors.UniqueViolation):
        _order(db, first, "trend-BTCUSDT-1")


def test_evaluation_key_is_unique(db: psycopg.Connection) -> None:
    account = _account(db)
    sql = (
        "INSERT INTO evaluations (trading_account_id, job, close_time) "
        "VALUES (%s, 'candle_close', '2026-01-01T00:15:00Z')"
    )
    db.execute(sql, (account,))
    with pytest.raises(psycopg.errors.UniqueViolation):
        db.execute(sql, (account,))


def test_money_columns_are_exact_numeric(db: psycopg.Connection) -> None:
    account = _account(db)
    db.execute(
        "INSERT INTO funding_payments (trading_account_id, symbol, funding_time, rate, "
        "position_value, amount) VALUES (%s, 'BTCUSDT', now(), 0.0001, 0.1, 0.2)",
        (account,),
    )
    total = db.execute("SELECT position_value + amount FROM funding_payments").fetchone()[0]
    assert str(total) == "0.30000000"


@pytest.mark.parametrize(
    ("sql", "error"),
    [
        (
            "INSERT INTO users (email, password_hash, role) VALUES ('r@x', 'h', 'root')",
            "CheckViolation",
        ),
        ("INSERT INTO users (email, password_hash) VALUES ('T@X.IO', 'h')", "UniqueViolation"),
        (
            "INSERT INTO trading_accounts (user_id, name, mode, base_url) "
            "VALUES (999999, 'n', 'live', 'u')",
            "ForeignKeyViolation",
        ),
    ],
)
def test_bad_rows_are_refused(db: psycopg.Connection, sql: str, error: str) -> None:
    _account(db)
    with pytest.raises(getattr(psycopg.errors, error)):
        db.execute(sql)


def test_deleting_a_user_removes_their_accounts_and_rows(db: psycopg.Connection) -> None:
    account = _account(db)
    _order(db, account, "x-1")
    db.execute("DELETE FROM users WHERE email = 't@x.io'")
    assert db.execute("SELECT count(*) FROM orders").fetchone() == (0,)
    assert db.execute("SELECT count(*) FROM trading_accounts").fetchone() == (0,)


def test_account_scoped_tables_have_an_index_led_by_the_account(db: psycopg.Connection) -> None:
    scoped = ["signals", "trades", "orders", "portfolio_snapshots", "strategy_performance",
              "funding_payments", "evaluations", "alerts", "strategy_state", "portfolio_state",
              "account_strategy_configs"]  # fmt: skip
    rows = db.execute(
        "SELECT t.relname, a.attname FROM pg_index i "
        "JOIN pg_class t ON t.oid = i.indrelid "
        "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0]"
    ).fetchall()
    led = {table for table, column in rows if column == "trading_account_id"}
    assert set(scoped) <= led, set(scoped) - led
