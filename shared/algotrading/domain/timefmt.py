"""UTC milliseconds <-> ISO 8601 text, at the edges (CLI, API, reports)."""

from __future__ import annotations

from datetime import UTC, datetime


def ms_to_datetime(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def datetime_to_ms(value: datetime) -> int:
    """Naive datetimes are taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return round(value.timestamp() * 1000)


def ms_to_iso(ms: int) -> str:
    """`2025-09-24T00:00:00Z` (milliseconds shown only when not zero)."""
    dt = ms_to_datetime(ms)
    text = dt.strftime("%Y-%m-%dT%H:%M:%S")
    if ms % 1000:
        text += f".{ms % 1000:03d}"
    return text + "Z"


def parse_time(text: str) -> int:
    """ISO 8601 date or date-time to UTC ms; no offset means UTC. Raises ValueError otherwise."""
    raw = text.strip()
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(f"not an ISO 8601 time: {text!r}") from None
    return datetime_to_ms(value)
