"""What every SQL repository shares: the connection they run on, its dialect, constraint errors as the port's.

The repositories are written once for SQLite and PostgreSQL. They see a backend's database only through
``Connection`` (``?`` placeholders, rows as sequences, a statement's row count) and, where the two dialects
really differ, through a named ``Dialect`` hook; each backend gives an adapter (``storage.sqlite``,
``storage.postgres``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from storage.codec import dump_time, load_time
from storage.ports.base import Conflict, UnknownRow, UnknownUser

Row = Sequence[Any]
Violation = Literal["unique", "check", "foreign_key"]


@dataclass(frozen=True)
class Dialect:
    """The few SQL fragments the two databases spell differently (each a template around one ``?``)."""

    name: str
    # The strings of a JSON array parameter as a one-column table, for ``x IN (<json_texts>)``.
    json_texts: str


SQLITE = Dialect("sqlite", json_texts="SELECT value FROM json_each(?)")
POSTGRESQL = Dialect("postgresql", json_texts="SELECT jsonb_array_elements_text(CAST(? AS jsonb))")


class Connection(Protocol):
    """The part of a database connection the repositories use, inside a transaction the store opened."""

    dialect: Dialect

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; how many rows it changed."""
        ...

    async def executemany(self, sql: str, params: Iterable[Sequence[Any]]) -> None:
        """Run one statement once per parameter row."""
        ...

    async def execute_fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Run one query; all its rows."""
        ...

    def savepoint(self) -> AbstractAsyncContextManager[None]:
        """Make a failed statement inside undo only itself (PostgreSQL aborts the whole transaction otherwise)."""
        ...

    def violation(self, error: BaseException) -> Violation | None:
        """Which constraint ``error`` reports as broken, if it is the driver's constraint error at all."""
        ...


@asynccontextmanager
async def _constraints(db: Connection, *user_keys: str | None) -> AsyncIterator[None]:
    """Turn the database's constraint failures into the port's own errors (the memory fake raises the same).

    A failed foreign key does not say which one failed in SQLite, so the user keys the row refers to are looked
    up: a missing user is ``UnknownUser``, any other missing row ``UnknownRow``. The statement runs in a
    savepoint, so a caller that catches the error can go on with its transaction on PostgreSQL too.
    """
    try:
        async with db.savepoint():
            yield
    except Exception as error:
        violation = db.violation(error)
        if violation is None:
            raise
        if violation == "unique":
            raise Conflict(str(error)) from error
        if violation == "check":
            raise ValueError(str(error)) from error
        for key in user_keys:
            if key is not None and not await db.execute_fetchall("SELECT 1 FROM users WHERE key = ?", (key,)):
                raise UnknownUser("row for an unknown user") from error
        raise UnknownRow("row refers to a missing row") from error


def _time(text: str | None) -> datetime | None:
    return None if text is None else load_time(text)


def _dump(value: datetime | None) -> str | None:
    return None if value is None else dump_time(value)


class _Repo:
    def __init__(self, db: Connection) -> None:
        self._db = db

    # One hop to the database per query: under load the hops, not the database, were most of an update's cost
    # (docs/benchmarks.md).
    async def _one(self, sql: str, params: Sequence[Any]) -> Row | None:
        rows = await self._db.execute_fetchall(sql, params)
        return rows[0] if rows else None

    async def _all(self, sql: str, params: Sequence[Any]) -> list[Row]:
        return await self._db.execute_fetchall(sql, params)

    async def _insert(self, sql: str, params: Sequence[Any], *user_keys: str | None) -> int:
        """Run an INSERT into a table with an ``id`` column; the new row's id."""
        async with _constraints(self._db, *user_keys):
            rows = await self._db.execute_fetchall(sql + " RETURNING id", params)
        return int(rows[0][0])

    async def _update(self, sql: str, params: Sequence[Any], *user_keys: str | None) -> None:
        """Run an UPDATE of one row by id (the last parameter); a missing row is ``UnknownRow``."""
        if params[-1] is None:
            raise ValueError("cannot save a row without an id")
        async with _constraints(self._db, *user_keys):
            count = await self._db.execute(sql, params)
        if count == 0:
            raise UnknownRow(f"no row {params[-1]} to save")
