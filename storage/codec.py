"""Turn rows into JSON-safe dicts and back, so every backend stores the same plain data."""

from __future__ import annotations

import json
from datetime import UTC, datetime
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
