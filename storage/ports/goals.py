"""Goals' ports: the young person's goals and plan (ESY phase 2), and each goal's history of changes.

Backends: ``storage/sql_repos/goals.py`` and ``storage/memory_repos/goals.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

GOAL_STATUSES = ("going", "reached", "let_go")
GOAL_FIELDS = ("goal", "sign", "step", "helper", "due")


@dataclass
class GoalRow:
    """One goal in the person's own words: how they would notice it getting better, a first step, who helps,
    by when. ``version`` counts changes to those words; ``agreed_version`` is the one the worker agreed (a
    goal whose words changed since is a draft again). ``client_id`` is set when written as a linked client
    (their workers may see it); an anonymous person's goal has none and is theirs alone."""

    user_key: str
    area_id: str
    goal: str
    created_at: datetime
    updated_at: datetime
    sign: str | None = None
    step: str | None = None
    helper: str | None = None
    due: date | None = None
    status: str = "going"
    version: int = 1
    agreed_version: int | None = None
    client_id: int | None = None
    id: int | None = field(default=None)


@dataclass
class GoalRevisionRow:
    """One change to a goal: who (``changed_by``: "young" or "worker"), what (``what``: a field, "status" or
    "agreed", with its new ``value``), when."""

    goal_id: int
    version: int
    changed_by: str
    what: str
    value: str | None
    changed_at: datetime
    id: int | None = field(default=None)


class Goals(Protocol):
    async def add(self, row: GoalRow) -> int: ...
    async def get(self, goal_id: int) -> GoalRow | None: ...
    async def save(self, row: GoalRow) -> None: ...  # rewrites the goal with ``row.id`` (created_at set once)
    async def for_user(self, user_key: str) -> list[GoalRow]: ...  # oldest first
    async def for_client(self, client_id: int) -> list[GoalRow]: ...  # written as this client, oldest first
    async def add_revision(self, row: GoalRevisionRow) -> int: ...
    async def revisions(self, goal_id: int) -> list[GoalRevisionRow]: ...  # oldest first
    async def delete_for_user(self, user_key: str) -> int: ...  # how many goals were deleted (history goes too)
