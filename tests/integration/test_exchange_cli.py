"""`algo exchange check|positions|orders` end to end, against recorded answers at http://bybit.test.

Keys come from flags, the environment or a trading-account row; they never reach the output, and
a missing or wrong key is one line with exit 2.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import psycopg
import pytest
from bybit_fixtures import API_KEY, API_SECRET, BASE, FakeBybit, fake_bybit, load

from algotrading.cli.main import main
from algotrading.crypto import generate_key
from algotrading.db.accounts import create_account
from algotrading.domain.credentials import ApiCredentials
from algotrading.settings import get_settings, load_settings

FLAGS = ["--base-url", BASE, "--api-key", API_KEY, "--api-secret", API_SECRET]


@pytest.fixture(autouse=True)
def _no_exchange_keys_from_the_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BYBIT_API_KEY", "BYBIT_API_SECRET", "BYBIT_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()


@pytest.fixture
def bybit() -> Iterator[FakeBybit]:
    with fake_bybit() as fake:
        fake.serve("/v5/user/query-api", load("docs:user_query_api.json"))
        fake.serve_recorded(
            "/v5/account/wallet-balance", "nautilus_fixtures/http_get_wallet_balance.json"
        )
        fake.serve_recorded("/v5/position/list", "nautilus_fixtures/http_get_positions.json")
        fake.serve_recorded("/v5/order/realtime", "nautilus_fixtures/http_get_orders_realtime.json")
        yield fake


def run(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert API_SECRET not in out + err and "acct-secret-9" not in out + err
    return code, out, err


def _auth_error(code: int, message: str) -> dict:
    body = load("errors/error_110007_insufficient_balance.json")
    body.update(retCode=code, retMsg=message)  # adapted: Bybit's table text for `code`
    return body


def test_every_exchange_command_has_help(capsys: pytest.CaptureFixture) -> None:
    for args in (
        ["exchange"],
        ["exchange", "check"],
        ["exchange", "positions"],
        ["exchange", "orders"],
    ):
        code, out, _ = run(capsys, *args, "--help")
        assert code == 0 and "Usage:" in out


def test_check_reports_clock_account_key_and_balance(
    bybit: FakeBybit, capsys: pytest.CaptureFixture
) -> None:
    code, out, err = run(capsys, "exchange", "check", *FLAGS)
    assert code == 0, err
    assert "uid 24617703, UNIFIED, master" in out and "can trade     yes" in out
    assert "total equity  3.31216591 USD" in out and "USDT          wallet 1000.50" in out
    assert "keys from     flags" in out and API_KEY not in out
    code, out, _ = run(capsys, "exchange", "check", *FLAGS, "--json")
    report = json.loads(out)
    assert code == 0 and report["account"]["permissions"]["ContractTrade"] == ["Order", "Position"]
    assert report["base_url"] == BASE and report["total_equity"] == "3.31216591"
    assert isinstance(report["clock_offset_ms"], int)


def test_keys_and_url_from_the_environment(
    bybit: FakeBybit, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("BYBIT_API_KEY", API_KEY)
    monkeypatch.setenv("BYBIT_API_SECRET", API_SECRET)
    monkeypatch.setenv("BYBIT_BASE_URL", BASE)
    get_settings.cache_clear()
    code, out, err = run(capsys, "exchange", "check")
    assert code == 0 and "keys from     environment" in out, err
    assert bybit.calls("/v5/user/query-api")[0].headers["X-BAPI-API-KEY"] == API_KEY


def test_keys_from_an_account_row(
    bybit: FakeBybit,
    use_database: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    monkeypatch.setenv("ALGO_SECRETS_KEY", generate_key())
    get_settings.cache_clear()
    with psycopg.connect(use_database, autocommit=True) as conn:
        user = conn.execute(
            "INSERT INTO users (email, password_hash) VALUES ('cli@x.io', 'h') RETURNING id"
        ).fetchone()
        assert user is not None
        try:
            account = create_account(
                conn, user_id=user[0], name="cli", mode="test", base_url=BASE,
                credentials=ApiCredentials("acct-key-9", "acct-secret-9"), settings=load_settings(),
            )  # fmt: skip
            code, out, err = run(capsys, "exchange", "positions", "--account", str(account))
            assert code == 0, err
            assert bybit.calls("/v5/position/list")[0].headers["X-BAPI-API-KEY"] == "acct-key-9"
            monkeypatch.delenv("ALGO_SECRETS_KEY")
            get_settings.cache_clear()
            code, out, err = run(capsys, "exchange", "check", "--account", str(account))
            assert code == 2 and out == "" and err.count("\n") == 1 and "ALGO_SECRETS_KEY" in err
        finally:
            conn.execute("DELETE FROM users WHERE id = %s", (user[0],))


@pytest.mark.parametrize(
    ("code", "message", "expected"),
    [
        (10004, "error sign! origin_string[...]", "the API secret is wrong"),
        (10003, "API key is invalid.", "the API key is invalid"),
    ],
)
def test_wrong_key_or_secret_is_one_line_exit_2_without_the_secret(
    bybit: FakeBybit, capsys: pytest.CaptureFixture, code: int, message: str, expected: str
) -> None:
    bybit.replace("/v5/user/query-api", _auth_error(code, message))
    status, out, err = run(capsys, "exchange", "check", *FLAGS)
    assert status == 2 and out == ""
    assert (
        err.count("\n") == 1 and err.startswith("error: ") and expected in err and str(code) in err
    )


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        ([], "BYBIT_API_KEY"),
        (["--api-key", API_KEY], "--api-key and --api-secret go together"),
        (["--api-secret", API_SECRET], "--api-key and --api-secret go together"),
        (
            ["--base-url", "ftp://x", "--api-key", API_KEY, "--api-secret", API_SECRET],
            "invalid --base-url",
        ),
    ],
)
def test_missing_or_bad_input_is_one_line_exit_2(
    capsys: pytest.CaptureFixture, args: list[str], needle: str
) -> None:
    code, out, err = run(capsys, "exchange", "check", *args)
    assert code == 2 and out == "" and err.count("\n") == 1 and needle in err


def test_one_key_variable_without_the_other(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("BYBIT_API_KEY", API_KEY)
    get_settings.cache_clear()
    code, _, err = run(capsys, "exchange", "orders")
    assert code == 2 and "BYBIT_API_SECRET is not set" in err


def test_positions_and_orders(bybit: FakeBybit, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "exchange", "positions", *FLAGS)
    assert code == 0 and out.splitlines()[0].split()[:3] == ["symbol", "side", "size"]
    assert [line.split()[0] for line in out.splitlines()[2:]] == ["BTCUSDT", "ETHUSDT"]
    code, out, _ = run(capsys, "exchange", "positions", *FLAGS, "--json")
    assert code == 0 and json.loads(out)[0]["margin"] == "2500.00"
    code, out, _ = run(capsys, "exchange", "orders", *FLAGS, "--symbol", "ethusdt")
    assert code == 0 and "client-open-1" in out and "client-open-2" in out
    assert bybit.query("/v5/order/realtime")["symbol"] == "ETHUSDT"
    code, out, _ = run(capsys, "exchange", "orders", *FLAGS, "--json")
    assert code == 0 and [o["status"] for o in json.loads(out)] == ["new", "new"]


def test_an_unexpected_answer_is_still_one_line(
    bybit: FakeBybit, capsys: pytest.CaptureFixture
) -> None:
    odd = load("nautilus_fixtures/http_get_orders_realtime.json")
    odd["result"]["list"][0]["orderStatus"] = "Exploded"  # adapted: a status we do not know
    bybit.replace("/v5/order/realtime", odd)
    code, out, err = run(capsys, "exchange", "orders", *FLAGS)
    assert code == 2 and out == "" and err.count("\n") == 1 and "unknown order status" in err
