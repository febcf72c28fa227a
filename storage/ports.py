"""The storage port: what the engine needs from any backend, as Protocols and plain rows."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


class UnknownUser(LookupError):
    """A row refers to a person the store does not have (every backend raises this, not its own error)."""


@dataclass
class UserRow:
    """A person, keyed by a keyed hash (never a raw Telegram id)."""

    key: str
    language: str
    created_at: datetime
    last_seen_at: datetime


@dataclass
class ConversationRow:
    """Where one person is in one flow: versioned plain data, no pickles."""

    key: str
    flow: str
    state: str
    flow_version: int
    step: int
    data: dict[str, Any]
    updated_at: datetime


@dataclass
class AssessmentRow:
    """One completed ESY self-assessment."""

    user_key: str
    instrument_id: str
    instrument_version: int
    completed_at: datetime
    ratings: dict[str, int | None]
    area_scores: dict[str, float | None]
    wishes: dict[str, str]
    id: int | None = field(default=None)


class Users(Protocol):
    async def get(self, key: str) -> UserRow | None: ...
    async def save(self, row: UserRow) -> None: ...


class Conversations(Protocol):
    async def get(self, key: str) -> ConversationRow | None: ...
    async def save(self, row: ConversationRow) -> None: ...
    async def delete(self, key: str) -> None: ...


class Assessments(Protocol):
    async def add(self, row: AssessmentRow) -> int: ...
    async def latest(self, user_key: str, instrument_id: str) -> AssessmentRow | None: ...
    async def for_user(self, user_key: str) -> list[AssessmentRow]: ...


class UnitOfWork(Protocol):
    """The repositories of one transaction: all of it commits, or none of it."""

    @property
    def users(self) -> Users: ...
    @property
    def conversations(self) -> Conversations: ...
    @property
    def assessments(self) -> Assessments: ...


class Store(Protocol):
    """A backend: open transactions, apply migrations, close."""

    def transaction(self) -> AbstractAsyncContextManager[UnitOfWork]: ...
    async def migrate(self) -> None: ...
    async def close(self) -> None: ...
