"""ESY groups (#12 §5): groups with a join code, their members, rounds and the answers linked to assessments."""

from __future__ import annotations

from dataclasses import replace

from storage.memory_repos.base import _fields, _Repo
from storage.ports.groups import AnswerRow, GroupRow, MemberRow, RoundRow


def _pair(first: object, second: str) -> str:
    """The key of a row whose primary key is two columns."""
    return f"{first}\x1f{second}"


class _Groups(_Repo):
    async def add(self, row: GroupRow) -> int:
        return self._db.insert("groups", _fields(row))

    async def get(self, group_id: int) -> GroupRow | None:
        return self._db.get(GroupRow, "groups", str(group_id))

    async def save(self, row: GroupRow) -> None:
        stored = self._db.get(GroupRow, "groups", str(row.id)) if row.id is not None else None
        if stored is None:
            self._db.update("groups", row)  # raises as the SQL backend does
            return
        kept = replace(stored, name=row.name, starts_on=row.starts_on, ends_on=row.ends_on, closed_at=row.closed_at)
        self._db.update("groups", kept)

    async def by_code(self, code_hash: str) -> GroupRow | None:
        return next((row for row in self._db.rows(GroupRow, "groups") if row.code_hash == code_hash), None)

    async def for_staff(self, staff_id: int) -> list[GroupRow]:
        mine = [row for row in self._db.rows(GroupRow, "groups") if row.created_by == staff_id]
        return sorted(mine, key=lambda row: (row.created_at, row.id or 0))

    async def join(self, row: MemberRow) -> bool:
        key = _pair(row.group_id, row.user_key)
        if key in self._db.tables["group_members"]:
            return False
        self._db.put("group_members", key, _fields(row))
        return True

    async def leave(self, group_id: int, user_key: str) -> bool:
        for round_row in await self.rounds(group_id):
            self._db.delete("group_answers", _pair(round_row.id, user_key))
        key = _pair(group_id, user_key)
        there = key in self._db.tables["group_members"]
        self._db.delete("group_members", key)
        return there

    async def members(self, group_id: int) -> list[MemberRow]:
        rows = [row for row in self._db.rows(MemberRow, "group_members") if row.group_id == group_id]
        return sorted(rows, key=lambda row: (row.joined_at, row.user_key))

    async def memberships(self, user_key: str) -> list[MemberRow]:
        rows = [row for row in self._db.rows(MemberRow, "group_members") if row.user_key == user_key]
        return sorted(rows, key=lambda row: (row.joined_at, row.group_id))

    async def add_round(self, row: RoundRow) -> int:
        return self._db.insert("group_rounds", _fields(row))

    async def round(self, round_id: int) -> RoundRow | None:
        return self._db.get(RoundRow, "group_rounds", str(round_id))

    async def rounds(self, group_id: int) -> list[RoundRow]:
        rows = [row for row in self._db.rows(RoundRow, "group_rounds") if row.group_id == group_id]
        return sorted(rows, key=lambda row: (row.opened_at, row.id or 0))

    async def answer(self, row: AnswerRow) -> None:
        self._db.put("group_answers", _pair(row.round_id, row.user_key), _fields(row))

    async def answers(self, round_id: int) -> list[AnswerRow]:
        found = await self.round(round_id)
        if found is None:
            return []
        members = self._db.tables["group_members"]
        rows = [row for row in self._db.rows(AnswerRow, "group_answers")
                if row.round_id == round_id and _pair(found.group_id, row.user_key) in members]
        return sorted(rows, key=lambda row: row.user_key)

    async def answers_of(self, user_key: str) -> list[AnswerRow]:
        rows = [row for row in self._db.rows(AnswerRow, "group_answers") if row.user_key == user_key]
        return sorted(rows, key=lambda row: (row.answered_at, row.round_id))

    async def members_by_group(self) -> dict[int, list[str]]:
        found: dict[int, list[str]] = {row.id or 0: [] for row in self._db.rows(GroupRow, "groups")}
        for member in self._db.rows(MemberRow, "group_members"):
            found[member.group_id].append(member.user_key)
        return {group: sorted(keys) for group, keys in sorted(found.items())}
