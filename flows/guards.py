"""Guards shared by flows: what was tapped, as `transitions` conditions with readable names."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Guard = Callable[[Any], bool]


def value(event: Any) -> str:
    """The tapped option's value ('' for typed text)."""
    return str(event.kwargs.get("value", ""))


def chose(expected: str) -> Guard:
    """A condition true when ``expected`` was tapped; named so flow diagrams say which."""
    def guard(event: Any) -> bool:
        return value(event) == expected
    guard.__name__ = f"chose_{expected}"
    return guard
