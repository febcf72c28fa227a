"""A person's own rows: users, conversations, ESY assessments, and contacts (their sealed chat id)."""

from __future__ import annotations

from datetime import datetime

from storage.codec import dump_json, dump_time, load_json, load_time
from storage.ports.people import AssessmentRow, ContactRow, ConversationRow, UserRow, Visit
from storage.sql_repos.base import Row, _constraints, _Repo


class _Users(_Repo):
    async def visit(self, key: str) -> Visit:
        row = await self._one(
            "SELECT u.key, u.language, u.created_at, u.last_seen_at,"
            " EXISTS(SELECT 1 FROM staff WHERE user_key = k.key), EXISTS(SELECT 1 FROM clients WHERE user_key = k.key),"
            " EXISTS(SELECT 1 FROM participants WHERE user_key = k.key),"
            " c.key, c.flow, c.state, c.flow_version, c.step, c.data, c.updated_at"
            " FROM (SELECT ? AS key) AS k LEFT JOIN users AS u ON u.key = k.key"
            " LEFT JOIN conversations AS c ON c.key = k.key", (key,))
        assert row is not None
        user = None if row[0] is None else UserRow(row[0], row[1], load_time(row[2]), load_time(row[3]))
        conversation = None if row[7] is None else ConversationRow(
            row[7], row[8], row[9], row[10], row[11], load_json(row[12]), load_time(row[13]))
        return Visit(user, bool(row[4]), bool(row[5]), bool(row[6]), conversation)

    async def get(self, key: str) -> UserRow | None:
        row = await self._one("SELECT key, language, created_at, last_seen_at FROM users WHERE key = ?", (key,))
        if row is None:
            return None
        return UserRow(row[0], row[1], load_time(row[2]), load_time(row[3]))

    async def save(self, row: UserRow) -> None:
        await self._db.execute(
            "INSERT INTO users (key, language, created_at, last_seen_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET language = excluded.language, "
            "last_seen_at = excluded.last_seen_at",
            (row.key, row.language, dump_time(row.created_at), dump_time(row.last_seen_at)),
        )

    async def delete(self, key: str) -> None:
        await self._db.execute("DELETE FROM users WHERE key = ?", (key,))

    async def idle_since(self, before: datetime) -> list[str]:
        rows = await self._all(
            "SELECT key FROM users WHERE last_seen_at < ? ORDER BY last_seen_at, key", (dump_time(before),)
        )
        return [row[0] for row in rows]


class _Conversations(_Repo):
    async def get(self, key: str) -> ConversationRow | None:
        row = await self._one(
            "SELECT key, flow, state, flow_version, step, data, updated_at FROM conversations WHERE key = ?", (key,)
        )
        if row is None:
            return None
        return ConversationRow(row[0], row[1], row[2], row[3], row[4], load_json(row[5]), load_time(row[6]))

    async def save(self, row: ConversationRow) -> None:
        params = (row.key, row.flow, row.state, row.flow_version, row.step, dump_json(row.data),
                  dump_time(row.updated_at))
        async with _constraints(self._db, row.key):
            await self._db.execute(
                "INSERT INTO conversations (key, flow, state, flow_version, step, data, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET flow = excluded.flow, "
                "state = excluded.state, flow_version = excluded.flow_version, step = excluded.step, "
                "data = excluded.data, updated_at = excluded.updated_at",
                params,
            )

    async def delete(self, key: str) -> None:
        await self._db.execute("DELETE FROM conversations WHERE key = ?", (key,))


_ASSESSMENT_COLUMNS = (
    "id, user_key, instrument_id, instrument_version, completed_at, ratings, area_scores, wishes"
)


def _assessment(row: Row) -> AssessmentRow:
    return AssessmentRow(
        id=row[0], user_key=row[1], instrument_id=row[2], instrument_version=row[3],
        completed_at=load_time(row[4]), ratings=load_json(row[5]), area_scores=load_json(row[6]),
        wishes=load_json(row[7]),
    )


class _Assessments(_Repo):
    async def add(self, row: AssessmentRow) -> int:
        return await self._insert(
            "INSERT INTO assessments (user_key, instrument_id, instrument_version, completed_at, "
            "ratings, area_scores, wishes) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (row.user_key, row.instrument_id, row.instrument_version, dump_time(row.completed_at),
             dump_json(row.ratings), dump_json(row.area_scores), dump_json(row.wishes)),
            row.user_key,
        )

    async def latest(self, user_key: str, instrument_id: str) -> AssessmentRow | None:
        row = await self._one(
            f"SELECT {_ASSESSMENT_COLUMNS} FROM assessments WHERE user_key = ? AND instrument_id = ? "
            "ORDER BY completed_at DESC, id DESC LIMIT 1",
            (user_key, instrument_id),
        )
        return _assessment(row) if row else None

    async def for_user(self, user_key: str) -> list[AssessmentRow]:
        rows = await self._all(
            f"SELECT {_ASSESSMENT_COLUMNS} FROM assessments WHERE user_key = ? ORDER BY completed_at, id",
            (user_key,),
        )
        return [_assessment(row) for row in rows]

    async def get(self, assessment_id: int) -> AssessmentRow | None:
        row = await self._one(f"SELECT {_ASSESSMENT_COLUMNS} FROM assessments WHERE id = ?", (assessment_id,))
        return _assessment(row) if row else None

    async def delete_for_user(self, user_key: str) -> int:
        count = await self._db.execute("DELETE FROM assessments WHERE user_key = ?", (user_key,))
        return count

    async def completed_between(self, start: datetime, end: datetime) -> list[AssessmentRow]:
        rows = await self._all(
            f"SELECT {_ASSESSMENT_COLUMNS} FROM assessments WHERE completed_at >= ? AND completed_at < ? "
            "ORDER BY user_key, completed_at, id",
            (dump_time(start), dump_time(end)),
        )
        return [_assessment(row) for row in rows]


class _Contacts(_Repo):
    async def get(self, user_key: str) -> ContactRow | None:
        row = await self._one(
            "SELECT user_key, sealed_chat, updated_at FROM contacts WHERE user_key = ?", (user_key,)
        )
        return ContactRow(row[0], row[1], load_time(row[2])) if row else None

    async def save(self, row: ContactRow) -> None:
        async with _constraints(self._db, row.user_key):
            await self._db.execute(
                "INSERT INTO contacts (user_key, sealed_chat, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (user_key) DO UPDATE SET sealed_chat = excluded.sealed_chat, "
                "updated_at = excluded.updated_at",
                (row.user_key, row.sealed_chat, dump_time(row.updated_at)),
            )

    async def delete(self, user_key: str) -> None:
        await self._db.execute("DELETE FROM contacts WHERE user_key = ?", (user_key,))

    async def keys(self) -> list[str]:
        return [row[0] for row in await self._all("SELECT user_key FROM contacts ORDER BY user_key", ())]
