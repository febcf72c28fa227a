"""Turn rows into JSON-safe dicts and back, so every backend stores the same plain data."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from typing import Any


def dump_time(value: datetime) -> str:
    """Store a timezone-aware time as UTC ISO text; naive times are a bug, so refuse them."""
    if value.tzinfo is None:
        raise ValueError("naive datetime given to storage; use timezone-aware UTC")
    return value.astimezone(UTC).isoformat()


def load_time(text: str) -> datetime:
    """Read a time written by `dump_time`."""
    return datetime.fromisoformat(text).astimezone(UTC)


def dump_json(value: Any) -> str:
    """Serialise plain data; anything not JSON-able fails here, in tests, not in production."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, allow_nan=False)


def load_json(text: str) -> Any:
    """Read data written by `dump_json`."""
    return json.loads(text)


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def dump_day(value: date) -> str:
    """Store a calendar day as ISO text; a datetime is a bug (its time and zone would be lost), so refuse it."""
    if isinstance(value, datetime):
        raise ValueError("a datetime given to storage as a day; use a date")
    return value.isoformat()


def dump_clock(value: time | None) -> str | None:
    """Store a wall-clock time as "HH:MM"; seconds or a zone would be lost, so refuse them."""
    if value is None:
        return None
    if value.tzinfo is not None or value.second or value.microsecond:
        raise ValueError("a schedule time is a wall-clock hour and minute, without seconds or zone")
    return value.strftime("%H:%M")


def load_clock(text: str | None) -> time | None:
    """Read a time written by `dump_clock`."""
    return None if text is None else time.fromisoformat(text)
