"""The PostgreSQL backend: psycopg 3 with a connection pool, SERIALIZABLE transactions, numbered SQL migrations.

It runs the same repositories as SQLite (``storage.sql_repos``) through ``PgConnection``. SQLite runs one
transaction at a time; here several processes share the database, so to keep that meaning without auditing
every flow each transaction is SERIALIZABLE: one that loses to a concurrent one raises ``Contention`` and the
caller runs it again. One person's transactions (``transaction(person=...)``) take a lock on that person first,
so they run one at a time across processes and rarely contend at all.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import lru_cache
from importlib import resources
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import errors
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from storage.deferred import Deferring
from storage.ports.base import (
    READ_COMMITTED,
    SERIALIZABLE,
    ConnectionLost,
    Contention,
    Deferred,
    Isolation,
    StoreUnavailable,
    UnitOfWork,
)
from storage.sql_repos.base import POSTGRESQL, Row, Violation
from storage.sql_repos.outbox import OUTBOX_CHANNEL
from storage.sql_repos.work import SqlWork

log = logging.getLogger(__name__)

# A serialization failure (40001) and a deadlock (40P01): the transaction was rolled back and may be run again.
_CONTENDED = (errors.SerializationFailure, errors.DeadlockDetected)
# Tables that hold people's data: vacuumed after a /forget so the deleted rows' space is reclaimed at once.
PERSONAL_TABLES = (
    "users", "conversations", "assessments", "contacts", "outbox", "chats", "chat_messages", "chat_sent",
    "staff", "clients", "pairs", "invitations", "consents", "audit_log", "code_attempts", "shares",
    "preparations", "meetings", "participants", "promises", "evaluations", "readings", "reading_comments",
    "goals", "goal_revisions", "goal_services", "goal_service_followups", "group_members", "group_answers",
    "desk_logins", "desk_sessions",
)
# The advisory lock that lets only one process migrate at a time (any constant, Kaari's own).
_MIGRATION_LOCK = 0x4B61617269  # "Kaari"
LISTEN_AGAIN = 5.0  # seconds before a lost LISTEN connection is opened again


def migration_files() -> list[tuple[int, str, str]]:
    """The numbered migrations shipped in ``storage/migrations_pg``, in order: (number, name, sql)."""
    found = []
    for entry in resources.files("storage.migrations_pg").iterdir():
        if entry.name.endswith(".sql"):
            number = int(entry.name.split("_", 1)[0])
            found.append((number, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


@lru_cache(maxsize=1024)
def placeholders(sql: str) -> str:
    """The repositories' SQL with psycopg's placeholders: ``?`` outside quotes becomes ``%s``, ``%`` is doubled."""
    out, quoted = [], False
    for char in sql:
        if char == "'":
            quoted = not quoted
        out.append("%s" if char == "?" and not quoted else "%%" if char == "%" else char)
    return "".join(out)


def person_lock(key: str) -> int:
    """The advisory lock's id for one person: a signed 64-bit hash of their key."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


def redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class PgConnection:
    """A psycopg connection as the repositories' ``Connection`` (storage.sql_repos.base)."""

    dialect = POSTGRESQL

    def __init__(self, conn: psycopg.AsyncConnection[Any]) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        try:
            cursor = await self._conn.execute(placeholders(sql), tuple(params))
        except _CONTENDED as error:
            raise _contention(error) from error
        return cursor.rowcount

    async def executemany(self, sql: str, params: Iterable[Sequence[Any]]) -> None:
        try:
            async with self._conn.cursor() as cursor:
                await cursor.executemany(placeholders(sql), [tuple(row) for row in params])
        except _CONTENDED as error:
            raise _contention(error) from error

    async def execute_fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        try:
            cursor = await self._conn.execute(placeholders(sql), tuple(params))
            return cast(list[Row], await cursor.fetchall())
        except _CONTENDED as error:
            raise _contention(error) from error

    def savepoint(self) -> AbstractAsyncContextManager[None]:
        # A failed statement aborts a PostgreSQL transaction: a savepoint keeps the failure to itself, so a
        # caller may catch Conflict and go on, as on SQLite.
        return _savepoint(self._conn)

    def violation(self, error: BaseException) -> Violation | None:
        if isinstance(error, errors.UniqueViolation):
            return "unique"
        if isinstance(error, errors.CheckViolation):
            return "check"
        return "foreign_key" if isinstance(error, errors.ForeignKeyViolation) else None


