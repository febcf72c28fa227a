"""ESY groups (#12 §5): groups with a join code, their members, rounds and the answers linked to assessments."""

from __future__ import annotations

from datetime import date

from storage.codec import dump_day, dump_time, load_time
from storage.ports.groups import AnswerRow, GroupRow, MemberRow, RoundRow
from storage.sql_repos.base import Row, _constraints, _dump, _Repo, _time

_GROUP_COLUMNS = "id, name, starts_on, ends_on, created_by, created_at, code_hash, code_salt, closed_at, region"


def _group(row: Row) -> GroupRow:
    return GroupRow(
        id=row[0], name=row[1], starts_on=date.fromisoformat(row[2]), ends_on=date.fromisoformat(row[3]),
        created_by=row[4], created_at=load_time(row[5]), code_hash=row[6], code_salt=row[7],
        closed_at=_time(row[8]), region=row[9],
    )


def _round(row: Row) -> RoundRow:
    return RoundRow(id=row[0], group_id=row[1], opened_by=row[2], opened_at=load_time(row[3]), area=row[4])


def _answer(row: Row) -> AnswerRow:
    return AnswerRow(round_id=row[0], user_key=row[1], assessment_id=row[2], answered_at=load_time(row[3]))


class _Groups(_Repo):
    async def add(self, row: GroupRow) -> int:
        return await self._insert(
            "INSERT INTO groups (name, starts_on, ends_on, created_by, created_at, code_hash, code_salt, closed_at, "
            "region) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (row.name, dump_day(row.starts_on), dump_day(row.ends_on), row.created_by, dump_time(row.created_at),
             row.code_hash, row.code_salt, _dump(row.closed_at), row.region),
        )

    async def get(self, group_id: int) -> GroupRow | None:
        row = await self._one(f"SELECT {_GROUP_COLUMNS} FROM groups WHERE id = ?", (group_id,))
        return _group(row) if row else None

    async def save(self, row: GroupRow) -> None:
        await self._update(
            "UPDATE groups SET name = ?, starts_on = ?, ends_on = ?, closed_at = ? WHERE id = ?",
            (row.name, dump_day(row.starts_on), dump_day(row.ends_on), _dump(row.closed_at), row.id),
        )

    async def by_code(self, code_hash: str) -> GroupRow | None:
        row = await self._one(f"SELECT {_GROUP_COLUMNS} FROM groups WHERE code_hash = ?", (code_hash,))
        return _group(row) if row else None

    async def for_staff(self, staff_id: int) -> list[GroupRow]:
        rows = await self._all(f"SELECT {_GROUP_COLUMNS} FROM groups WHERE created_by = ? ORDER BY created_at, id",
                               (staff_id,))
        return [_group(row) for row in rows]

    async def join(self, row: MemberRow) -> bool:
        async with _constraints(self._db, row.user_key):
            count = await self._db.execute(
                "INSERT INTO group_members (group_id, user_key, joined_at) VALUES (?, ?, ?)"
                " ON CONFLICT (group_id, user_key) DO NOTHING",
                (row.group_id, row.user_key, dump_time(row.joined_at)))
        return count > 0

    async def leave(self, group_id: int, user_key: str) -> bool:
        await self._db.execute(
            "DELETE FROM group_answers WHERE user_key = ? AND round_id IN"
            " (SELECT id FROM group_rounds WHERE group_id = ?)", (user_key, group_id))
        count = await self._db.execute("DELETE FROM group_members WHERE group_id = ? AND user_key = ?",
                                        (group_id, user_key))
        return count > 0

    async def members(self, group_id: int) -> list[MemberRow]:
        rows = await self._all("SELECT group_id, user_key, joined_at FROM group_members WHERE group_id = ?"
                               " ORDER BY joined_at, user_key", (group_id,))
        return [MemberRow(row[0], row[1], load_time(row[2])) for row in rows]

    async def memberships(self, user_key: str) -> list[MemberRow]:
        rows = await self._all("SELECT group_id, user_key, joined_at FROM group_members WHERE user_key = ?"
                               " ORDER BY joined_at, group_id", (user_key,))
        return [MemberRow(row[0], row[1], load_time(row[2])) for row in rows]

    async def add_round(self, row: RoundRow) -> int:
        return await self._insert(
            "INSERT INTO group_rounds (group_id, opened_by, opened_at, area) VALUES (?, ?, ?, ?)",
            (row.group_id, row.opened_by, dump_time(row.opened_at), row.area))

    async def round(self, round_id: int) -> RoundRow | None:
        row = await self._one("SELECT id, group_id, opened_by, opened_at, area FROM group_rounds WHERE id = ?",
                              (round_id,))
        return _round(row) if row else None

    async def rounds(self, group_id: int) -> list[RoundRow]:
        rows = await self._all("SELECT id, group_id, opened_by, opened_at, area FROM group_rounds"
                               " WHERE group_id = ? ORDER BY opened_at, id", (group_id,))
        return [_round(row) for row in rows]

    async def answer(self, row: AnswerRow) -> None:
        async with _constraints(self._db, row.user_key):
            await self._db.execute(
                "INSERT INTO group_answers (round_id, user_key, assessment_id, answered_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (round_id, user_key) DO UPDATE SET assessment_id = excluded.assessment_id,"
                " answered_at = excluded.answered_at",
                (row.round_id, row.user_key, row.assessment_id, dump_time(row.answered_at)))

    async def answers(self, round_id: int) -> list[AnswerRow]:
        rows = await self._all(
            "SELECT a.round_id, a.user_key, a.assessment_id, a.answered_at FROM group_answers AS a"
            " JOIN group_rounds AS r ON r.id = a.round_id"
            " JOIN group_members AS m ON m.group_id = r.group_id AND m.user_key = a.user_key"
            " WHERE a.round_id = ? ORDER BY a.user_key", (round_id,))
        return [_answer(row) for row in rows]

    async def answers_of(self, user_key: str) -> list[AnswerRow]:
        rows = await self._all("SELECT round_id, user_key, assessment_id, answered_at FROM group_answers"
                               " WHERE user_key = ? ORDER BY answered_at, round_id", (user_key,))
        return [_answer(row) for row in rows]

    async def members_by_group(self) -> dict[int, list[str]]:
        found: dict[int, list[str]] = {}
        for row in await self._all("SELECT g.id, m.user_key FROM groups AS g LEFT JOIN group_members AS m"
                                   " ON m.group_id = g.id ORDER BY g.id, m.user_key", ()):
            keys = found.setdefault(row[0], [])
            if row[1] is not None:
                keys.append(row[1])
        return found
