"""`algo jobs run JOB --time TIME`: one scheduled job by hand, as its schedule delivers it.

The payload is the one EventBridge Scheduler sends (`{"job", "scheduled_time"}`), so the run
has the same idempotency key: a repeat prints the first run's summary and does nothing. Bad
input (an unknown job, a time that is not a time or is off the job's grid, a missing setting)
is one line, exit 2, nothing written; a run with a failed account exits 1 (run it again: the
accounts that succeeded are not redone). docs/jobs.md describes the jobs.
"""

from __future__ import annotations

import click

from algotrading.cli.output import print_json
from algotrading.cli.run import parse_at
from algotrading.errors import AppError
from algotrading.jobs.events import JOB_NAMES, ScheduledEvent


class JobFailed(AppError):
    """The job ran and an account (or a symbol) failed; a repeat retries only those."""

    exit_code = 1


@click.group("jobs")
def jobs() -> None:
    """The scheduled jobs (candle close, weekly rebalance, equity snapshot, funding poll)."""


@jobs.command("run")
@click.argument("job", type=click.Choice(JOB_NAMES))
@click.option("--time", "at", required=True, help="Scheduled time (ISO 8601, UTC, or epoch ms).")
def run_command(job: str, at: str) -> None:
    """Run JOB once for the scheduled time and print its summary as JSON."""
    from datetime import UTC, datetime

    from algotrading.jobs.config import job_settings
    from algotrading.jobs.scheduled import run_named  # the trading core loads only when used

    moment = datetime.fromtimestamp(parse_at(at, "--time") / 1000, tz=UTC)
    event = ScheduledEvent.for_job(job, {"job": job, "scheduled_time": moment.isoformat()})  # type: ignore[arg-type]
    result = run_named(event.job, event.time_ms, settings=job_settings())
    print_json(result.as_log())
    if result.status != "done":
        failed = len(result.summary.get("failures", []))
        raise JobFailed(f"{job} at {at}: {failed} failure(s); run it again to retry them")
