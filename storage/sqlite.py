"""The aiosqlite backend: one connection, WAL with group commit, foreign keys on, numbered SQL migrations."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from importlib import resources
from pathlib import Path
from typing import Any, cast

import aiosqlite

from storage.deferred import Deferring
from storage.group_commit import GroupCommit
from storage.ports.base import SERIALIZABLE, Deferred, Isolation, StoreUnavailable, UnitOfWork
from storage.sql_repos.base import SQLITE, Row, Violation
from storage.sql_repos.work import SqlWork

log = logging.getLogger(__name__)


def migration_files() -> list[tuple[int, str, str]]:
    """The numbered migrations shipped in ``storage/migrations``, in order: (number, name, sql)."""
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        if entry.name.endswith(".sql"):
            number = int(entry.name.split("_", 1)[0])
            found.append((number, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def split_statements(sql: str) -> list[str]:
    """Split a migration into statements at each ``;`` that really ends one (not in a string or comment)."""
    statements, buffer = [], ""
    for char in sql:
        buffer += char
        if char == ";" and sqlite3.complete_statement(buffer):
            statement = "\n".join(
                line for line in buffer.strip().splitlines() if not line.lstrip().startswith("--")
            ).strip()
            if statement.strip(";").strip():
                statements.append(statement)
            buffer = ""
    rest = "\n".join(line for line in buffer.splitlines() if not line.lstrip().startswith("--")).strip()
    if rest:
        raise ValueError(f"unterminated SQL statement in migration: {rest[:60]!r}")
    return statements


class SqliteConnection:
    """aiosqlite as the repositories' ``Connection`` (storage.sql_repos.base)."""

    dialect = SQLITE

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        cursor = await self._db.execute(sql, params)
        return cursor.rowcount

    async def executemany(self, sql: str, params: Iterable[Sequence[Any]]) -> None:
        await self._db.executemany(sql, params)

    async def execute_fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return cast(list[Row], await self._db.execute_fetchall(sql, params))  # aiosqlite builds a list

    def savepoint(self) -> AbstractAsyncContextManager[None]:
        return _NO_SAVEPOINT  # a failed statement in SQLite undoes only itself

    def violation(self, error: BaseException) -> Violation | None:
        if not isinstance(error, sqlite3.IntegrityError):
            return None
        message = str(error)
        if "UNIQUE" in message:
            return "unique"
        if "CHECK" in message:
            return "check"
        return "foreign_key" if "FOREIGN KEY" in message else None


_NO_SAVEPOINT: AbstractAsyncContextManager[None] = nullcontext()


class SqliteStore(Deferring):
    """One shared connection; transactions are serialised by a lock and BEGIN IMMEDIATE."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._db: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self._deferred: list[Deferred] = []
        self.commits = GroupCommit(self.path + "-wal")

    async def _connect(self) -> aiosqlite.Connection:
        if self._db is None:
            db = await aiosqlite.connect(self.path, isolation_level=None)
            try:
                await db.execute("PRAGMA journal_mode = WAL")
                # A commit is written, not flushed, in the lock; `transaction` waits for the flush outside it.
                await db.execute("PRAGMA synchronous = NORMAL")
                await db.execute("PRAGMA foreign_keys = ON")
                # Deleted content is overwritten, not left in free pages (privacy: /forget means gone).
                await db.execute("PRAGMA secure_delete = ON")
                await db.execute("PRAGMA busy_timeout = 5000")
            except BaseException:
                # aiosqlite's thread is not a daemon: left open, it keeps a failed process alive forever.
                await db.close()
                raise
            self._db = db
        return self._db

    @asynccontextmanager
    async def transaction(self, person: str | None = None, *,
                          isolation: Isolation = SERIALIZABLE) -> AsyncIterator[UnitOfWork]:
        # ``person`` needs no lock of its own here: one connection runs one transaction at a time.
        async with self._lock:
            db = await self._connect()
            try:
                # BEGIN inside the try: a task cancelled while awaiting it (a browser tab closing mid-poll) has
                # still queued it on aiosqlite's thread, so the ROLLBACK below must follow it there; otherwise the
                # next transaction on this one connection fails ("cannot start a transaction within a transaction").
                await db.execute("BEGIN IMMEDIATE")
                work = SqlWork(SqliteConnection(db))
                async with self._deferred_first(work):
                    yield work
                await db.execute("COMMIT")
            except BaseException:
                await _rollback(db)
                raise
            commit = self.commits.committed()
        # On the disk before the caller goes on (sends the reply, confirms the update), without holding the
        # lock: the transactions committed meanwhile share the flush (storage.group_commit).
        await self.commits.durable(commit)

    async def migrate(self) -> None:
        """Apply every numbered migration not yet applied; a file that cannot be opened raises StoreUnavailable."""
        try:
            # Probe synchronously first (once, at start-up): when aiosqlite's own connect fails, its thread
            # finishes only after the event loop has closed and dies with a traceback of its own.
            probe = sqlite3.connect(self.path)
            try:
                probe.execute("PRAGMA schema_version")
            finally:
                probe.close()
            await self._migrate()
        except sqlite3.Error as error:
            await self.close()
            raise StoreUnavailable(f"cannot use the database {self.path}: {error}") from error

    async def _migrate(self) -> None:
        async with self._lock:
            db = await self._connect()
            await db.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (number INTEGER PRIMARY KEY, name TEXT NOT NULL)"
            )
            async with db.execute("SELECT number FROM schema_migrations") as cursor:
                done = {row[0] for row in await cursor.fetchall()}
            for number, name, sql in migration_files():
                if number in done:
                    continue
                log.info("storage.migrate number=%d name=%s", number, name)
                await db.execute("BEGIN IMMEDIATE")
                try:
                    for statement in split_statements(sql):
                        await db.execute(statement)
                    await db.execute(
                        "INSERT INTO schema_migrations (number, name) VALUES (?, ?)", (number, name)
                    )
                except BaseException:
                    await db.execute("ROLLBACK")
                    raise
                await db.execute("COMMIT")
            commit = self.commits.committed()
        await self.commits.durable(commit)

    async def applied_migrations(self) -> set[int]:
        """The numbers in ``schema_migrations``; none in a database never migrated (no such table yet)."""
        async with self._lock:
            db = await self._connect()
            if not await db.execute_fetchall(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"):
                return set()
            return {row[0] for row in await db.execute_fetchall("SELECT number FROM schema_migrations")}

    async def listen(self, wake: Callable[[str], None]) -> None:
        """Nothing to listen to: one process has this database, and its channels wake its ticker."""

    async def scrub(self) -> None:
        """Copy the write-ahead log into the database and truncate it, so old page images are gone too."""
        async with self._lock:
            db = await self._connect()
            await db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def close(self) -> None:
        if self._db is not None:
            try:
                await self.flush()  # a sent reply is marked sent before the process ends
            finally:
                await self._db.close()
                self._db = None


async def _rollback(db: aiosqlite.Connection) -> None:
    """End whatever transaction is open, if any: after a failed BEGIN or COMMIT there may be none, and a COMMIT
    cancelled in flight may have finished on the thread (its ROLLBACK then finds nothing to undo)."""
    try:
        await asyncio.shield(db.execute("ROLLBACK"))
    except sqlite3.OperationalError as error:
        if "no transaction is active" not in str(error):
            raise
