"""Pick the backend for a database: a PostgreSQL URL opens PostgreSQL, anything else is an SQLite file."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from storage.ports.base import Store

POSTGRESQL_SCHEMES = ("postgresql", "postgres")


def is_database_url(value: str) -> bool:
    """Whether ``value`` is a URL that names a database server (``scheme://...``), not a file's path."""
    return "://" in value


def open_store(url_or_path: str | Path, *, pool: int = 10) -> Store:
    """The store for ``postgresql://…`` (or ``postgres://…``), with at most ``pool`` connections, or for the SQLite
    file at a path; any other URL scheme is a ValueError that names the scheme (never the whole URL: it may carry a
    password)."""
    if isinstance(url_or_path, Path) or not is_database_url(url_or_path):
        from storage.sqlite import SqliteStore

        return SqliteStore(url_or_path)
    scheme = urlsplit(url_or_path).scheme
    if scheme not in POSTGRESQL_SCHEMES:
        raise ValueError(f"unknown database URL scheme {scheme!r}: use postgresql://user:password@host/database")
    from storage.postgres import PostgresStore  # psycopg is imported only by a deployment that uses it

    return PostgresStore(url_or_path, max_connections=pool)
