"""An in-memory store for tests that JSON-round-trips every row, like a real database would."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from typing import Any

from storage.codec import dump_json, dump_time, load_json, load_time
from storage.ports import AssessmentRow, ConversationRow, UnitOfWork, UnknownUser, UserRow

Tables = dict[str, dict[str, str]]


def _encode(row: Any) -> str:
    fields = asdict(row)
    for name, value in fields.items():
        if name.endswith("_at"):
            fields[name] = dump_time(value)
    return dump_json(fields)


def _decode_fields(text: str) -> dict[str, Any]:
    fields: dict[str, Any] = load_json(text)
    for name, value in fields.items():
        if name.endswith("_at"):
            fields[name] = load_time(value)
    return fields


class _Users:
    def __init__(self, tables: Tables) -> None:
        self._rows = tables["users"]

    async def get(self, key: str) -> UserRow | None:
        text = self._rows.get(key)
        return UserRow(**_decode_fields(text)) if text else None

    async def save(self, row: UserRow) -> None:
        existing = self._rows.get(row.key)
        if existing is not None:  # like the SQL upsert: created_at is set once
            row = copy.copy(row)
            row.created_at = load_time(load_json(existing)["created_at"])
        self._rows[row.key] = _encode(row)


class _Conversations:
    def __init__(self, tables: Tables) -> None:
        self._rows = tables["conversations"]
        self._users = tables["users"]

    async def get(self, key: str) -> ConversationRow | None:
        text = self._rows.get(key)
        return ConversationRow(**_decode_fields(text)) if text else None

    async def save(self, row: ConversationRow) -> None:
        if row.key not in self._users:
            raise UnknownUser("conversation for an unknown user")  # the foreign key
        self._rows[row.key] = _encode(row)

    async def delete(self, key: str) -> None:
        self._rows.pop(key, None)


class _Assessments:
    def __init__(self, tables: Tables) -> None:
        self._rows = tables["assessments"]
        self._users = tables["users"]

    async def add(self, row: AssessmentRow) -> int:
        if row.user_key not in self._users:
            raise UnknownUser("assessment for an unknown user")
        new_id = max((int(k) for k in self._rows), default=0) + 1
        stored = copy.copy(row)
        stored.id = new_id
        self._rows[str(new_id)] = _encode(stored)
        return new_id

    def _all(self, user_key: str) -> list[AssessmentRow]:
        rows = [AssessmentRow(**_decode_fields(text)) for text in self._rows.values()]
        mine = [row for row in rows if row.user_key == user_key]
        return sorted(mine, key=lambda row: (row.completed_at, row.id or 0))

    async def latest(self, user_key: str, instrument_id: str) -> AssessmentRow | None:
        rows = [row for row in self._all(user_key) if row.instrument_id == instrument_id]
        return rows[-1] if rows else None

    async def for_user(self, user_key: str) -> list[AssessmentRow]:
        return self._all(user_key)


class _Work:
    def __init__(self, tables: Tables) -> None:
        self.users = _Users(tables)
        self.conversations = _Conversations(tables)
        self.assessments = _Assessments(tables)


class MemoryStore:
    """Tables of JSON text; a transaction works on a copy and swaps it in on success."""

    def __init__(self) -> None:
        self.tables: Tables = {"users": {}, "conversations": {}, "assessments": {}}
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[UnitOfWork]:
        async with self._lock:
            working = copy.deepcopy(self.tables)
            yield _Work(working)
            self.tables = working

    async def migrate(self) -> None:
        """Nothing to migrate in memory."""

    async def close(self) -> None:
        """Nothing to close in memory."""
