"""A person's own rows: users, conversations, ESY assessments, and contacts (their sealed chat id)."""

from __future__ import annotations

from datetime import datetime

from storage.codec import dump_time, load_json, load_time
from storage.memory_repos.base import _fields, _Repo
from storage.ports.identity import ClientRow, StaffRow
from storage.ports.meetings import ParticipantRow
from storage.ports.people import AssessmentRow, ContactRow, ConversationRow, UserRow, Visit


class _Users(_Repo):
    async def visit(self, key: str) -> Visit:
        return Visit(self._db.get(UserRow, "users", key),
                     any(row.user_key == key for row in self._db.rows(StaffRow, "staff")),
                     any(row.user_key == key for row in self._db.rows(ClientRow, "clients")),
                     any(row.user_key == key for row in self._db.rows(ParticipantRow, "participants")),
                     self._db.get(ConversationRow, "conversations", key))

    async def get(self, key: str) -> UserRow | None:
        return self._db.get(UserRow, "users", key)

    async def save(self, row: UserRow) -> None:
        fields = _fields(row)
        existing = self._db.tables["users"].get(row.key)
        if existing is not None:  # like the SQL upsert: created_at is set once
            fields["created_at"] = load_json(existing)["created_at"]
        self._db.put("users", row.key, fields)

    async def delete(self, key: str) -> None:
        self._db.delete("users", key)

    async def idle_since(self, before: datetime) -> list[str]:
        dump_time(before)  # refuse a naive time, as SQLite's backend does
        idle = [row for row in self._db.rows(UserRow, "users") if row.last_seen_at < before]
        return [row.key for row in sorted(idle, key=lambda row: (row.last_seen_at, row.key))]


class _Conversations(_Repo):
    async def get(self, key: str) -> ConversationRow | None:
        return self._db.get(ConversationRow, "conversations", key)

    async def save(self, row: ConversationRow) -> None:
        self._db.put("conversations", row.key, _fields(row))

    async def delete(self, key: str) -> None:
        self._db.delete("conversations", key)


class _Assessments(_Repo):
    async def add(self, row: AssessmentRow) -> int:
        return self._db.insert("assessments", _fields(row))

    def _all(self, user_key: str) -> list[AssessmentRow]:
        mine = [row for row in self._db.rows(AssessmentRow, "assessments") if row.user_key == user_key]
        return sorted(mine, key=lambda row: (row.completed_at, row.id or 0))

    async def latest(self, user_key: str, instrument_id: str) -> AssessmentRow | None:
        rows = [row for row in self._all(user_key) if row.instrument_id == instrument_id]
        return rows[-1] if rows else None

    async def for_user(self, user_key: str) -> list[AssessmentRow]:
        return self._all(user_key)

    async def get(self, assessment_id: int) -> AssessmentRow | None:
        return self._db.get(AssessmentRow, "assessments", str(assessment_id))

    async def delete_for_user(self, user_key: str) -> int:
        mine = self._all(user_key)
        for row in mine:
            self._db.delete("assessments", str(row.id))
        return len(mine)

    async def completed_between(self, start: datetime, end: datetime) -> list[AssessmentRow]:
        low, high = load_time(dump_time(start)), load_time(dump_time(end))  # naive times refused, as in SQLite
        found = [row for row in self._db.rows(AssessmentRow, "assessments") if low <= row.completed_at < high]
        return sorted(found, key=lambda row: (row.user_key, row.completed_at, row.id or 0))


class _Contacts(_Repo):
    async def get(self, user_key: str) -> ContactRow | None:
        return self._db.get(ContactRow, "contacts", user_key)

    async def save(self, row: ContactRow) -> None:
        self._db.put("contacts", row.user_key, _fields(row))

    async def delete(self, user_key: str) -> None:
        self._db.delete("contacts", user_key)

    async def keys(self) -> list[str]:
        return sorted(self._db.tables["contacts"])
