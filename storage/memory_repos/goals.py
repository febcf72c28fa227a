"""Goals (#12 ESY phase 2): the young person's goals and each goal's history of changes."""

from __future__ import annotations

from storage.memory_repos.base import _fields, _Repo
from storage.ports.goals import GoalRevisionRow, GoalRow


class _Goals(_Repo):
    async def add(self, row: GoalRow) -> int:
        return self._db.insert("goals", _fields(row))

    async def get(self, goal_id: int) -> GoalRow | None:
        return self._db.get(GoalRow, "goals", str(goal_id))

    async def save(self, row: GoalRow) -> None:
        self._db.update("goals", row)

    def _sorted(self, rows: list[GoalRow]) -> list[GoalRow]:
        return sorted(rows, key=lambda row: (row.created_at, row.id or 0))

    async def for_user(self, user_key: str) -> list[GoalRow]:
        return self._sorted([row for row in self._db.rows(GoalRow, "goals") if row.user_key == user_key])

    async def for_client(self, client_id: int) -> list[GoalRow]:
        return self._sorted([row for row in self._db.rows(GoalRow, "goals") if row.client_id == client_id])

    async def add_revision(self, row: GoalRevisionRow) -> int:
        return self._db.insert("goal_revisions", _fields(row))

    async def revisions(self, goal_id: int) -> list[GoalRevisionRow]:
        rows = [row for row in self._db.rows(GoalRevisionRow, "goal_revisions") if row.goal_id == goal_id]
        return sorted(rows, key=lambda row: row.id or 0)

    async def delete_for_user(self, user_key: str) -> int:
        mine = await self.for_user(user_key)
        for row in mine:
            self._db.delete("goals", str(row.id))
        return len(mine)
