"""Goal services' ports (#12 ESY phase 3): the region's services a worker linked to a goal, and at follow-up,
whether each was reached and whether it helped (every answer dated and kept).

Backends: ``storage/sql_repos/goal_services.py`` and ``storage/memory_repos/goal_services.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

REACHED = ("yes", "not_yet", "no")
HELPED = ("yes", "somewhat", "no", "cant_say")


@dataclass
class GoalServiceRow:
    """One service of the region's services file (``service_id``, the file's id) linked to a goal by a worker."""

    goal_id: int
    service_id: str
    linked_at: datetime
    id: int | None = field(default=None)


@dataclass
class ServiceFollowUpRow:
    """At follow-up: was the service reached (``REACHED``) and, if it was, did it help (``HELPED``, else None);
    who answered ("young" or "worker") and when. Each answer is kept: the latest is the one in force."""

    link_id: int
    reached: str
    helped: str | None
    answered_by: str
    answered_at: datetime
    id: int | None = field(default=None)


class GoalServices(Protocol):
    async def link(self, row: GoalServiceRow) -> int: ...  # Conflict if the service is linked to the goal already
    async def get(self, link_id: int) -> GoalServiceRow | None: ...
    async def for_goal(self, goal_id: int) -> list[GoalServiceRow]: ...  # oldest first
    async def unlink(self, link_id: int) -> bool: ...  # its follow-ups go too; False if there was no such link
    async def add_followup(self, row: ServiceFollowUpRow) -> int: ...
    async def followups(self, link_id: int) -> list[ServiceFollowUpRow]: ...  # oldest first
