"""Goal services (#12 ESY phase 3): services linked to a goal, and their follow-ups."""

from __future__ import annotations

from storage.memory_repos.base import _fields, _Repo
from storage.ports.goal_services import GoalServiceRow, ServiceFollowUpRow


class _GoalServices(_Repo):
    async def link(self, row: GoalServiceRow) -> int:
        return self._db.insert("goal_services", _fields(row))

    async def get(self, link_id: int) -> GoalServiceRow | None:
        return self._db.get(GoalServiceRow, "goal_services", str(link_id))

    async def for_goal(self, goal_id: int) -> list[GoalServiceRow]:
        rows = [row for row in self._db.rows(GoalServiceRow, "goal_services") if row.goal_id == goal_id]
        return sorted(rows, key=lambda row: (row.linked_at, row.id or 0))

    async def unlink(self, link_id: int) -> bool:
        there = str(link_id) in self._db.tables["goal_services"]
        self._db.delete("goal_services", str(link_id))
        return there

    async def add_followup(self, row: ServiceFollowUpRow) -> int:
        return self._db.insert("goal_service_followups", _fields(row))

    async def followups(self, link_id: int) -> list[ServiceFollowUpRow]:
        rows = [row for row in self._db.rows(ServiceFollowUpRow, "goal_service_followups") if row.link_id == link_id]
        return sorted(rows, key=lambda row: (row.answered_at, row.id or 0))
