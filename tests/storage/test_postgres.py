"""What only the PostgreSQL backend has: its migrations beside SQLite's, contention, the person lock, savepoints,
placeholders, an unreachable server, scrub. The behaviour both share is in the contract suites."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

import tests.pg
from flows.core.contention import retrying
from storage import postgres, sqlite
from storage.open import open_store
from storage.ports import Conflict, Contention, StaffRow, StoreUnavailable, UnitOfWork, UserRow
from storage.postgres import PostgresStore, placeholders, redacted
from storage.sqlite import SqliteStore
from tests.pg import PgServer

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def test_both_backends_have_the_same_migrations_by_number_and_name() -> None:
    assert [(number, name) for number, name, _ in postgres.migration_files()] == [
        (number, name) for number, name, _ in sqlite.migration_files()]


def sqlite_schema(path: str) -> tuple[dict[str, dict[str, bool]], set[str]]:
    """Each table's columns (name -> nullable) and the names of the indexes made by the migrations."""
    with closing(sqlite3.connect(path)) as db:
        tables = [row[0] for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        columns = {table: {row[1]: not row[3] and not row[5] for row in db.execute(f"PRAGMA table_info({table})")}
                   for table in tables}
        indexes = {row[0] for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")}
    return columns, indexes


def pg_schema(url: str) -> tuple[dict[str, dict[str, bool]], set[str]]:
    with psycopg.connect(url) as conn:
        columns: dict[str, dict[str, bool]] = {}
        for table, column, nullable in conn.execute(
                "SELECT table_name, column_name, is_nullable FROM information_schema.columns "
                "WHERE table_schema = 'public'"):
            columns.setdefault(table, {})[column] = nullable == "YES"
        # The indexes behind PRIMARY KEY and UNIQUE constraints are named by each database its own way.
        indexes = {row[0] for row in conn.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))")}
    return columns, indexes


async def test_both_backends_migrate_to_the_same_tables_columns_and_indexes(
        sqlite_store: SqliteStore, postgresql_store: PostgresStore) -> None:
    lite_columns, lite_indexes = sqlite_schema(sqlite_store.path)
    pg_columns, pg_indexes = pg_schema(postgresql_store.url)
    assert sorted(pg_columns) == sorted(lite_columns)
    for table, columns in lite_columns.items():
        assert pg_columns[table] == columns, table
    assert pg_indexes == lite_indexes


async def test_every_text_column_compares_bytewise_as_in_sqlite(postgresql_store: PostgresStore) -> None:
    """Keys and ISO times sort as SQLite sorts them, whatever the database's locale says."""
    with psycopg.connect(postgresql_store.url) as conn:
        loose = conn.execute(
            "SELECT table_name, column_name, collation_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND data_type = 'text' AND table_name <> 'schema_migrations' "
            "AND collation_name IS DISTINCT FROM 'C'").fetchall()
    assert loose == []


def test_placeholders_become_psycopgs_outside_quotes_only() -> None:
    assert placeholders("SELECT ? WHERE a = '?' AND b LIKE '5%' AND c = ?") == (
        "SELECT %s WHERE a = '?' AND b LIKE '5%%' AND c = %s")
    assert placeholders("SELECT 1") is placeholders("SELECT 1")  # translated once


def test_a_url_is_shown_without_its_password() -> None:
    assert redacted("postgresql://kaari:s3cret@db.example:5433/kaari") == "postgresql://kaari:***@db.example:5433/kaari"
    assert redacted("postgresql://kaari@/kaari?host=/run/pg") == "postgresql://kaari@/kaari?host=/run/pg"


async def test_an_unreachable_server_is_store_unavailable_at_once(tmp_path: Path) -> None:
    store = PostgresStore(f"postgresql://kaari:s3cret@/kaari?host={tmp_path}", connect_timeout=2)
    with pytest.raises(StoreUnavailable) as raised:
        await asyncio.wait_for(store.migrate(), 10)
    assert "s3cret" not in str(raised.value)
    assert "postgresql://kaari:***@" in str(raised.value)
    await store.close()


async def test_the_loser_of_two_conflicting_transactions_gets_contention(postgresql_store: PostgresStore) -> None:
    async with postgresql_store.transaction() as work:
        await work.users.save(UserRow("u1", "fi", T0, T0))
    both_read = asyncio.Barrier(2)

    async def touch(language: str) -> None:
        async with postgresql_store.transaction() as work:
            user = await work.users.get("u1")
            await both_read.wait()
            assert user is not None
            user.language = language
            await work.users.save(user)

    outcomes = await asyncio.gather(touch("sv"), touch("en"), return_exceptions=True)
    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["Contention", "NoneType"]
    assert isinstance(Contention("x"), RuntimeError)


async def test_one_persons_transactions_wait_for_each_other_and_do_not_contend(
        postgresql_store: PostgresStore) -> None:
    """With ``person`` the second waits for the first and then reads what it wrote: no Contention, no lost write."""
    async with postgresql_store.transaction() as work:
        await work.users.save(UserRow("u1", "fi", T0, T0))
    other = PostgresStore(postgresql_store.url)  # as another instance would
    tries = 0

    async def add_letter(store: PostgresStore, letter: str) -> None:
        nonlocal tries
        tries += 1
        async with store.transaction(person="u1") as work:
            user = await work.users.get("u1")
            assert user is not None
            await asyncio.sleep(0.05)  # both are inside at once, unless the lock keeps the second out
            user.language += letter
            await work.users.save(user)

    try:
        await asyncio.gather(*(add_letter(store, letter) for store, letter in
                               [(postgresql_store, "a"), (other, "b"), (postgresql_store, "c"), (other, "d")]))
    finally:
        await other.close()
    async with postgresql_store.transaction() as work:
        user = await work.users.get("u1")
    assert user is not None and sorted(user.language) == sorted("fiabcd")
    assert tries == 4


async def test_retrying_runs_a_contended_body_again_until_it_commits(postgresql_store: PostgresStore) -> None:
    async with postgresql_store.transaction() as work:
        await work.users.save(UserRow("u1", "", T0, T0))

    async def add_letter(letter: str) -> None:
        async with postgresql_store.transaction() as work:
            user = await work.users.get("u1")
            assert user is not None
            await asyncio.sleep(0.01)
            user.language += letter
            await work.users.save(user)

    def body(letter: str) -> Callable[[], Awaitable[None]]:
        return lambda: add_letter(letter)

    await asyncio.gather(*(retrying(body(letter), what="test", tries=20) for letter in "abc"))
    async with postgresql_store.transaction() as work:
        user = await work.users.get("u1")
    assert user is not None and sorted(user.language) == ["a", "b", "c"]


async def test_a_caught_conflict_leaves_the_transaction_usable(postgresql_store: PostgresStore) -> None:
    """PostgreSQL aborts a transaction at a failed statement; the savepoint keeps the failure to that statement."""
    async with postgresql_store.transaction() as work:
        await work.users.save(UserRow("u1", "fi", T0, T0))
        await work.staff.add(StaffRow("Aino", "", "Org", True, True, T0, user_key="u1"))
        with pytest.raises(Conflict):
            await work.staff.add(StaffRow("Bea", "", "Org", False, True, T0, user_key="u1"))
        await work.users.save(UserRow("u2", "sv", T0, T0))
    async with postgresql_store.transaction() as work:
        assert [row.name for row in await work.staff.all()] == ["Aino"]
        assert await work.users.get("u2") is not None


async def test_scrub_vacuums_the_deleted_rows_away(pg_server: PgServer) -> None:
    """The rows /forget deleted are vacuumed at once (not when autovacuum comes by). VACUUM does not overwrite
    their bytes in the pages, though: what a backup or the files keep is said in the README."""
    name = pg_server.fresh()
    store = PostgresStore(pg_server.url(name))
    try:
        async with store.transaction() as work:
            await work.users.save(UserRow("forget-me", "fi", T0, T0))
            await work.users.save(UserRow("keep-me", "fi", T0, T0))
        async with store.transaction() as work:
            await work.users.delete("forget-me")
        with psycopg.connect(store.url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION pgstattuple")
            dead = "SELECT dead_tuple_count FROM pgstattuple('users')"
            assert conn.execute(dead).fetchone() == (1,)
            await store.scrub()
            assert conn.execute(dead).fetchone() == (0,)
    finally:
        await store.close()
        pg_server.drop(name)


def test_open_store_picks_the_backend_by_the_url() -> None:
    assert isinstance(open_store("postgresql://kaari@db/kaari"), PostgresStore)
    assert isinstance(open_store("postgres://kaari@db/kaari"), PostgresStore)
    assert isinstance(open_store(Path("kaari.sqlite3")), SqliteStore)
    assert isinstance(open_store("kaari.sqlite3"), SqliteStore)
    with pytest.raises(ValueError, match="'mysql'") as raised:
        open_store("mysql://kaari:s3cret@db/kaari")
    assert "s3cret" not in str(raised.value)


async def test_kaari_database_pool_bounds_the_sessions_a_process_holds(postgresql_url: str, tmp_path: Path) -> None:
    """KAARI_DATABASE_POOL: several instances each hold their own pool, and together they must stay under the
    server's max_connections; six people at once on a pool of two wait for a connection, never open a third."""
    from bot.bootstrap import bootstrap
    from bot.settings import load_settings
    from tests.bot.harness import bot_settings

    settings = load_settings({"KAARI_DATABASE_URL": postgresql_url, "KAARI_DATABASE_POOL": "2"})
    assert settings.database_pool == 2 and load_settings({}).database_pool == 10
    store = open_store(settings.database_url, pool=settings.database_pool)
    await store.migrate()
    most = 0

    async def busy(person: str) -> None:
        nonlocal most
        async with store.transaction(person) as work:
            await work.users.get(person)
            with psycopg.connect(postgresql_url, autocommit=True) as conn:
                row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                   "AND pid <> pg_backend_pid() AND backend_type = 'client backend'").fetchone()
            most = max(most, int(row[0]) if row else 0)
            await asyncio.sleep(0.05)

    try:
        await asyncio.gather(*(busy(f"person-{n}") for n in range(6)))
    finally:
        await store.close()
    assert most == 2
    # And `kaari run` opens its store with it.
    services = await bootstrap(bot_settings(tmp_path / "unused.sqlite3", database_url=postgresql_url,
                                            database_pool=3), draws=False)
    try:
        assert isinstance(services.store, PostgresStore) and services.store._pool.max_size == 3
    finally:
        await services.close()


def test_without_postgresql_the_tests_skip_with_a_reason_but_fail_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tests.pg, "binaries", lambda: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="initdb"):
        tests.pg.start_server()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        tests.pg.start_server()


