"""People's ports: the person (keyed by a hash), where they are in a flow, their ESY assessments, how to reach them.

Backends: ``storage/sql_repos/people.py`` and ``storage/memory_repos/people.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


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


@dataclass
class ContactRow:
    """How to write to a person later: their chat id, encrypted (never stored in the clear)."""

    user_key: str
    sealed_chat: str
    updated_at: datetime


@dataclass
class Visit:
    """What the engine reads about a person before every input (see ``Users.visit``)."""

    user: UserRow | None
    staff: bool
    client: bool
    participant: bool
    conversation: ConversationRow | None


class Users(Protocol):
    async def get(self, key: str) -> UserRow | None: ...
    async def save(self, row: UserRow) -> None: ...
    # Cascades to conversations, assessments, goals, contacts and outbox; unlinks staff, clients, chats,
    # participants.
    async def delete(self, key: str) -> None: ...
    async def idle_since(self, before: datetime) -> list[str]: ...  # keys not seen since, oldest first
    # The person, whether the key has a staff row, a client row and any meeting participation, and where they
    # are in a flow: the engine's one look before every input (one query, not five).
    async def visit(self, key: str) -> Visit: ...


class Conversations(Protocol):
    async def get(self, key: str) -> ConversationRow | None: ...
    async def save(self, row: ConversationRow) -> None: ...
    async def delete(self, key: str) -> None: ...


class Assessments(Protocol):
    async def add(self, row: AssessmentRow) -> int: ...
    async def latest(self, user_key: str, instrument_id: str) -> AssessmentRow | None: ...
    async def for_user(self, user_key: str) -> list[AssessmentRow]: ...
    async def get(self, assessment_id: int) -> AssessmentRow | None: ...
    async def delete_for_user(self, user_key: str) -> int: ...  # how many were deleted (shares go too)
    # Everyone's circles completed in [start, end), by person, then oldest first (the effect report reads them).
    async def completed_between(self, start: datetime, end: datetime) -> list[AssessmentRow]: ...


class Contacts(Protocol):
    async def get(self, user_key: str) -> ContactRow | None: ...
    async def save(self, row: ContactRow) -> None: ...
    async def delete(self, user_key: str) -> None: ...
    async def keys(self) -> list[str]: ...  # every user_key that has a contact, sorted
