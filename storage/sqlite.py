"""The aiosqlite backend: one connection, WAL with group commit, foreign keys on, numbered SQL migrations."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

import aiosqlite

from storage.deferred import Deferring
from storage.group_commit import GroupCommit
from storage.ports.base import Deferred, StoreUnavailable, UnitOfWork
from storage.sql_repos.chat import _Chats, _Schedules, _Shifts
from storage.sql_repos.desk import _DeskLogins, _DeskSessions
from storage.sql_repos.effect import _EffectRecords
from storage.sql_repos.goal_services import _GoalServices
from storage.sql_repos.goals import _Goals
from storage.sql_repos.groups import _Groups
from storage.sql_repos.identity import _Audit, _Clients, _CodeAttempts, _Consents, _Invitations, _Shares, _Staff
from storage.sql_repos.meetings import _Evaluations, _Meetings, _Preparations
from storage.sql_repos.outbox import _Heartbeats, _Outbox, _Receipts
from storage.sql_repos.people import _Assessments, _Contacts, _Conversations, _Users
from storage.sql_repos.readings import _Readings

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


class _Work:
    def __init__(self, db: aiosqlite.Connection) -> None:
        self.users = _Users(db)
        self.conversations = _Conversations(db)
        self.assessments = _Assessments(db)
        self.staff = _Staff(db)
        self.clients = _Clients(db)
        self.invitations = _Invitations(db)
        self.consents = _Consents(db)
        self.audit = _Audit(db)
        self.code_attempts = _CodeAttempts(db)
        self.shares = _Shares(db)
        self.contacts = _Contacts(db)
        self.outbox = _Outbox(db)
        self.receipts = _Receipts(db)
        self.heartbeats = _Heartbeats(db)
        self.effect_records = _EffectRecords(db)
        self.chats = _Chats(db)
        self.shifts = _Shifts(db)
        self.schedules = _Schedules(db)
        self.preparations = _Preparations(db)
        self.evaluations = _Evaluations(db)
        self.meetings = _Meetings(db)
        self.goals = _Goals(db)
        self.groups = _Groups(db)
        self.readings = _Readings(db)
        self.goal_services = _GoalServices(db)
        self.desk_logins = _DeskLogins(db)
        self.desk_sessions = _DeskSessions(db)


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
    async def transaction(self) -> AsyncIterator[UnitOfWork]:
        async with self._lock:
            db = await self._connect()
            try:
                # BEGIN inside the try: a task cancelled while awaiting it (a browser tab closing mid-poll) has
                # still queued it on aiosqlite's thread, so the ROLLBACK below must follow it there; otherwise the
                # next transaction on this one connection fails ("cannot start a transaction within a transaction").
                await db.execute("BEGIN IMMEDIATE")
                work = _Work(db)
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
