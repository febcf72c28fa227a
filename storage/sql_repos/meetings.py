"""Network meetings (#5): the client's preparation, meetings with participants and promises, evaluations."""

from __future__ import annotations

from datetime import date

from storage.codec import dump_day, dump_json, dump_time, load_json, load_time
from storage.ports.meetings import EvaluationRow, MeetingRow, ParticipantRow, PreparationRow, PromiseRow
from storage.sql_repos.base import Row, _constraints, _dump, _Repo, _time


class _Preparations(_Repo):
    async def get(self, client_id: int) -> PreparationRow | None:
        row = await self._one(
            "SELECT client_id, data, version, updated_at, updated_by FROM preparations WHERE client_id = ?",
            (client_id,),
        )
        return PreparationRow(row[0], load_json(row[1]), row[2], load_time(row[3]), row[4]) if row else None

    async def save(self, row: PreparationRow) -> None:
        async with _constraints(self._db):
            await self._db.execute(
                "INSERT INTO preparations (client_id, data, version, updated_at, updated_by) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (client_id) DO UPDATE SET data = excluded.data, version = excluded.version, "
                "updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                (row.client_id, dump_json(row.data), row.version, dump_time(row.updated_at), row.updated_by),
            )

    async def delete(self, client_id: int) -> None:
        await self._db.execute("DELETE FROM preparations WHERE client_id = ?", (client_id,))


_MEETING_COLUMNS = (
    "id, client_id, created_by, created_at, starts_at, place_kind, place, status, follows, next_at, ended_on"
)


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _dump_day(value: date | None) -> str | None:
    return None if value is None else dump_day(value)


def _meeting(row: Row) -> MeetingRow:
    return MeetingRow(
        id=row[0], client_id=row[1], created_by=row[2], created_at=load_time(row[3]), starts_at=load_time(row[4]),
        place_kind=row[5], place=row[6], status=row[7], follows=row[8], next_at=_time(row[9]),
        ended_on=_day(row[10]),
    )


_PARTICIPANT_COLUMNS = (
    "id, meeting_id, name, role, relation, language, staff_id, user_key, reachable, join_hash, join_expires_at")


def _participant(row: Row) -> ParticipantRow:
    return ParticipantRow(
        id=row[0], meeting_id=row[1], name=row[2], role=row[3], relation=row[4], language=row[5], staff_id=row[6],
        user_key=row[7], reachable=bool(row[8]), join_hash=row[9], join_expires_at=_time(row[10]),
    )


_PROMISE_COLUMNS = "id, meeting_id, participant_id, body, due, created_at, status, note, updated_at, goal_id"


def _promise(row: Row) -> PromiseRow:
    return PromiseRow(
        id=row[0], meeting_id=row[1], participant_id=row[2], text=row[3], due=date.fromisoformat(row[4]),
        created_at=load_time(row[5]), status=row[6], note=row[7], updated_at=_time(row[8]), goal_id=row[9],
    )


