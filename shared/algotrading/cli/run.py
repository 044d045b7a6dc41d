"""`algo run`: the scheduled jobs by hand, exactly as the schedules call them.

`evaluate --account ID --at TIME` runs the candle-close evaluation (reconciliation, every
strategy due at that close, orders); `snapshot --account ID [--at TIME]` the equity snapshot.
A repeated call for the same time prints the first run's result and places nothing. Bad input
(unknown account, a time that is not a close, a configuration that cannot trade) is one line,
exit 2, nothing written; an evaluation left incomplete by the exchange exits 1 (run it again).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import click

from algotrading.cli.output import print_json, print_table
from algotrading.domain.timefmt import ms_to_iso, parse_time
from algotrading.errors import AppError

if TYPE_CHECKING:
    from algotrading.execution.runtime import RunResult

SNAPSHOT_STEP_MS = 5 * 60_000  # the equity schedule (execution.service checks it too)


class RunIncomplete(AppError):
    """The run ended with an unknown exchange outcome; the ledger redoes it next time."""

    exit_code = 1


class BadTime(AppError):
    """A --at value that is not a time."""


def parse_at(text: str, flag: str = "--at") -> int:
    """ISO 8601 (no offset = UTC) or epoch milliseconds."""
    raw = text.strip()
    if raw.isdigit():
        return int(raw)
    try:
        return parse_time(raw)
    except ValueError as exc:
        raise BadTime(f"{flag}: {exc}") from None


@click.group("run")
def run_group() -> None:
    """Scheduled jobs by hand: the candle-close evaluation and the equity snapshot."""


@run_group.command("evaluate")
@click.option("--account", "account_id", type=int, required=True, help="Trading account id.")
@click.option("--at", "at", required=True, help="The 15-minute close (ISO 8601 or epoch ms).")
@click.option("--json", "as_json", is_flag=True, help="Print the full result as JSON.")
def evaluate_command(account_id: int, at: str, as_json: bool) -> None:
    """Evaluate the account at one candle close (once: a repeat returns the first result)."""
    from algotrading.execution import evaluate  # the trading core loads only when used

    result = evaluate(account_id, parse_at(at))
    _show(result, as_json)


@run_group.command("snapshot")
@click.option("--account", "account_id", type=int, required=True, help="Trading account id.")
@click.option("--at", "at", default=None, help="Snapshot time (default: now, to 5 minutes).")
@click.option("--json", "as_json", is_flag=True, help="Print the full result as JSON.")
def snapshot_command(account_id: int, at: str | None, as_json: bool) -> None:
    """Equity snapshot, circuit breakers and performance metrics of the account."""
    from algotrading.execution import snapshot

    when = (
        parse_at(at) if at else time.time_ns() // 1_000_000 // SNAPSHOT_STEP_MS * SNAPSHOT_STEP_MS
    )
    result = snapshot(account_id, when)
    _show(result, as_json)


def _show(result: RunResult, as_json: bool) -> None:
    if as_json:
        print_json(result.as_dict())
    else:
        _summary(result)
    if result.status != "done":
        errors = "; ".join(result.report.get("errors", [])) or "see the log"
        raise RunIncomplete(
            f"{result.job} at {ms_to_iso(result.time_ms)} is incomplete ({errors}); run it again"
        )


def _summary(result: RunResult) -> None:
    report: dict[str, Any] = result.report
    again = " (already done: the first run's result)" if result.replayed else ""
    click.echo(f"{result.job} account {result.account_id} at {ms_to_iso(result.time_ms)}{again}")
    if result.job == "snapshot":
        rows = [
            (r["scope"], r["equity"], r["real_peak"], r["real_drawdown_pct"],
             r["breaker_drawdown_pct"], r["open_positions"], r["breaker_state"])
            for r in report.get("rows", [])
        ]  # fmt: skip
        print_table(("scope", "equity", "real peak", "real drawdown %", "breaker drawdown %",
                     "open", "breaker"), rows)  # fmt: skip
        for line in report.get("transitions", []):
            click.echo(f"transition: {line}")
        return
    click.echo(f"strategies: {', '.join(report.get('strategies', [])) or 'none due'}")
    signals = [
        (s["strategy"], s["symbol"], s["action"], s["decision"], (s["reason"] or "")[:80])
        for s in report.get("signals", [])
    ]
    print_table(("strategy", "symbol", "action", "decision", "reason"), signals)
    for order in report.get("orders", []):
        click.echo(
            f"order {order['order_link_id']} {order['side']} {order['qty']} {order['symbol']}:"
            f" {order['status']}"
        )
    for finding in report.get("reconciliation", []):
        click.echo(f"reconciliation: {finding['message']}")
