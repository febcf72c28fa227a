"""Guards shared by flows: what was tapped, as `transitions` conditions with readable names."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flows.core.dates import too_far
from flows.core.results import Say

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


def near_enough(conv: Any, day: date) -> bool:
    """A typed date within the planning horizon; beyond it the person is told the last allowed day."""
    answer = too_far(day, conv.now)
    if answer is not None:
        conv.emit(Say(answer))
    return answer is None
