"""`algo db`: migrate, status, reset."""

from __future__ import annotations

import click

from algotrading.cli.numbers import count
from algotrading.cli.output import print_json, print_table
from algotrading.db.connection import connection
from algotrading.db.migrate import apply_migrations, migration_status, reset_database
from algotrading.errors import AppError


@click.group()
def db() -> None:
    """Database schema: apply migrations, show status, reset."""


@db.command()
def migrate() -> None:
    """Apply pending migrations (safe to run concurrently: each file is applied once)."""
    with connection(autocommit=True, schema=False) as conn:
        done = apply_migrations(conn)
    for name in done:
        click.echo(f"applied {name}")
    click.echo(f"{count(len(done), 'migration')} applied" if done else "database is up to date")


@db.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def status(as_json: bool) -> None:
    """Show applied and pending migrations."""
    with connection(autocommit=True, schema=False) as conn:
        state = migration_status(conn)
    if as_json:
        print_json(
            {
                "applied": [
                    {"name": m.name, "applied_at": m.applied_at.isoformat()} for m in state.applied
                ],
                "pending": state.pending,
            }
        )
        return
    rows: list[tuple[str, str, str | None]] = [
        (m.name, "applied", m.applied_at.strftime("%Y-%m-%d %H:%M:%S UTC")) for m in state.applied
    ]
    rows += [(name, "pending", None) for name in state.pending]
    print_table(("migration", "state", "applied at"), rows)


@db.command()
@click.option("--confirm", is_flag=True, help="Required: really drop every table and data row.")
def reset(confirm: bool) -> None:
    """Drop all tables and data, then apply every migration again (needs --confirm)."""
    if not confirm:
        raise AppError("db reset drops every table and row; nothing was touched (add --confirm)")
    with connection(autocommit=True, schema=False) as conn:
        done = reset_database(conn)
    click.echo(f"database reset; {count(len(done), 'migration')} applied")
