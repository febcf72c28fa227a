"""ESY groups' ports (#12 §5): a worker's group with a join code, its members, its rounds and their answers.

A member's answer to a round is a link to their own stored assessment: the group keeps no scores of its own, so a
circle deleted (by /forget, the anonymous retention, consent withdrawn) is no longer counted anywhere.

Backends: ``storage/sql_repos/groups.py`` and ``storage/memory_repos/groups.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol


@dataclass
class GroupRow:
    """A group a worker runs for a period; its join code is derived from KAARI_SECRET and ``code_salt`` (so it
    can be shown again) and looked up by its keyed hash."""

    name: str
    starts_on: date
    ends_on: date
    created_by: int  # the staff id of the worker who runs it
    created_at: datetime
    code_hash: str
    code_salt: str
    closed_at: datetime | None = None  # closed: the code no longer joins and no round is opened
    id: int | None = None
    region: str = "default"  # its worker's region (#14): storage.ports.regions.DEFAULT_REGION


@dataclass
class MemberRow:
    """Someone who joined a group with its code (anonymous or a linked client), by their user key."""

    group_id: int
    user_key: str
    joined_at: datetime


@dataclass
class RoundRow:
    """A round the worker opened: the whole circle (``area`` None) or one ESY area (a group session)."""

    group_id: int
    opened_by: int  # staff id
    opened_at: datetime
    area: str | None = None
    id: int | None = None


@dataclass
class AnswerRow:
    """A member's answer to a round: their own stored assessment, linked (one per member and round)."""

    round_id: int
    user_key: str
    assessment_id: int
    answered_at: datetime


class Groups(Protocol):
    async def add(self, row: GroupRow) -> int: ...
    async def get(self, group_id: int) -> GroupRow | None: ...
    async def save(self, row: GroupRow) -> None: ...  # name, period, closed_at (created_* and the code stay)
    async def by_code(self, code_hash: str) -> GroupRow | None: ...
    async def for_staff(self, staff_id: int) -> list[GroupRow]: ...  # oldest first
    async def join(self, row: MemberRow) -> bool: ...  # False (nothing changed) when already a member
    # Leaving takes the member's answers to that group's rounds with them; False when they were not a member.
    async def leave(self, group_id: int, user_key: str) -> bool: ...
    async def members(self, group_id: int) -> list[MemberRow]: ...  # by joined_at, then key
    async def memberships(self, user_key: str) -> list[MemberRow]: ...  # oldest first
    async def add_round(self, row: RoundRow) -> int: ...
    async def round(self, round_id: int) -> RoundRow | None: ...
    async def rounds(self, group_id: int) -> list[RoundRow]: ...  # oldest first
    async def answer(self, row: AnswerRow) -> None: ...  # a member's later answer replaces their earlier one
    async def answers(self, round_id: int) -> list[AnswerRow]: ...  # of current members only, by key
    async def answers_of(self, user_key: str) -> list[AnswerRow]: ...  # oldest first
    # For reports by group (#12 §6): each group's id with its current members' user keys, sorted.
    async def members_by_group(self) -> dict[int, list[str]]: ...