@asynccontextmanager
async def _savepoint(conn: psycopg.AsyncConnection[Any]) -> AsyncIterator[None]:
    async with conn.transaction():  # nested: SAVEPOINT, then RELEASE or ROLLBACK TO
        yield


async def _configure(conn: psycopg.AsyncConnection[Any]) -> None:
    # Autocommit, so that psycopg's transaction() sends BEGIN itself and a session lock can be taken outside one.
    await conn.set_autocommit(True)
    await conn.set_isolation_level(psycopg.IsolationLevel.SERIALIZABLE)


class PostgresStore(Deferring):
    """A pool of connections to one database; every transaction SERIALIZABLE (see the module's docstring)."""

    def __init__(self, url: str, *, max_connections: int = 10, connect_timeout: float = 10.0) -> None:
        self.url = url
        self._timeout = connect_timeout
        # check: a pooled connection is tried before it is lent (one round trip), so after the server restarted
        # each idle connection is replaced there, not found dead by an update.
        self._pool = AsyncConnectionPool(
            url, min_size=1, max_size=max_connections, open=False, configure=_configure,
            check=AsyncConnectionPool.check_connection,
            kwargs={"connect_timeout": max(1, round(connect_timeout))}, timeout=connect_timeout,
        )
        self._opened = False
        self._opening = asyncio.Lock()
        self._deferred: list[Deferred] = []
        self._listener: asyncio.Task[None] | None = None

    async def _open(self) -> None:
        if self._opened:
            return
        async with self._opening:  # the first transactions of a fresh store may start side by side
            if self._opened:
                return
            try:
                # One connection first, for libpq's own reason when it fails (the pool would only time out).
                probe = await psycopg.AsyncConnection.connect(
                    self.url, connect_timeout=max(1, round(self._timeout)))
                await probe.close()
                await self._pool.open(wait=True, timeout=self._timeout)
            except Exception as error:
                await self._pool.close()
                raise StoreUnavailable(
                    f"cannot use the database {redacted(self.url)}: {_reason(error)}") from error
            self._opened = True

    @asynccontextmanager
    async def transaction(self, person: str | None = None, *,
                          isolation: Isolation = SERIALIZABLE) -> AsyncIterator[UnitOfWork]:
        await self._open()
        try:
            async with self._transaction(person, isolation) as work:
                yield work
        except psycopg.OperationalError as error:
            if not _lost(error):
                raise
            log.warning("storage.connection_lost error=%s", type(error).__name__)  # no URL, no statement
            raise ConnectionLost(f"lost the database {redacted(self.url)}: {_reason(error)}") from error

    @asynccontextmanager
    async def _transaction(self, person: str | None, isolation: Isolation) -> AsyncIterator[UnitOfWork]:
        async with self._pool.connection() as conn:
            # A session lock taken before BEGIN, not a transaction lock inside it: the first statement of a
            # SERIALIZABLE transaction fixes its snapshot, so one that waited for the lock inside would read the
            # person as they were before the transaction it waited for, and fail on writing (40001) every time.
            lock = None if person is None else person_lock(person)
            taken: list[Deferred] = []
            try:
                if lock is not None:  # in the try: cancelled while it was granted, it is still released
                    await conn.execute("SELECT pg_advisory_lock(%s)", (lock,))
                try:
                    async with conn.transaction():
                        if isolation == READ_COMMITTED:  # before the first query, which fixes the snapshot
                            await conn.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
                        work = SqlWork(PgConnection(conn))
                        async with self._deferred_first(work, taken):
                            yield work
                except _CONTENDED as error:  # at COMMIT, or raised by the driver outside a repository
                    raise _contention(error) from error
            except BaseException:
                # Rolled back, at COMMIT too: the deferred writes it took (a sent reply marked sent) wait for the
                # next transaction, instead of being lost and the reply left 'sending' (sent again one day).
                self._deferred[:0] = taken
                raise
            finally:
                if lock is not None:
                    await _unlock(conn, lock)

    async def migrate(self) -> None:
        """Apply every numbered migration not yet applied, one process at a time; unreachable: StoreUnavailable."""
        await self._open()
        async with self._pool.connection() as conn:
            await conn.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK,))
            try:
                await conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (number INTEGER PRIMARY KEY, name TEXT NOT NULL)"
                )
                cursor = await conn.execute("SELECT number FROM schema_migrations")
                done = {row[0] for row in await cursor.fetchall()}
                for number, name, sql in migration_files():
                    if number in done:
                        continue
                    log.info("storage.migrate number=%d name=%s", number, name)
                    async with conn.transaction():
                        await conn.execute(cast(Any, sql))  # no parameters: the whole file in one round trip
                        await conn.execute(
                            "INSERT INTO schema_migrations (number, name) VALUES (%s, %s)", (number, name)
                        )
            finally:
                await _unlock(conn, _MIGRATION_LOCK)

    async def applied_migrations(self) -> set[int]:
        """The numbers in ``schema_migrations``; none in a database never migrated (no such table yet)."""
        await self._open()
        async with self._pool.connection() as conn:
            cursor = await conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL")
            found = await cursor.fetchone()
            if not found or not found[0]:
                return set()
            cursor = await conn.execute("SELECT number FROM schema_migrations")
            return {row[0] for row in await cursor.fetchall()}

    async def scrub(self) -> None:
        """VACUUM the tables that hold people's data: deleted rows are removed from them now, not some day.

        Unlike SQLite's secure_delete, VACUUM does not overwrite the removed rows' bytes: they stay in the data
        files until the space is used again (and in the write-ahead log and backups); VACUUM FULL would rewrite
        the tables but locks each one while it runs, so it is left to the operator (README).
        """
        await self._open()
        async with self._pool.connection() as conn:
            # VACUUM runs outside a transaction (the pool's connections are in autocommit).
            await conn.execute("VACUUM " + ", ".join(PERSONAL_TABLES))

    async def listen(self, wake: Callable[[str], None]) -> None:
        """LISTEN for committed outbox rows (the outbox's add notifies OUTBOX_CHANNEL with the recipient's key,
        delivered at commit, from any process) on a connection of its own, and call ``wake`` with each key. A lost
        connection is opened again after a pause; meanwhile the tickers' rounds still send every row."""
        await self._open()
        if self._listener is None:
            listening = asyncio.Event()
            self._listener = asyncio.create_task(self._listen(wake, listening), name="kaari:listen")
            # Returns once LISTEN is in place (a row committed after this wakes), or the first try failed.
            await asyncio.wait({self._listener, asyncio.ensure_future(listening.wait())}, timeout=self._timeout,
                               return_when=asyncio.FIRST_COMPLETED)

    async def _listen(self, wake: Callable[[str], None], listening: asyncio.Event) -> None:
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(
                    self.url, autocommit=True, connect_timeout=max(1, round(self._timeout)))
                try:
                    await conn.execute(f"LISTEN {OUTBOX_CHANNEL}")
                    listening.set()
                    async for notice in conn.notifies():
                        wake(notice.payload)
                finally:
                    await conn.close()
            except psycopg.Error as error:
                log.warning("storage.listen_lost error=%s", type(error).__name__)
            await asyncio.sleep(LISTEN_AGAIN)

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
            self._listener = None
        if self._opened:
            try:
                await self.flush()  # a sent reply is marked sent before the process ends
            finally:
                await self._pool.close()
                self._opened = False


