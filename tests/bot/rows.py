"""Read every row of the test's database, whichever backend it runs on: the privacy scans' eyes.

The scans name the database as the bot tests do, by the SQLite file given to bot_settings(); in a [postgresql]
run (tests.bot.harness.DATABASE_URL) that is the test's PostgreSQL database instead. Tables are found
generically (sqlite_master; information_schema on PostgreSQL), so a table added later is scanned too.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import dict_row

from tests.bot import harness


@contextmanager
def _rows(db_path: Path, sql: str, params: tuple[Any, ...] = ()) -> Iterator[list[dict[str, Any]]]:
    if harness.DATABASE_URL:
        with psycopg.connect(harness.DATABASE_URL, autocommit=True, row_factory=dict_row) as conn:
            yield conn.execute(sql.replace("?", "%s").encode(), params).fetchall()
        return
    connection = sqlite3.connect(db_path)
    connection.row_factory = sqlite3.Row
    try:
        yield [dict(row) for row in connection.execute(sql, params)]
    finally:
        connection.close()


def tables(db_path: Path) -> list[str]:
    """Every table of the database."""
    sql = ("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' "
           "AND table_type = 'BASE TABLE'" if harness.DATABASE_URL
           else "SELECT name FROM sqlite_master WHERE type = 'table'")
    with _rows(db_path, sql) as found:
        return sorted(str(row["name"]) for row in found)


def table(db_path: Path, name: str) -> list[dict[str, Any]]:
    """Every row of the table ``name``, as dicts, in the order of its rowid or id."""
    order = " ORDER BY id" if "id" in columns(db_path, name) else ""
    with _rows(db_path, f"SELECT * FROM {name}{order}") as found:
        return found


def columns(db_path: Path, name: str) -> list[str]:
    """The columns of the table ``name``."""
    if harness.DATABASE_URL:
        sql = ("SELECT column_name AS name FROM information_schema.columns WHERE table_schema = 'public' "
               "AND table_name = ? ORDER BY ordinal_position")
        with _rows(db_path, sql, (name,)) as found:
            return [str(row["name"]) for row in found]
    with _rows(db_path, f"PRAGMA table_info({name})") as found:
        return [str(row["name"]) for row in found]


def rows_mentioning(db_path: Path, needle: str) -> list[tuple[str, tuple[object, ...]]]:
    """(table, row) for every row of every table with a value whose text holds ``needle``."""
    found = []
    for name in tables(db_path):
        for row in table(db_path, name):
            if any(needle in str(value) for value in row.values()):
                found.append((name, tuple(row.values())))
    return found


def client_columns(db_path: Path) -> list[tuple[str, str]]:
    """Every (table, column) that points at a client by id, as the schema says (the foreign keys)."""
    if harness.DATABASE_URL:
        sql = ("SELECT kcu.table_name AS name, kcu.column_name AS column FROM information_schema.table_constraints tc "
               "JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name "
               "AND kcu.table_schema = tc.table_schema "
               "JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = tc.constraint_name "
               "AND ccu.table_schema = tc.table_schema "
               "WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = 'public' AND ccu.table_name = 'clients'")
        with _rows(db_path, sql) as found:
            pairs = sorted({(str(row["name"]), str(row["column"])) for row in found})
    else:
        pairs = []
        for name in tables(db_path):
            with _rows(db_path, f"PRAGMA foreign_key_list({name})") as keys:
                pairs += [(name, str(row["from"])) for row in keys if row["table"] == "clients"]
    return [*pairs, ("clients", "id")]


def rows_with_client(db_path: Path, client_id: int) -> list[tuple[str, str]]:
    """The (table, column) pairs with a row that still points at ``client_id``."""
    found = []
    for name, column in client_columns(db_path):
        with _rows(db_path, f"SELECT 1 AS hit FROM {name} WHERE {column} = ?", (client_id,)) as hits:
            if hits:
                found.append((name, column))
    return found


def dead_rows(db_path: Path, names: set[str]) -> dict[str, int]:
    """On PostgreSQL, the tables among ``names`` that still keep deleted or replaced row versions (pgstattuple:
    not yet vacuumed), with how many; on SQLite nothing (secure_delete overwrites in place: the file scans say so).

    VACUUM makes the space reusable but does not overwrite it: the bytes stay in the data files until the space
    is used again, and in the write-ahead log and backups (the README says so). What this checks is that the
    rows cannot be read back through the database, not even by a tool that reads dead tuples.
    """
    if not harness.DATABASE_URL:
        return {}
    with psycopg.connect(harness.DATABASE_URL, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pgstattuple")
        counts = {name: conn.execute("SELECT dead_tuple_count FROM pgstattuple(%s)", (name,)).fetchone()
                  for name in sorted(names)}
    return {name: int(count[0]) for name, count in counts.items() if count is not None and count[0]}


def traces(db_path: Path, needle: str, tables_written: set[str]) -> list[str]:
    """Where ``needle`` can still be read after it was erased: a row anywhere; on SQLite the file's bytes (free
    pages, the log: secure_delete overwrote them); on PostgreSQL any of ``tables_written`` not vacuumed since."""
    found = [name for name, _ in rows_mentioning(db_path, needle)]
    if harness.DATABASE_URL:
        return found + [f"{name} (dead rows)" for name in dead_rows(db_path, tables_written)]
    wal = db_path.with_name(db_path.name + "-wal")
    raw = db_path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    return found + (["the file"] if needle.encode() in raw else [])
