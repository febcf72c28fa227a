"""The aiosqlite backend: one connection, WAL, foreign keys on, numbered SQL migrations."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

import aiosqlite

from storage.codec import dump_json, dump_time, load_json, load_time
from storage.ports import AssessmentRow, ConversationRow, UnitOfWork, UnknownUser, UserRow

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


@asynccontextmanager
async def _known_user() -> AsyncIterator[None]:
    """Turn SQLite's foreign-key failure into the port's own error."""
    try:
        yield
    except sqlite3.IntegrityError as error:
        if "FOREIGN KEY" not in str(error):
            raise
        raise UnknownUser("row for an unknown user") from error


class _Users:
    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def get(self, key: str) -> UserRow | None:
        async with self._db.execute(
            "SELECT key, language, created_at, last_seen_at FROM users WHERE key = ?", (key,)
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        return UserRow(row[0], row[1], load_time(row[2]), load_time(row[3]))

    async def save(self, row: UserRow) -> None:
        await self._db.execute(
            "INSERT INTO users (key, language, created_at, last_seen_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET language = excluded.language, "
            "last_seen_at = excluded.last_seen_at",
            (row.key, row.language, dump_time(row.created_at), dump_time(row.last_seen_at)),
        )


class _Conversations:
    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def get(self, key: str) -> ConversationRow | None:
        async with self._db.execute(
            "SELECT key, flow, state, flow_version, step, data, updated_at FROM conversations "
            "WHERE key = ?",
            (key,),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        return ConversationRow(row[0], row[1], row[2], row[3], row[4], load_json(row[5]), load_time(row[6]))

    async def save(self, row: ConversationRow) -> None:
        async with _known_user():
            await self._execute_save(row)

    async def _execute_save(self, row: ConversationRow) -> None:
        await self._db.execute(
            "INSERT INTO conversations (key, flow, state, flow_version, step, data, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET flow = excluded.flow, "
            "state = excluded.state, flow_version = excluded.flow_version, step = excluded.step, "
            "data = excluded.data, updated_at = excluded.updated_at",
            (row.key, row.flow, row.state, row.flow_version, row.step, dump_json(row.data),
             dump_time(row.updated_at)),
        )

    async def delete(self, key: str) -> None:
        await self._db.execute("DELETE FROM conversations WHERE key = ?", (key,))


_ASSESSMENT_COLUMNS = (
    "id, user_key, instrument_id, instrument_version, completed_at, ratings, area_scores, wishes"
)


def _assessment(row: aiosqlite.Row) -> AssessmentRow:
    return AssessmentRow(
        id=row[0], user_key=row[1], instrument_id=row[2], instrument_version=row[3],
        completed_at=load_time(row[4]), ratings=load_json(row[5]), area_scores=load_json(row[6]),
        wishes=load_json(row[7]),
    )


class _Assessments:
    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def add(self, row: AssessmentRow) -> int:
        async with _known_user():
            return await self._insert(row)

    async def _insert(self, row: AssessmentRow) -> int:
        cursor = await self._db.execute(
            "INSERT INTO assessments (user_key, instrument_id, instrument_version, completed_at, "
            "ratings, area_scores, wishes) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (row.user_key, row.instrument_id, row.instrument_version, dump_time(row.completed_at),
             dump_json(row.ratings), dump_json(row.area_scores), dump_json(row.wishes)),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    async def latest(self, user_key: str, instrument_id: str) -> AssessmentRow | None:
        async with self._db.execute(
            f"SELECT {_ASSESSMENT_COLUMNS} FROM assessments WHERE user_key = ? AND instrument_id = ? "
            "ORDER BY completed_at DESC, id DESC LIMIT 1",
            (user_key, instrument_id),
        ) as cursor:
            row = await cursor.fetchone()
        return _assessment(row) if row else None

    async def for_user(self, user_key: str) -> list[AssessmentRow]:
        async with self._db.execute(
            f"SELECT {_ASSESSMENT_COLUMNS} FROM assessments WHERE user_key = ? ORDER BY completed_at, id",
            (user_key,),
        ) as cursor:
            return [_assessment(row) for row in await cursor.fetchall()]


class _Work:
    def __init__(self, db: aiosqlite.Connection) -> None:
        self.users = _Users(db)
        self.conversations = _Conversations(db)
        self.assessments = _Assessments(db)


class SqliteStore:
    """One shared connection; transactions are serialised by a lock and BEGIN IMMEDIATE."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._db: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    async def _connect(self) -> aiosqlite.Connection:
        if self._db is None:
            db = await aiosqlite.connect(self.path, isolation_level=None)
            await db.execute("PRAGMA journal_mode = WAL")
            await db.execute("PRAGMA foreign_keys = ON")
            await db.execute("PRAGMA busy_timeout = 5000")
            self._db = db
        return self._db

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[UnitOfWork]:
        async with self._lock:
            db = await self._connect()
            await db.execute("BEGIN IMMEDIATE")
            try:
                yield _Work(db)
            except BaseException:
                await db.execute("ROLLBACK")
                raise
            await db.execute("COMMIT")

    async def migrate(self) -> None:
        """Apply every numbered migration not yet applied, each in its own transaction."""
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

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None
