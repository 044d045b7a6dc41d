"""`algo users create`: the first admin from the command line, password from stdin."""

from __future__ import annotations

import io
import json

import psycopg
import pytest

from algotrading.api.auth.passwords import verify_password
from algotrading.cli.main import main


def _create(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], stdin: str, *args: str
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(["users", "create", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_creates_an_admin_whose_password_verifies(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], use_database: str
) -> None:
    code, out, _ = _create(
        monkeypatch, capsys, "a long passphrase\n", "ops@x.io", "--role", "admin", "--json"
    )
    assert code == 0
    made = json.loads(out)
    with psycopg.connect(use_database) as conn:
        row = conn.execute(
            "SELECT role, password_hash FROM users WHERE id = %s", (made["id"],)
        ).fetchone()
        conn.execute("DELETE FROM users WHERE id = %s", (made["id"],))
    assert row is not None and row[0] == "admin"
    assert verify_password(row[1], "a long passphrase")
    assert not verify_password(row[1], "a long passphrase\n")


@pytest.mark.parametrize(
    ("stdin", "args", "why"),
    [
        ("short\n", ("ops@x.io",), "at least 10 characters"),
        ("a long passphrase\n", ("not-an-email",), "not an email address"),
        ("a long passphrase\n", ("ops@x.io", "--role", "root"), "--role"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], use_database: str,
    stdin: str, args: tuple[str, ...], why: str,
) -> None:  # fmt: skip
    code, out, err = _create(monkeypatch, capsys, stdin, *args)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and why in err
    with psycopg.connect(use_database) as conn:
        assert conn.execute("SELECT count(*) FROM users WHERE email = 'ops@x.io'").fetchone() == (
            0,
        )


def test_a_taken_email_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], use_database: str
) -> None:
    assert _create(monkeypatch, capsys, "a long passphrase\n", "dup@x.io")[0] == 0
    code, _, err = _create(monkeypatch, capsys, "another passphrase\n", "DUP@x.io")
    with psycopg.connect(use_database) as conn:
        conn.execute("DELETE FROM users WHERE lower(email) = 'dup@x.io'")
    assert code == 2 and "already exists" in err
