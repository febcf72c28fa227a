"""ESY readings' ports (#12 §1): a worker's own reading of a client's situation, and the comment lines each
side adds to the comparison with the client's shared circle.

Backends: ``storage/sql_repos/readings.py`` and ``storage/memory_repos/readings.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

SIDES = ("client", "worker")


@dataclass
class ReadingRow:
    """A worker's reading of one client's situation on the ESY instrument (the client's words are not in it)."""

    client_id: int
    staff_id: int
    instrument_id: str
    instrument_version: int
    completed_at: datetime
    ratings: dict[str, int | None]
    area_scores: dict[str, float | None]
    # Whether the worker had opened the client's latest shared circle before starting (said beside it).
    saw_circle: bool
    id: int | None = field(default=None)


@dataclass
class ReadingCommentRow:
    """One line by one side (``client`` or ``worker``) about one area of a comparison: a reading beside a
    shared circle (``assessment_id``)."""

    reading_id: int
    assessment_id: int
    area_id: str
    side: str
    text: str
    written_at: datetime


class Readings(Protocol):
    async def add(self, row: ReadingRow) -> int: ...
    async def get(self, reading_id: int) -> ReadingRow | None: ...
    async def for_client(self, client_id: int) -> list[ReadingRow]: ...  # oldest first
    async def delete_for_client(self, client_id: int) -> int: ...  # how many readings went (comments go too)
    # One line per reading, circle, area and side: written again, the latest wins.
    async def comment(self, row: ReadingCommentRow) -> None: ...
    async def comments(self, reading_id: int) -> list[ReadingCommentRow]: ...  # by circle, area, side
