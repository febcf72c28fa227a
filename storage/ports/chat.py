"""The shift chat's ports (#4): anonymous chats and their messages, shifts and who is on duty, rota and schedule.

Backends: ``storage/sql_repos/chat.py`` and ``storage/memory_repos/chat.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Protocol


@dataclass
class ChatRow:
    """One anonymous chat with a chat service, or a message left out of hours for the next shift.

    ``user_key`` links the chat to the young person only while it is active: it is cleared when the chat
    closes, so the anonymous history is never linked to anyone. Counts, times and ratings stay.
    """

    service: str
    opened_at: datetime
    user_key: str | None
    status: str = "queued"  # queued -> open (a worker took it) -> closed
    crisis: bool = False  # crisis words were written: first in the queue
    left: bool = False  # written out of hours, for the next shift to answer
    staff_id: int | None = None  # the worker who has it now
    shift_id: int | None = None  # the shift that answered it
    taken_at: datetime | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None  # "young", "staff", "shift_end", "forget"
    rating: int | None = None  # 1-5
    comment: str | None = None  # deleted with the messages after the retention time
    id: int | None = None
    # A keyed hash of the young person (not their key), kept with the texts so /forget finds closed chats too.
    forget_tag: str | None = None


@dataclass
class ChatMessageRow:
    """One message in a chat; the body is deleted with the row after the retention time."""

    chat_id: int
    at: datetime
    sender: str  # "young" or "staff"
    kind: str  # "text", "photo", "sticker"
    body: str  # the text, or the channel's file reference for a picture or sticker
    staff_id: int | None = None
    id: int | None = None


@dataclass
class ShiftRow:
    """One opening of a chat service as it happened: the workers on duty hang off it."""

    service: str
    starts_at: datetime
    ends_at: datetime
    started: bool = False  # the workers were told it began
    ended: bool = False  # the workers were told it ended and open chats were dealt with
    id: int | None = None


@dataclass
class DutyRow:
    """Whether a worker is on duty in a shift (from the rota at its start, or by hand). A row exists only for a
    worker who was on duty in the shift at some time; going off keeps it with ``on`` false."""

    shift_id: int
    staff_id: int
    on: bool
    changed_at: datetime


@dataclass
class RotaRow:
    """A worker on a slot of a service: "fri 12:00" (every Friday) or "2026-12-30 10:00" (an extra slot)."""

    service: str
    slot: str
    staff_id: int


@dataclass
class ClosingRow:
    """A change to a service's schedule made in Telegram: a closed day, or an extra slot on a day."""

    service: str
    day: date
    closed: bool
    start: time | None = None
    end: time | None = None
    id: int | None = None


@dataclass
class WeeklyRow:
    """A change to a service's weekly slots made in Telegram: a new weekly slot, or (``removed``) one of the
    services file's slots switched off. ``day`` is "mon".."sun"; times are Helsinki wall-clock times."""

    service: str
    day: str
    start: time
    end: time
    removed: bool = False
    id: int | None = None


class Chats(Protocol):
    async def add(self, row: ChatRow) -> int: ...
    async def get(self, chat_id: int) -> ChatRow | None: ...
    async def save(self, row: ChatRow) -> None: ...
    async def active_for_user(self, user_key: str) -> ChatRow | None: ...  # queued or open
    async def queued(self, service: str) -> list[ChatRow]: ...  # crisis first, then oldest first
    async def open_for_staff(self, staff_id: int) -> list[ChatRow]: ...  # status open, oldest first
    async def opened_between(self, since: datetime, until: datetime) -> list[ChatRow]: ...  # by opened_at
    async def add_message(self, row: ChatMessageRow) -> int: ...
    async def messages(self, chat_id: int) -> list[ChatMessageRow]: ...  # oldest first
    async def forget_closed(self, before: datetime) -> int: ...  # messages and comment of chats closed before
    async def forget(self, chat_id: int) -> None: ...  # this chat's messages and comment, now (after /forget)
    # The bot sent these messages (their channel ids) about this chat to the person: a swipe-reply finds it.
    async def remember_sent(self, user_key: str, chat_id: int, message_ids: Sequence[int]) -> None: ...
    async def sent_about(self, user_key: str, message_id: int) -> int | None: ...  # the chat, if remembered
    async def tagged(self, forget_tag: str) -> list[int]: ...  # chats whose texts still carry this tag


class Shifts(Protocol):
    async def get_or_add(self, row: ShiftRow) -> ShiftRow: ...  # one row per (service, starts_at)
    async def get(self, shift_id: int) -> ShiftRow | None: ...
    async def save(self, row: ShiftRow) -> None: ...
    async def unfinished(self) -> list[ShiftRow]: ...  # not ended, by starts_at
    async def started_between(self, since: datetime, until: datetime) -> list[ShiftRow]: ...  # by starts_at
    async def duty(self, shift_id: int) -> list[DutyRow]: ...  # by staff_id
    async def set_duty(self, row: DutyRow) -> None: ...  # insert or update


class Schedules(Protocol):
    async def rota(self, service: str) -> list[RotaRow]: ...  # by slot, then staff_id
    async def add_rota(self, row: RotaRow) -> None: ...  # a second add of the same row changes nothing
    async def remove_rota(self, row: RotaRow) -> None: ...
    async def closings(self, service: str) -> list[ClosingRow]: ...  # by day, then start
    async def add_closing(self, row: ClosingRow) -> int: ...
    async def remove_closing(self, closing_id: int) -> None: ...
    async def weekly(self, service: str) -> list[WeeklyRow]: ...  # by day (Monday first), then start
    async def add_weekly(self, row: WeeklyRow) -> int: ...
    async def remove_weekly(self, weekly_id: int) -> None: ...