class _Meetings(_Repo):
    async def add(self, row: MeetingRow) -> int:
        return await self._insert(
            "INSERT INTO meetings (client_id, created_by, created_at, starts_at, place_kind, place, status, follows, "
            "next_at, ended_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (row.client_id, row.created_by, dump_time(row.created_at), dump_time(row.starts_at), row.place_kind,
             row.place, row.status, row.follows, _dump(row.next_at), _dump_day(row.ended_on)),
        )

    async def get(self, meeting_id: int) -> MeetingRow | None:
        row = await self._one(f"SELECT {_MEETING_COLUMNS} FROM meetings WHERE id = ?", (meeting_id,))
        return _meeting(row) if row else None

    async def save(self, row: MeetingRow) -> None:
        """Rewrite every field but id and created_at (set once, by add)."""
        await self._update(
            "UPDATE meetings SET client_id = ?, created_by = ?, starts_at = ?, place_kind = ?, place = ?, status = ?, "
            "follows = ?, next_at = ?, ended_on = ? WHERE id = ?",
            (row.client_id, row.created_by, dump_time(row.starts_at), row.place_kind, row.place, row.status,
             row.follows, _dump(row.next_at), _dump_day(row.ended_on), row.id),
        )

    async def for_client(self, client_id: int) -> list[MeetingRow]:
        rows = await self._all(
            f"SELECT {_MEETING_COLUMNS} FROM meetings WHERE client_id = ? ORDER BY starts_at, id", (client_id,)
        )
        return [_meeting(row) for row in rows]

    async def add_participant(self, row: ParticipantRow) -> int:
        return await self._insert(
            "INSERT INTO participants (meeting_id, name, role, relation, language, staff_id, user_key, reachable, "
            "join_hash, join_expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (row.meeting_id, row.name, row.role, row.relation, row.language, row.staff_id, row.user_key,
             int(row.reachable), row.join_hash, _dump(row.join_expires_at)),
            row.user_key,
        )

    async def participants(self, meeting_id: int) -> list[ParticipantRow]:
        rows = await self._all(
            f"SELECT {_PARTICIPANT_COLUMNS} FROM participants WHERE meeting_id = ? ORDER BY id", (meeting_id,)
        )
        return [_participant(row) for row in rows]

    async def save_participant(self, row: ParticipantRow) -> None:
        """Rewrite every field but id."""
        await self._update(
            "UPDATE participants SET meeting_id = ?, name = ?, role = ?, relation = ?, language = ?, staff_id = ?, "
            "user_key = ?, reachable = ?, join_hash = ?, join_expires_at = ? WHERE id = ?",
            (row.meeting_id, row.name, row.role, row.relation, row.language, row.staff_id, row.user_key,
             int(row.reachable), row.join_hash, _dump(row.join_expires_at), row.id),
            row.user_key,
        )

    async def delete_for_client(self, client_id: int) -> int:
        return await self._db.execute("DELETE FROM meetings WHERE client_id = ?", (client_id,))

    async def participant(self, participant_id: int) -> ParticipantRow | None:
        row = await self._one(f"SELECT {_PARTICIPANT_COLUMNS} FROM participants WHERE id = ?", (participant_id,))
        return _participant(row) if row else None

    async def participant_by_join(self, join_hash: str) -> ParticipantRow | None:
        row = await self._one(f"SELECT {_PARTICIPANT_COLUMNS} FROM participants WHERE join_hash = ?", (join_hash,))
        return _participant(row) if row else None

    async def participations(self, user_key: str) -> list[ParticipantRow]:
        rows = await self._all(
            f"SELECT {_PARTICIPANT_COLUMNS} FROM participants WHERE user_key = ? ORDER BY id", (user_key,)
        )
        return [_participant(row) for row in rows]

    async def add_promise(self, row: PromiseRow) -> int:
        return await self._insert(
            "INSERT INTO promises (meeting_id, participant_id, body, due, created_at, status, note, updated_at, "
            "goal_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (row.meeting_id, row.participant_id, row.text, dump_day(row.due), dump_time(row.created_at),
             row.status, row.note, _dump(row.updated_at), row.goal_id),
        )

    async def promise(self, promise_id: int) -> PromiseRow | None:
        row = await self._one(f"SELECT {_PROMISE_COLUMNS} FROM promises WHERE id = ?", (promise_id,))
        return _promise(row) if row else None

    async def promises(self, meeting_id: int) -> list[PromiseRow]:
        rows = await self._all(
            f"SELECT {_PROMISE_COLUMNS} FROM promises WHERE meeting_id = ? ORDER BY due, id", (meeting_id,)
        )
        return [_promise(row) for row in rows]

    async def save_promise(self, row: PromiseRow) -> None:
        """Rewrite every field but id and created_at (set once, by add_promise)."""
        await self._update(
            "UPDATE promises SET meeting_id = ?, participant_id = ?, body = ?, due = ?, status = ?, note = ?, "
            "updated_at = ?, goal_id = ? WHERE id = ?",
            (row.meeting_id, row.participant_id, row.text, dump_day(row.due), row.status, row.note,
             _dump(row.updated_at), row.goal_id, row.id),
        )

    async def promises_for_goal(self, goal_id: int) -> list[PromiseRow]:
        rows = await self._all(
            f"SELECT {_PROMISE_COLUMNS} FROM promises WHERE goal_id = ? ORDER BY due, id", (goal_id,)
        )
        return [_promise(row) for row in rows]


class _Evaluations(_Repo):
    async def get(self, client_id: int) -> EvaluationRow | None:
        row = await self._one(
            "SELECT client_id, reflection, feedback, updated_at FROM evaluations WHERE client_id = ?", (client_id,)
        )
        return EvaluationRow(row[0], load_json(row[1]), load_json(row[2]), load_time(row[3])) if row else None

    async def save(self, row: EvaluationRow) -> None:
        async with _constraints(self._db):
            await self._db.execute(
                "INSERT INTO evaluations (client_id, reflection, feedback, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (client_id) DO UPDATE SET reflection = excluded.reflection, "
                "feedback = excluded.feedback, updated_at = excluded.updated_at",
                (row.client_id, dump_json(row.reflection), dump_json(row.feedback), dump_time(row.updated_at)),
            )

    async def delete(self, client_id: int) -> None:
        await self._db.execute("DELETE FROM evaluations WHERE client_id = ?", (client_id,))
