"""The scheduled jobs' grids, payload model, settings and lean handler imports (issue 16)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from jobs_support import ALL_HANDLERS, FUNCTIONS, HANDLERS

from algotrading.domain.timefmt import parse_time
from algotrading.jobs import config
from algotrading.jobs.events import BadEvent, ScheduledEvent
from algotrading.jobs.grid import BadScheduledTime, check_time, last_monday, rebalance_due
from algotrading.settings import get_settings

MONDAY = parse_time("2025-10-27T00:00:00Z")  # a Monday (calendar)


def test_last_monday_and_the_catch_up_window() -> None:
    assert last_monday(MONDAY) == MONDAY
    assert last_monday(parse_time("2025-11-02T23:45:00Z")) == MONDAY  # the Sunday after
    assert last_monday(MONDAY - 1) == parse_time("2025-10-20T00:00:00Z")
    assert rebalance_due(parse_time("2025-10-27T23:45:00Z")) == MONDAY  # 23 h 45 late: caught up
    assert rebalance_due(parse_time("2025-10-28T00:00:00Z")) is None  # 24 h late: too late
    assert rebalance_due(parse_time("2025-10-27T06:00:00Z"), window_ms=6 * 3_600_000) is None


@pytest.mark.parametrize(
    ("job", "time", "ok"),
    [
        ("candle_close", "2025-10-24T15:15:00Z", True),
        ("candle_close", "2025-10-24T15:05:00Z", False),
        ("equity_snapshot", "2025-10-24T15:05:00Z", True),
        ("funding_poll", "2025-10-24T15:06:00Z", False),
        ("live_parity", "2025-10-22T00:30:00Z", True),
        ("live_parity", "2025-10-22T00:00:00Z", False),
        ("live_parity", "2025-10-22T12:30:00Z", False),
    ],
)
def test_grids(job: str, time: str, ok: bool) -> None:
    at = parse_time(time)
    if ok:
        assert check_time(job, at) == at  # type: ignore[arg-type]
    else:
        with pytest.raises(BadScheduledTime, match="not on its grid"):
            check_time(job, at)  # type: ignore[arg-type]


def test_payload_round_trip_and_refusals() -> None:
    event = ScheduledEvent.for_job(
        "candle_close", {"job": "candle_close", "scheduled_time": "2025-10-24T17:00:00+02:00"}
    )
    assert event.time_ms == parse_time("2025-10-24T15:00:00Z")
    assert event.payload() == {"job": "candle_close", "scheduled_time": "2025-10-24T17:00:00+02:00"}
    with pytest.raises(BadEvent, match="job"):
        ScheduledEvent.for_job(
            "candle_close", {"job": "nope", "scheduled_time": "2025-10-24T15:00:00Z"}
        )
    with pytest.raises(BadEvent, match="payload"):
        ScheduledEvent.for_job("candle_close", ["not", "a", "dict"])


def test_lambda_without_database_url_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "candle_close")
    monkeypatch.setenv("ALGO_SECRETS_KEY", "x" * 44)
    get_settings.cache_clear()

    def never(*_: object) -> str:
        raise AssertionError("the embedded PostgreSQL must not be started in Lambda")

    monkeypatch.setattr("algotrading.db.connection.embedded_database_url", never)
    with pytest.raises(config.ConfigurationError, match="DATABASE_URL is not set"):
        config.job_settings()
    with (
        pytest.raises(config.ConfigurationError, match="DATABASE_URL"),
        config.job_connection(get_settings()),
    ):
        pass


def test_missing_secrets_key_is_a_configuration_error() -> None:
    with pytest.raises(config.ConfigurationError, match="ALGO_SECRETS_KEY"):
        config.job_settings()


LEAN_FORBIDDEN = (
    "plotly",  # the reports
    "pandas",  # TA-Lib wraps pandas series when pandas is installed: it must not load it
    "pgserver",  # the embedded PostgreSQL of one machine
    "algotrading.db.embedded",
    "algotrading.local",  # the simulator and the local stack
    "algotrading.backtest",
    "algotrading.bundled",  # the shipped data set
)


ALLOWED = {
    # Backtesting a day over the configured (else the shipped) data is the parity job's work.
    "live_parity": ("algotrading.backtest", "algotrading.bundled"),
    # The API serves stored backtests and the data set's candles; it never renders a report
    # (plotly stays forbidden).
    "api": ("algotrading.backtest", "algotrading.bundled"),
}


@pytest.mark.parametrize("job", ALL_HANDLERS)
def test_handler_import_stays_lean(job: str) -> None:
    """No plotly, pandas, embedded server, simulator, local stack, backtest or bundled data on a
    handler's import path (fresh interpreter), but what a handler's own work is (`ALLOWED`)."""
    forbidden = [f for f in LEAN_FORBIDDEN if f not in ALLOWED.get(job, ())]
    code = (
        "import sys, runpy; runpy.run_path(sys.argv[1]);"
        "heavy = sorted(m for m in sys.modules if any(m == f or m.startswith(f + '.')"
        " for f in sys.argv[2].split(',')));"
        "print(','.join(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(FUNCTIONS / job / "handler.py"), ",".join(forbidden)],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    assert out.stdout.strip() == ""


@pytest.mark.parametrize(
    ("handler", "forbidden"),
    [
        ("live_parity", ("plotly", "algotrading.local")),  # the backtest is its business
        (
            "alerts_slack",
            (
                "plotly",
                "algotrading.local",
                "algotrading.backtest",
                "algotrading.execution",
                "algotrading.db",
                "pybit",
            ),
        ),
    ],
)
def test_the_other_handlers_import_only_what_they_use(
    handler: str, forbidden: tuple[str, ...]
) -> None:
    """The parity handler loads the backtest but no simulator or plots; the Slack subscriber
    loads neither the database layer nor the trading core (fresh interpreter)."""
    code = (
        "import sys, runpy; runpy.run_path(sys.argv[1]); bad = tuple(sys.argv[2:]);"
        "print(','.join(sorted(m for m in sys.modules if m.startswith(bad))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(FUNCTIONS / handler / "handler.py"), *forbidden],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    assert out.stdout.strip() == ""


def test_every_scheduled_handler_is_checked_for_lean_imports() -> None:
    assert set(HANDLERS) <= set(ALL_HANDLERS)
