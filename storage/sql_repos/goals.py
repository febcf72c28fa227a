"""Goals (#12 ESY phase 2): the young person's goals and each goal's history of changes."""

from __future__ import annotations

from datetime import date

from storage.codec import dump_day, dump_time, load_time
from storage.ports.goals import GoalRevisionRow, GoalRow
from storage.sql_repos.base import Row, _Repo

_GOAL_COLUMNS = (
    "id, user_key, client_id, area_id, goal, sign, step, helper, due, status, version, agreed_version, "
    "created_at, updated_at"
)
_REVISION_COLUMNS = "id, goal_id, version, changed_by, what, value, changed_at"


def _goal(row: Row) -> GoalRow:
    return GoalRow(
        id=row[0], user_key=row[1], client_id=row[2], area_id=row[3], goal=row[4], sign=row[5], step=row[6],
        helper=row[7], due=None if row[8] is None else date.fromisoformat(row[8]), status=row[9], version=row[10],
        agreed_version=row[11], created_at=load_time(row[12]), updated_at=load_time(row[13]),
    )


def _revision(row: Row) -> GoalRevisionRow:
    return GoalRevisionRow(id=row[0], goal_id=row[1], version=row[2], changed_by=row[3], what=row[4],
                           value=row[5], changed_at=load_time(row[6]))


class _Goals(_Repo):
    async def add(self, row: GoalRow) -> int:
        return await self._insert(
            "INSERT INTO goals (user_key, client_id, area_id, goal, sign, step, helper, due, status, version, "
            "agreed_version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (row.user_key, row.client_id, row.area_id, row.goal, row.sign, row.step, row.helper,
             None if row.due is None else dump_day(row.due), row.status, row.version, row.agreed_version,
             dump_time(row.created_at), dump_time(row.updated_at)),
            row.user_key,
        )

    async def get(self, goal_id: int) -> GoalRow | None:
        row = await self._one(f"SELECT {_GOAL_COLUMNS} FROM goals WHERE id = ?", (goal_id,))
        return _goal(row) if row else None

    async def save(self, row: GoalRow) -> None:
        await self._update(
            "UPDATE goals SET user_key = ?, client_id = ?, area_id = ?, goal = ?, sign = ?, step = ?, helper = ?, "
            "due = ?, status = ?, version = ?, agreed_version = ?, updated_at = ? WHERE id = ?",
            (row.user_key, row.client_id, row.area_id, row.goal, row.sign, row.step, row.helper,
             None if row.due is None else dump_day(row.due), row.status, row.version, row.agreed_version,
             dump_time(row.updated_at), row.id),
            row.user_key,
        )

    async def for_user(self, user_key: str) -> list[GoalRow]:
        rows = await self._all(f"SELECT {_GOAL_COLUMNS} FROM goals WHERE user_key = ? ORDER BY created_at, id",
                               (user_key,))
        return [_goal(row) for row in rows]

    async def for_client(self, client_id: int) -> list[GoalRow]:
        rows = await self._all(f"SELECT {_GOAL_COLUMNS} FROM goals WHERE client_id = ? ORDER BY created_at, id",
                               (client_id,))
        return [_goal(row) for row in rows]

    async def add_revision(self, row: GoalRevisionRow) -> int:
        return await self._insert(
            "INSERT INTO goal_revisions (goal_id, version, changed_by, what, value, changed_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (row.goal_id, row.version, row.changed_by, row.what, row.value, dump_time(row.changed_at)),
        )

    async def revisions(self, goal_id: int) -> list[GoalRevisionRow]:
        rows = await self._all(f"SELECT {_REVISION_COLUMNS} FROM goal_revisions WHERE goal_id = ? ORDER BY id",
                               (goal_id,))
        return [_revision(row) for row in rows]

    async def delete_for_user(self, user_key: str) -> int:
        count = await self._db.execute("DELETE FROM goals WHERE user_key = ?", (user_key,))
        return count