async def _unlock(conn: psycopg.AsyncConnection[Any], lock: int) -> None:
    """Release a session lock; if that fails, end the session (which releases it) rather than pool a holder."""
    try:
        await conn.execute("SELECT pg_advisory_unlock(%s)", (lock,))
    except BaseException:
        await conn.close()
        raise


def _lost(error: psycopg.OperationalError) -> bool:
    """Whether ``error`` says the server is gone: libpq's own (no SQLSTATE: the socket closed), a connection
    exception (08…), the server shutting down or ending the session (57P01-57P03), or no connection to be had."""
    state = error.sqlstate
    return isinstance(error, PoolTimeout) or state is None or state.startswith("08") or state in (
        "57P01", "57P02", "57P03")


def _contention(error: psycopg.Error) -> Contention:
    """Contention for a serialization failure or a deadlock, with PostgreSQL's reason for the log (its SQLSTATE
    and, for a serialization failure, the reason code: "Canceled on identification as a pivot, during write")."""
    detail = "".join(char for char in (error.diag.message_detail or "").removeprefix("Reason code: ").rstrip(".")
                     if not char.isdigit())
    if isinstance(error, errors.DeadlockDetected):
        detail = "deadlock"  # its detail names processes and statements: not for the log
    return Contention(str(error), f"{error.sqlstate}:{detail.replace(' ', '_')}")


def _reason(error: BaseException) -> str:
    """The driver's first line (libpq's messages run on), or the error's name."""
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
