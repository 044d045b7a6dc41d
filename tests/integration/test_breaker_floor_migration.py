"""Migration 009 on a database that already holds re-based peaks: the real peak comes back.

Before 009 a resume overwrote `portfolio_state.peak_equity` with the equity of the moment, so
the all-time peak survives only in the snapshots. The migration recovers it from there and
back-fills the real drawdown of every stored snapshot.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import psycopg

from algotrading.db.migrate import MIGRATIONS_DIR, apply_migrations
from algotrading.db.portfolio_state import load_states

D = Decimal
_SNAPSHOT = (
    "INSERT INTO portfolio_snapshots (trading_account_id, scope, snapshot_time, equity,"
    " peak_equity, drawdown_pct, breaker_state) VALUES (%s, 'portfolio', %s, %s, %s, %s, %s)"
)


def _before_009(tmp_path: Path) -> Path:
    old = tmp_path / "m"
    old.mkdir()
    for path in sorted(MIGRATIONS_DIR.glob("00[1-8]_*.sql")):
        shutil.copy(path, old / path.name)
    return old


def _account(conn: psycopg.Connection) -> int:
    user = conn.execute(
        "INSERT INTO users (email, password_hash) VALUES ('m@x.io', 'h') RETURNING id"
    ).fetchone()
    row = conn.execute(
        "INSERT INTO trading_accounts (user_id, name, mode, base_url, starting_capital)"
        " VALUES (%s, 'main', 'paper', 'http://127.0.0.1', 100000) RETURNING id",
        (user[0],),  # type: ignore[index]
    ).fetchone()
    return int(row[0])  # type: ignore[index]


def test_the_real_peak_is_recovered_from_the_snapshots(fresh_db_url: str, tmp_path: Path) -> None:
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        old = _before_009(tmp_path)
        apply_migrations(conn, old)
        account = _account(conn)
        # the worked example as the old code stored it: 100,000 peak, halted at 74,000,
        # resumed with the peak re-based to 74,000, then down to 70,300 (5 % "drawdown")
        curve = [
            ("2025-01-01", 100_000, 100_000, 0, "active"),
            ("2025-01-02", 74_000, 100_000, 26, "halted"),
            ("2025-01-03", 74_000, 74_000, 0, "active"),
            ("2025-01-04", 70_300, 74_000, 5, "active"),
        ]
        for day, equity, peak, drawdown, state in curve:
            conn.execute(_SNAPSHOT, (account, f"{day}T00:00:00Z", equity, peak, drawdown, state))
        conn.execute(
            "INSERT INTO portfolio_state (trading_account_id, scope, breaker_state, peak_equity)"
            " VALUES (%s, 'portfolio', 'active', 74000)",
            (account,),
        )
        shutil.copy(MIGRATIONS_DIR / "009_breaker_floor.sql", old)  # 009 alone, not later ones
        assert apply_migrations(conn, old) == ["009_breaker_floor"]
        state = load_states(conn, account)["portfolio"]
        assert (state.peak_equity, state.real_peak, state.floor_peak) == (
            D(74_000), D(100_000), D(100_000))  # fmt: skip
        assert not state.floored and state.resumed_by is None
        rows = conn.execute(
            "SELECT equity, real_peak, real_drawdown_pct, breaker_reference,"
            " breaker_drawdown_pct FROM portfolio_snapshots WHERE trading_account_id = %s"
            " ORDER BY snapshot_time",
            (account,),
        ).fetchall()
    # (100,000 - 70,300) / 100,000 = 29.7 %: the truth the old 5 % hid
    assert [tuple(r) for r in rows] == [
        (D(100_000), D(100_000), D(0), D(100_000), D(0)),
        (D(74_000), D(100_000), D(26), D(100_000), D(26)),
        (D(74_000), D(100_000), D(26), D(74_000), D(0)),
        (D(70_300), D(100_000), D("29.7"), D(74_000), D(5)),
    ]
