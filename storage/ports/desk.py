"""The worker's desk in a browser (#13): one-time login links and the sessions they open.

Only hashes of the link's token and of the session's id are stored: the database alone opens no desk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass
class DeskLoginRow:
    """A one-time login link sent to a worker: spent by the first login, dead after ``expires_at``."""

    token_hash: str
    staff_id: int
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    id: int | None = None


@dataclass
class DeskSessionRow:
    """A worker's desk in a browser: the cookie's hash, whose it is, its CSRF token, and when it was last used."""

    session_hash: str
    staff_id: int
    csrf: str
    created_at: datetime
    seen_at: datetime
    id: int | None = None


class DeskLogins(Protocol):
    async def add(self, row: DeskLoginRow) -> int: ...
    async def find(self, token_hash: str) -> DeskLoginRow | None: ...
    # Marks the link used and returns it, once, while it has not expired at ``at``; None for any other link.
    async def spend(self, token_hash: str, at: datetime) -> DeskLoginRow | None: ...
    async def purge(self, before: datetime) -> int: ...  # links that expired before ``before``


class DeskSessions(Protocol):
    async def add(self, row: DeskSessionRow) -> int: ...
    async def get(self, session_hash: str) -> DeskSessionRow | None: ...
    async def touch(self, session_id: int, at: datetime) -> None: ...
    async def end(self, session_id: int) -> None: ...
    # Sessions not used since ``seen_before`` or opened before ``created_before``.
    async def purge(self, seen_before: datetime, created_before: datetime) -> int: ...
