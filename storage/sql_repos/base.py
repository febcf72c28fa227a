"""What every aiosqlite repository shares: the ``_Repo`` base, SQLite's errors as the port's, time columns."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import aiosqlite

from storage.codec import dump_time, load_time
from storage.ports.base import Conflict, UnknownRow, UnknownUser


@asynccontextmanager
async def _constraints(db: aiosqlite.Connection, *user_keys: str | None) -> AsyncIterator[None]:
    """Turn SQLite's constraint failures into the port's own errors (the memory fake raises the same).

    A failed foreign key does not say which one failed, so the user keys the row refers to are looked
    up: a missing user is ``UnknownUser``, any other missing row ``UnknownRow``.
    """
    try:
        yield
    except sqlite3.IntegrityError as error:
        message = str(error)
        if "UNIQUE" in message:
            raise Conflict(message) from error
        if "CHECK" in message:
            raise ValueError(message) from error
        if "FOREIGN KEY" not in message:
            raise
        for key in user_keys:
            if key is not None:
                async with db.execute("SELECT 1 FROM users WHERE key = ?", (key,)) as cursor:
                    if await cursor.fetchone() is None:
                        raise UnknownUser("row for an unknown user") from error
        raise UnknownRow("row refers to a missing row") from error


def _time(text: str | None) -> datetime | None:
    return None if text is None else load_time(text)


def _dump(value: datetime | None) -> str | None:
    return None if value is None else dump_time(value)


class _Repo:
    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    # One hop to aiosqlite's thread per query: a cursor's execute, fetch and close are three, and under load
    # the hops, not SQLite, were most of an update's cost (docs/benchmarks.md).
    async def _one(self, sql: str, params: Sequence[Any]) -> aiosqlite.Row | None:
        rows = list(await self._db.execute_fetchall(sql, params))
        return rows[0] if rows else None

    async def _all(self, sql: str, params: Sequence[Any]) -> Iterable[aiosqlite.Row]:
        return await self._db.execute_fetchall(sql, params)

    async def _insert(self, sql: str, params: Sequence[Any], *user_keys: str | None) -> int:
        async with _constraints(self._db, *user_keys):
            cursor = await self._db.execute(sql, params)
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    async def _update(self, sql: str, params: Sequence[Any], *user_keys: str | None) -> None:
        """Run an UPDATE of one row by id (the last parameter); a missing row is ``UnknownRow``."""
        if params[-1] is None:
            raise ValueError("cannot save a row without an id")
        async with _constraints(self._db, *user_keys):
            cursor = await self._db.execute(sql, params)
        if cursor.rowcount == 0:
            raise UnknownRow(f"no row {params[-1]} to save")