async def test_a_deferred_write_taken_by_a_transaction_that_loses_at_commit_waits_for_the_next(
        postgresql_store: PostgresStore) -> None:
    """Several instances (#14): a sent reply is marked sent by a deferred write; the transaction that took it may
    lose at COMMIT (write skew: each read what the other writes). The write must wait for the next transaction,
    not vanish with the rollback (the reply would stay 'sending' and go again once its instance is gone)."""
    store = postgresql_store
    async with store.transaction() as work:
        for key in ("u1", "u2", "u3"):
            await work.users.save(UserRow(key, "fi", T0, T0))

    async def mark(work: UnitOfWork) -> None:
        await work.users.save(UserRow("u3", "en", T0, T0))

    store.defer(mark)
    read = asyncio.Barrier(2)

    async def skew(mine: str, theirs: str, last: bool) -> None:
        async with store.transaction() as work:  # the first to open takes the deferred write
            other = await work.users.get(theirs)
            await read.wait()
            assert other is not None
            await work.users.save(UserRow(mine, "sv" if other.language == "fi" else "fi", T0, T0))
            await read.wait()  # both wrote: now they commit, the one holding the deferred write last
            if last:
                await asyncio.sleep(0.3)

    outcomes = await asyncio.gather(skew("u1", "u2", True), skew("u2", "u1", False), return_exceptions=True)
    assert [type(outcome).__name__ for outcome in outcomes] == ["Contention", "NoneType"], outcomes
    await store.flush()
    async with store.transaction() as work:
        marked = await work.users.get("u3")
    assert marked is not None and marked.language == "en", "the deferred write was lost with the rollback"


