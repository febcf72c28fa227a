"""Goal services (#12 ESY phase 3): services linked to a goal, and their follow-ups."""

from __future__ import annotations

from storage.codec import dump_time, load_time
from storage.ports.goal_services import GoalServiceRow, ServiceFollowUpRow
from storage.sql_repos.base import Row, _Repo

_LINK_COLUMNS = "id, goal_id, service_id, linked_at"
_FOLLOWUP_COLUMNS = "id, link_id, reached, helped, answered_by, answered_at"


def _link(row: Row) -> GoalServiceRow:
    return GoalServiceRow(id=row[0], goal_id=row[1], service_id=row[2], linked_at=load_time(row[3]))


def _followup(row: Row) -> ServiceFollowUpRow:
    return ServiceFollowUpRow(id=row[0], link_id=row[1], reached=row[2], helped=row[3], answered_by=row[4],
                              answered_at=load_time(row[5]))


class _GoalServices(_Repo):
    async def link(self, row: GoalServiceRow) -> int:
        return await self._insert(
            "INSERT INTO goal_services (goal_id, service_id, linked_at) VALUES (?, ?, ?)",
            (row.goal_id, row.service_id, dump_time(row.linked_at)),
        )

    async def get(self, link_id: int) -> GoalServiceRow | None:
        row = await self._one(f"SELECT {_LINK_COLUMNS} FROM goal_services WHERE id = ?", (link_id,))
        return _link(row) if row else None

    async def for_goal(self, goal_id: int) -> list[GoalServiceRow]:
        rows = await self._all(f"SELECT {_LINK_COLUMNS} FROM goal_services WHERE goal_id = ? ORDER BY linked_at, id",
                               (goal_id,))
        return [_link(row) for row in rows]

    async def unlink(self, link_id: int) -> bool:
        count = await self._db.execute("DELETE FROM goal_services WHERE id = ?", (link_id,))
        return count > 0

    async def add_followup(self, row: ServiceFollowUpRow) -> int:
        return await self._insert(
            "INSERT INTO goal_service_followups (link_id, reached, helped, answered_by, answered_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (row.link_id, row.reached, row.helped, row.answered_by, dump_time(row.answered_at)),
        )

    async def followups(self, link_id: int) -> list[ServiceFollowUpRow]:
        rows = await self._all(
            f"SELECT {_FOLLOWUP_COLUMNS} FROM goal_service_followups WHERE link_id = ? ORDER BY answered_at, id",
            (link_id,))
        return [_followup(row) for row in rows]
