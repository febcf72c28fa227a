"""A throwaway PostgreSQL server for the tests, started from the machine's own binaries (initdb, pg_ctl).

One server per test session, in a temporary folder, listening only on a unix socket there; fsync off (tests
only: a crash loses nothing anyone needs). The migrations run once into a template database; each test gets one
copy of it with every table emptied (``emptied``, far faster here than a ``CREATE DATABASE ... TEMPLATE`` per
test), and ``fresh`` gives a test a copy of its own. Run as root, the server runs as the ``postgres`` user
(PostgreSQL refuses to run as root). Without the binaries the PostgreSQL tests are skipped with the reason, except
under ``CI=true``, where that fails the run: they never skip silently there.
"""

from __future__ import annotations

import asyncio
import glob
import itertools
import os
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from storage.postgres import PostgresStore

TEMPLATE = "kaari_template"


def binaries() -> Path | None:
    """The folder holding initdb and pg_ctl: on PATH, or the newest /usr/lib/postgresql/*/bin."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(os.path.realpath(found)).parent
    folders = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda path: int(path.split("/")[-2]))
    for folder in reversed(folders):
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


class PgServer:
    """A server in ``root`` (data and socket); ``url(name)`` reaches one of its databases."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="kaari-pg-"))
        self.data = self.root / "data"
        self.as_postgres = os.geteuid() == 0
        self._names = itertools.count(1)
        self._shared = ""
        self._reset: str | None = None

    def _run(self, *args: str) -> None:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")

    def start(self) -> None:
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--encoding=UTF8",
                  "--no-instructions")
        options = (f"-k {self.root} -c listen_addresses='' -c fsync=off -c synchronous_commit=off "
                   "-c full_page_writes=off -c max_connections=200 -c checkpoint_timeout=1h -c max_wal_size=4GB")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "server.log"), "-w",
                  "-t", "60", "start")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql://postgres@/{database}?host={self.root}"

    def admin(self, sql: str) -> None:
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(sql.encode())

    def make_template(self) -> None:
        """Create the template database with every migration applied."""
        self.admin(f"CREATE DATABASE {TEMPLATE}")
        store = PostgresStore(self.url(TEMPLATE))

        async def migrate() -> None:
            try:
                await store.migrate()
            finally:
                await store.close()

        # In a thread of its own: the first test to ask for the server may be a coroutine, in a running loop.
        with ThreadPoolExecutor(1) as thread:
            thread.submit(asyncio.run, migrate()).result()

    def fresh(self) -> str:
        """A new database, a copy of the migrated template; its name (drop it after use)."""
        name = f"t{next(self._names)}"
        self.admin(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE} STRATEGY FILE_COPY")
        return name

    def drop(self, name: str) -> None:
        self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def emptied(self) -> str:
        """The shared test database, every table emptied and every id counter back at 1; its URL.

        A copy of the template per test took 0.5-0.8 s here (CREATE DATABASE waits for a checkpoint), which is
        minutes over the contract suite; emptying one copy takes about 0.05 s and leaves the same state.
        """
        if self._reset is None:
            self._shared = self.fresh()
            with psycopg.connect(self.url(self._shared), autocommit=True) as conn:
                tables = [row[0] for row in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'"
                ).fetchall()]
                sequences = [row[0] for row in conn.execute(
                    "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'").fetchall()]
            # Foreign keys are not checked while everything goes (replica role): the order does not matter.
            self._reset = ("BEGIN; SET LOCAL session_replication_role = replica; SET LOCAL lock_timeout = '10s'; "
                           + " ".join(f"DELETE FROM {table};" for table in tables)
                           + " ".join(f"ALTER SEQUENCE {sequence} RESTART;" for sequence in sequences)
                           + " ".join(SEEDED.get(table, "") for table in tables) + " COMMIT;")
        with psycopg.connect(self.url(self._shared), autocommit=True) as conn:
            conn.execute(self._reset.encode())
        return self.url(self._shared)

    def leftovers(self, seconds: float = 3.0) -> list[str]:
        """Sessions still open on the shared test database after a test, each described (what it waits for, the
        advisory locks it holds), and then ended. A test's stores are closed by its end: an open session is a
        leak, and one holding a person's lock would make the next test that touches that person wait forever.
        A killed process's sessions take a moment to end: they are given ``seconds``."""
        if not self._shared:
            return []
        query = ("SELECT a.pid, a.state, coalesce(a.wait_event, ''), left(a.query, 80), "
                 "coalesce(string_agg(l.objid::text, ',') FILTER (WHERE l.granted), '') "
                 "FROM pg_stat_activity a LEFT JOIN pg_locks l ON l.pid = a.pid AND l.locktype = 'advisory' "
                 "WHERE a.datname = %s AND a.pid <> pg_backend_pid() GROUP BY a.pid, a.state, a.wait_event, a.query")
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            deadline = time.monotonic() + seconds
            while (rows := conn.execute(query, (self._shared,)).fetchall()) and time.monotonic() < deadline:
                time.sleep(0.05)
            for row in rows:
                conn.execute("SELECT pg_terminate_backend(%s)", (row[0],))
        return [f"pid {pid} {state} waiting for {wait or 'nothing'}, advisory locks [{locks}], last: {last!r}"
                for pid, state, wait, last, locks in rows]


# Rows the migrations themselves write, written again after the tables are emptied: every deployment has the
# default region (#14, migration 0022).
SEEDED = {"regions": "INSERT INTO regions (code, name_fi, name_sv, name_en) VALUES ('default', '', '', '');"}


def start_server() -> PgServer:
    """Start the session's server, or skip (fail under CI=true) when the machine has no PostgreSQL."""
    bin_dir = binaries()
    if bin_dir is None:
        reason = "PostgreSQL binaries (initdb, pg_ctl) not found; install the distribution's postgresql package"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " (CI=true: the PostgreSQL tests must run)")
        pytest.skip(reason)
    server = PgServer(bin_dir)
    try:
        server.start()
        server.make_template()
    except BaseException:
        server.stop()
        raise
    return server
