"""`algo users`: platform users, starting with the first admin (docs/api.md).

The password is read from stdin (a pipe, or a hidden prompt typed twice at a terminal), never
from an argument, which would land in the shell history and the process list.
"""

from __future__ import annotations

import sys

import click

from algotrading.cli.output import print_json, print_table
from algotrading.db.connection import connection
from algotrading.db.users import Role, create_user, list_users
from algotrading.errors import AppError


class BadPassword(AppError):
    """The password read from stdin is refused; nothing was written."""


def _read_password() -> str:
    if sys.stdin.isatty():
        return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))
    return sys.stdin.readline().rstrip("\r\n")


@click.group()
def users() -> None:
    """Users who sign in to the dashboard API."""


@users.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), default="user",
              show_default=True)  # fmt: skip
@click.option("--name", "display_name", help="Display name.")
@click.option("--json", "as_json", is_flag=True, help="Print the user as JSON on stdout.")
def create(email: str, role: str, display_name: str | None, as_json: bool) -> None:
    """Create a user; the password comes from stdin."""
    from algotrading.api.auth.passwords import hash_password, password_problem

    if "@" not in email or any(c.isspace() for c in email.strip()) or len(email) > 320:
        raise BadPassword(f"{email!r} is not an email address")
    password = _read_password()
    problem = password_problem(password)
    if problem:
        raise BadPassword(f"the password {problem}")
    with connection() as conn:
        user = create_user(conn, email, hash_password(password), Role(role), display_name)
        conn.commit()
    if as_json:
        print_json({"id": user.id, "email": user.email, "role": user.role.value})
        return
    click.echo(f"user {user.id} created: {user.email} ({user.role.value})", err=True)


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
def list_cmd(as_json: bool) -> None:
    """Every user."""
    with connection() as conn:
        found, _ = list_users(conn, 10_000, 0)
    rows = [
        {"id": u.id, "email": u.email, "role": u.role.value, "active": u.is_active,
         "second_factor": u.totp_enabled}
        for u in found
    ]  # fmt: skip
    if as_json:
        print_json(rows)
        return
    headers = ["id", "email", "role", "active", "second_factor"]
    print_table(headers, [[row[h] for h in headers] for row in rows])


@users.command("demo")
def demo() -> None:
    """Make sure the demo admin exists (created once, password in .local/demo-credentials) and
    print how to sign in: what `make demo` runs before it starts the stack."""
    from algotrading.local.demo_login import CREDENTIALS_FILE, ensure_demo_login

    with connection() as conn:
        login = ensure_demo_login(conn)
        conn.commit()
    how = "created" if login.created else "kept"
    click.echo(f"demo sign-in ({how}, saved in {CREDENTIALS_FILE}):")
    click.echo(f"  email:    {login.email}")
    click.echo(f"  password: {login.password}")