async def test_one_recipients_outbox_rows_are_read_by_an_index_and_the_claim_reads_no_whole_table(
    postgresql_store: PostgresStore, postgresql_url: str,
) -> None:
    """#14: a sequential scan takes a SERIALIZABLE read lock (SIREAD) on the whole table, so every transaction
    writing any outbox row conflicted with it. Once the outbox holds a few hundred rows (a day's sent ones are kept
    until purged), the reads of one recipient's rows (ESY's follow-up, /privacy) and the claim's due rows use
    indexes, and their SIREAD locks stay on pages and rows."""
    async with postgresql_store.transaction() as work:
        for n in range(100):
            await work.users.save(UserRow(f"u{n}", "fi", T0, T0))
    with psycopg.connect(postgresql_url, autocommit=True) as conn:
        conn.execute("INSERT INTO outbox (recipient, kind, message, due_at, status, attempts, lane, priority) "
                     "SELECT 'u' || (n % 100), 'push', '{}', '2026-11-20T10:00:00+00:00', "
                     "CASE WHEN n < 1950 THEN 'sent' ELSE 'pending' END, 0, '', 0 FROM generate_series(0, 1999) n")
        conn.execute("ANALYZE outbox")
        plans = {name: "\n".join(row[0] for row in conn.execute(b"EXPLAIN " + sql.encode()).fetchall())
                 for name, sql in (
                     ("one", "SELECT * FROM outbox WHERE recipient = 'u7' ORDER BY due_at, id"),
                     ("due", "SELECT recipient FROM outbox WHERE status = 'pending' AND due_at <= '2027'"))}
    assert "outbox_by_recipient" in plans["one"], plans["one"]
    assert "Seq Scan" not in plans["due"], plans["due"]
