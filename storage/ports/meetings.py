"""Network meetings' ports (#5): a client's preparation, the meetings with participants and promises, evaluation.

Backends: ``storage/sql_repos/meetings.py`` and ``storage/memory_repos/meetings.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol


@dataclass
class PreparationRow:
    """A client's preparation for their next network meeting: a versioned draft in plain data (their own
    words, their people, topics), written by the client or their responsible worker."""

    client_id: int
    data: dict[str, Any]
    version: int
    updated_at: datetime
    updated_by: str  # "client:5", "staff:3"


@dataclass
class MeetingRow:
    """A network meeting of a client's work: where and when, and how its record was finished (a follow-up
    date, or an end date that closed the work)."""

    client_id: int
    created_by: int  # the staff id of the worker who set it up
    created_at: datetime
    starts_at: datetime
    place_kind: str  # "home", "school", "office", "outdoors", "online", "hybrid"
    place: str  # an address or a description; the link for online and hybrid meetings
    status: str = "planned"  # planned -> held | cancelled
    follows: int | None = None  # the meeting this one follows up
    next_at: datetime | None = None  # the follow-up meeting agreed when the record was finished
    ended_on: date | None = None  # or the end date, when the record closed the work
    id: int | None = None


@dataclass
class ParticipantRow:
    """Someone at a meeting: the client, a worker, or another person (with or without Telegram)."""

    meeting_id: int
    name: str
    role: str  # "client", "worker", "other"
    relation: str = ""
    language: str = "fi"
    staff_id: int | None = None
    user_key: str | None = None  # who they are in Kaari, once linked (a client, a worker, a joined participant)
    reachable: bool = True  # False once a push to them failed because they blocked the bot
    join_hash: str | None = None  # a keyed hash of their one-time join code, until they use it
    join_expires_at: datetime | None = None
    id: int | None = None


@dataclass
class PromiseRow:
    """ "I promise to ..." by one participant, with a due date; everyone marks their own."""

    meeting_id: int
    participant_id: int
    text: str
    due: date
    created_at: datetime
    status: str = "open"  # open -> done | help (and back to open)
    note: str = ""
    updated_at: datetime | None = None
    goal_id: int | None = None  # the young person's goal this promise is for, if any (#12)
    id: int | None = None


@dataclass
class EvaluationRow:
    """At the end of the work: the worker pair's closing reflection and the client's feedback (plain data)."""

    client_id: int
    reflection: dict[str, Any]
    feedback: dict[str, Any]
    updated_at: datetime


class Preparations(Protocol):
    async def get(self, client_id: int) -> PreparationRow | None: ...
    async def save(self, row: PreparationRow) -> None: ...  # insert or replace; UnknownRow for a missing client
    async def delete(self, client_id: int) -> None: ...


class Meetings(Protocol):
    async def add(self, row: MeetingRow) -> int: ...
    async def get(self, meeting_id: int) -> MeetingRow | None: ...
    async def save(self, row: MeetingRow) -> None: ...  # UnknownRow for an unknown id
    async def for_client(self, client_id: int) -> list[MeetingRow]: ...  # by starts_at, then id
    async def add_participant(self, row: ParticipantRow) -> int: ...
    async def participants(self, meeting_id: int) -> list[ParticipantRow]: ...  # by id
    async def save_participant(self, row: ParticipantRow) -> None: ...
    async def participant(self, participant_id: int) -> ParticipantRow | None: ...
    async def participant_by_join(self, join_hash: str) -> ParticipantRow | None: ...
    async def participations(self, user_key: str) -> list[ParticipantRow]: ...  # of this person, by id
    async def add_promise(self, row: PromiseRow) -> int: ...
    async def promise(self, promise_id: int) -> PromiseRow | None: ...
    async def promises(self, meeting_id: int) -> list[PromiseRow]: ...  # by due, then id
    async def save_promise(self, row: PromiseRow) -> None: ...
    async def promises_for_goal(self, goal_id: int) -> list[PromiseRow]: ...  # by due, then id
    async def delete_for_client(self, client_id: int) -> int: ...  # with participants and promises; how many


class Evaluations(Protocol):
    async def get(self, client_id: int) -> EvaluationRow | None: ...
    async def save(self, row: EvaluationRow) -> None: ...  # insert or replace; UnknownRow for a missing client
    async def delete(self, client_id: int) -> None: ...
