"""`algo up` on a stepped replay clock over the bundled data (issue 16, item 5): every job at
every due time through the jobs layer, and the same orders as `algo paper replay` of the span."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest
from execution_support import make_account, remove_test_accounts, rows, use_secrets_key

from algotrading.cli.main import main

START, UNTIL = "2025-10-03T04:00:00Z", "2025-10-03T10:00:00Z"
LAST_CLOSE = "2025-10-03T09:45:00Z"
"""`--until` is exclusive; the replay's `--end` is its last close (inclusive)."""
COMPARED = (
    "bar_close_ms", "strategy", "symbol", "purpose", "side", "order_type", "qty", "price",
    "reduce_only", "status", "filled_qty", "avg_fill_price", "fee", "reason",
)  # fmt: skip


@pytest.fixture(autouse=True)
def _clean(
    worker_db_url: str, use_database: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[None]:
    use_secrets_key(monkeypatch)
    monkeypatch.setenv("ALGO_HISTORY_DIR", str(tmp_path / "history"))
    remove_test_accounts(worker_db_url)
    rows(worker_db_url, "DELETE FROM job_runs RETURNING job")
    yield
    remove_test_accounts(worker_db_url)
    rows(worker_db_url, "DELETE FROM job_runs RETURNING job")


def run(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    """`algo` with `args`; `algo up` without the API (tests/integration/test_local_up_api.py),
    so parallel workers do not compete for its port."""
    code = main([*args, "--no-api"] if args[0] == "up" else list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.slow
def test_up_runs_every_job_and_places_the_replays_orders(
    capsys: pytest.CaptureFixture, worker_db_url: str, tmp_path: Path
) -> None:
    code, out, err = run(capsys, "up", "--replay-start", START, "--until", UNTIL, "--speed", "max")
    assert code == 0, err
    counts = dict(rows(worker_db_url, "SELECT job, count(*) FROM job_runs GROUP BY job"))
    # 6 h: 6 * 4 = 24 fifteen-minute closes, 6 * 12 = 72 five-minute times, 6 hours (04:00 to
    # 09:00) of market history; no 00:30, so no parity check.
    assert counts == {
        "candle_close": 24, "weekly_rebalance": 24, "equity_snapshot": 72, "funding_poll": 72,
        "market_history": 6,
    }  # fmt: skip
    assert rows(worker_db_url, "SELECT DISTINCT status FROM job_runs") == [("done",)]
    lines = out.splitlines()
    assert len([line for line in lines if line.startswith("2025-10-03T")]) == 198  # 24*2+72*2+6
    assert lines[-1] == "done: 198 job run(s), 0 with a failure"
    up_orders = _orders(worker_db_url, "local")

    out_file = tmp_path / "replay.json"
    code, _, err = run(
        capsys, "paper", "replay", "--start", START, "--end", LAST_CLOSE, "--out", str(out_file)
    )
    assert code == 0, err
    replayed = [_compared(o) for o in json.loads(out_file.read_text())["orders"]]
    # The replay's 3-day base run places its first orders on 2025-10-03 08:30 and 08:45 (a
    # scalper entry, its take-profit, its exit): the span holds them.
    # 2025-10-03 is day 20364 of the epoch: 20364 * 86 400 000 + 8.5 h = 1 759 480 200 000 ms.
    assert [(o["bar_close_ms"], o["purpose"]) for o in replayed] == [
        (1_759_480_200_000, "entry"),
        (1_759_480_200_000, "take_profit"),
        (1_759_481_100_000, "exit"),
    ]
    assert up_orders == replayed


DAY, NEXT_DAY, DAY_LAST_CLOSE = (
    "2025-10-03T00:00:00Z",
    "2025-10-04T00:00:00Z",
    "2025-10-03T23:45:00Z",
)
ALL_FOUR: dict[str, dict[str, object]] = {s: {} for s in ("trend", "scalper", "carry", "momentum")}


@pytest.mark.slow
def test_up_over_a_day_trades_the_healthy_account_and_reports_the_broken_one(
    capsys: pytest.CaptureFixture, worker_db_url: str, monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:  # fmt: skip
    """Issue 16, item 9: one replayed day, all four strategies, a second account whose keys were
    encrypted under another key."""
    broken = make_account(worker_db_url, "http://127.0.0.1:9", strategies=ALL_FOUR)
    use_secrets_key(monkeypatch)  # another key: the broken account's keys no longer decrypt
    code, out, err = run(capsys, "up", "--replay-start", DAY, "--until", NEXT_DAY)
    assert code == 0, err
    # 96 closes (candle_close, weekly_rebalance) and 288 five-minute times (snapshot, funding):
    # 2 * 96 + 2 * 288 = 768 runs, plus 24 hourly market histories and the 00:30 parity check:
    # 793; all but the 96 rebalance checks (Friday: no Monday due), the histories (no account)
    # and the parity check (paper accounts are not checked) touch the broken account: 672
    # failures, each alerted once.
    assert out.splitlines()[-1] == "done: 793 job run(s), 672 with a failure"
    alerted = rows(
        worker_db_url,
        "SELECT count(*) FROM alerts WHERE trading_account_id = %s AND kind = 'job_failed'",
        broken,
    )
    assert alerted == [(672,)]
    failed = rows(worker_db_url, "SELECT count(*) FROM job_runs WHERE status = 'failed'")
    assert failed == [(672,)]
    up_orders = _orders(worker_db_url, "local")

    out_file = tmp_path / "replay.json"
    code, _, err = run(
        capsys, "paper", "replay", "--start", DAY, "--end", DAY_LAST_CLOSE, "--out", str(out_file)
    )
    assert code == 0, err
    replayed = [_compared(o) for o in json.loads(out_file.read_text())["orders"]]
    assert len(replayed) >= 3  # the day holds at least the 08:30 scalper entry, its TP, its exit
    assert up_orders == replayed


@pytest.mark.parametrize(
    ("args", "why"),
    [
        (("--replay-start", UNTIL, "--until", START), "is not after the start"),
        (("--replay-start", START, "--speed", "fast"), "--speed"),
        (("--speed", "10"), "--speed needs --replay-start"),
        (("--replay-start", START, "--for", "6 hours"), "--for"),
        (("--replay-start", START, "--for", "1h", "--until", UNTIL), "exclude each other"),
        (("--replay-start", "2031-01-01T00:00:00Z"), "--replay-start"),
        (("--exchange", "mainnet"), "--exchange"),
    ],
)
def test_bad_input_is_one_line_exit_2_nothing_started(
    capsys: pytest.CaptureFixture, worker_db_url: str, args: tuple[str, ...], why: str
) -> None:
    code, out, err = run(capsys, "up", *args)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and why in err
    assert rows(worker_db_url, "SELECT count(*) FROM job_runs") == [(0,)]
    assert rows(worker_db_url, "SELECT count(*) FROM trading_accounts WHERE name = 'local'") == [
        (0,)
    ]


def test_a_failing_account_is_printed_and_the_schedule_goes_on(
    capsys: pytest.CaptureFixture, worker_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = make_account(worker_db_url, "http://127.0.0.1:9")
    use_secrets_key(monkeypatch)  # another key: the broken account's keys no longer decrypt
    code, out, err = run(capsys, "up", "--replay-start", START, "--for", "15m")
    assert code == 0, err
    lines = out.splitlines()
    # 04:00 (close: 4 jobs and the hourly market history), 04:05 and 04:10 (2 each): 9 runs;
    # all but the rebalance check (no Monday within a day of a Friday) and the history (no
    # account) touch the broken account.
    assert lines[-1] == "done: 9 job run(s), 7 with a failure"
    assert sum(f"account {broken} failed" in line for line in lines) == 7
    local = rows(worker_db_url, "SELECT id FROM trading_accounts WHERE name = 'local'")[0][0]
    ledger = rows(
        worker_db_url,
        "SELECT job, count(*) FROM evaluations WHERE trading_account_id = %s"
        " GROUP BY job ORDER BY job",
        local,
    )
    assert ledger == [("evaluate", 1), ("snapshot", 3)]


def _orders(url: str, name: str) -> list[dict[str, object]]:
    import psycopg

    from algotrading.db.orders import list_orders

    with psycopg.connect(url) as conn:
        found = rows(url, "SELECT id FROM trading_accounts WHERE name = %s", name)
        assert len(found) == 1
        orders = [o.as_dict() for o in list_orders(conn, found[0][0])]
    return [_compared(o) for o in orders]


def _compared(order: dict[str, object]) -> dict[str, object]:
    """The compared fields, numbers as values (the report prints `0.0334`, the row `0.033400`)."""
    return {k: _number(order[k]) for k in COMPARED}


def _number(value: object) -> object:
    if not isinstance(value, str):
        return value
    try:
        return Decimal(value).normalize()
    except InvalidOperation:
        return value
