"""Network meetings (#5): the client's preparation, meetings with participants and promises, evaluations."""

from __future__ import annotations

from storage.memory_repos.base import _fields, _Repo
from storage.ports.meetings import EvaluationRow, MeetingRow, ParticipantRow, PreparationRow, PromiseRow


class _Preparations(_Repo):
    async def get(self, client_id: int) -> PreparationRow | None:
        return self._db.get(PreparationRow, "preparations", str(client_id))

    async def save(self, row: PreparationRow) -> None:
        self._db.put("preparations", str(row.client_id), _fields(row))

    async def delete(self, client_id: int) -> None:
        self._db.delete("preparations", str(client_id))


class _Meetings(_Repo):
    async def add(self, row: MeetingRow) -> int:
        return self._db.insert("meetings", _fields(row))

    async def get(self, meeting_id: int) -> MeetingRow | None:
        return self._db.get(MeetingRow, "meetings", str(meeting_id))

    async def save(self, row: MeetingRow) -> None:
        self._db.update("meetings", row)

    async def for_client(self, client_id: int) -> list[MeetingRow]:
        rows = [row for row in self._db.rows(MeetingRow, "meetings") if row.client_id == client_id]
        return sorted(rows, key=lambda row: (row.starts_at, row.id or 0))

    async def add_participant(self, row: ParticipantRow) -> int:
        return self._db.insert("participants", _fields(row))

    async def participants(self, meeting_id: int) -> list[ParticipantRow]:
        rows = [row for row in self._db.rows(ParticipantRow, "participants") if row.meeting_id == meeting_id]
        return sorted(rows, key=lambda row: row.id or 0)

    async def save_participant(self, row: ParticipantRow) -> None:
        self._db.update("participants", row)

    async def delete_for_client(self, client_id: int) -> int:
        doomed = [row.id for row in self._db.rows(MeetingRow, "meetings") if row.client_id == client_id]
        for meeting_id in doomed:
            self._db.delete("meetings", str(meeting_id))
        return len(doomed)

    async def participant(self, participant_id: int) -> ParticipantRow | None:
        return self._db.get(ParticipantRow, "participants", str(participant_id))

    async def participant_by_join(self, join_hash: str) -> ParticipantRow | None:
        return next((row for row in self._db.rows(ParticipantRow, "participants") if row.join_hash == join_hash), None)

    async def participations(self, user_key: str) -> list[ParticipantRow]:
        rows = [row for row in self._db.rows(ParticipantRow, "participants") if row.user_key == user_key]
        return sorted(rows, key=lambda row: row.id or 0)

    async def add_promise(self, row: PromiseRow) -> int:
        return self._db.insert("promises", _fields(row))

    async def promise(self, promise_id: int) -> PromiseRow | None:
        return self._db.get(PromiseRow, "promises", str(promise_id))

    async def promises(self, meeting_id: int) -> list[PromiseRow]:
        rows = [row for row in self._db.rows(PromiseRow, "promises") if row.meeting_id == meeting_id]
        return sorted(rows, key=lambda row: (row.due, row.id or 0))

    async def save_promise(self, row: PromiseRow) -> None:
        self._db.update("promises", row)

    async def promises_for_goal(self, goal_id: int) -> list[PromiseRow]:
        rows = [row for row in self._db.rows(PromiseRow, "promises") if row.goal_id == goal_id]
        return sorted(rows, key=lambda row: (row.due, row.id or 0))


class _Evaluations(_Repo):
    async def get(self, client_id: int) -> EvaluationRow | None:
        return self._db.get(EvaluationRow, "evaluations", str(client_id))

    async def save(self, row: EvaluationRow) -> None:
        self._db.put("evaluations", str(row.client_id), _fields(row))

    async def delete(self, client_id: int) -> None:
        self._db.delete("evaluations", str(client_id))
