"""`kaari admin backup PATH` and `kaari admin restore PATH`: SQLite's own online backup, and a restore that checks.

A backup is SQLite's backup API copying every page in one step under one read transaction: a consistent
snapshot while `kaari run` keeps writing (WAL lets it), into a file beside the target that only its owner may
read (it holds personal data), made whole (integrity checked, one file without a WAL) before it is renamed into
place. A restore checks the file first (SQLite's integrity check; a Kaari schema whose every migration this Kaari
ships), refuses while the ticker's heartbeat says the bot runs, then writes the copy beside the database, flushes
it and renames it over the database, the old database's WAL and shared-memory files removed first so that
SQLite cannot replay them into the restored one. Every refusal is a `BackupError` with one line.

A backup keeps what the database held when it was made: a person who used /forget afterwards is still in it.
Backups need their own retention (the README says so).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.health import STALE_AFTER
from bot.instance import TICKER
from storage.codec import load_time
from storage.sqlite import migration_files

# What SQLite keeps beside a database: its write-ahead log, its shared memory, a rollback journal.
COMPANIONS = ("-wal", "-shm", "-journal")


class BackupError(Exception):
    """A backup or restore refused or failed; the message is one line for the operator."""


@dataclass(frozen=True)
class Checked:
    """A database file that passed the checks: its migrations, and the ticker's last heartbeat in it."""

    migrations: int
    beat: datetime | None


def _read_only(path: Path) -> sqlite3.Connection:
    """Open an existing file without ever creating or changing it (a missing file is an error, not a new db)."""
    return sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)


def inspect(path: Path, *, check: str | None = "integrity_check") -> Checked:
    """Check that ``path`` is a whole Kaari database this Kaari knows: SQLite's ``check`` (integrity_check, or
    quick_check, or None: the schema only), then every recorded migration one that this Kaari ships, by number
    and name."""
    if not path.is_file():
        raise BackupError(f"no database at {path}")
    shipped = {number: name for number, name, _ in migration_files()}
    try:
        with contextlib.closing(_read_only(path)) as db:
            verdict = [row[0] for row in db.execute(f"PRAGMA {check}")] if check else ["ok"]
            if verdict != ["ok"]:
                raise BackupError(f"{path} is damaged: SQLite's integrity check says {verdict[0]!r}")
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "schema_migrations" not in tables:
                raise BackupError(f"{path} is not a Kaari database (it has no schema_migrations table)")
            recorded = dict(db.execute("SELECT number, name FROM schema_migrations").fetchall())
            beat = None
            if "heartbeats" in tables:
                # Any instance's ticker (bot.instance: "ticker:<id>"): the newest round of them all.
                found = db.execute("SELECT MAX(beat_at) FROM heartbeats WHERE substr(name, 1, length(?)) = ?",
                                   (TICKER, TICKER)).fetchone()
                beat = load_time(found[0]) if found and found[0] else None
    except sqlite3.Error as error:
        what = "is not a Kaari database" if "not a database" in str(error) else "is damaged"
        raise BackupError(f"{path} {what}: {error}") from error
    unknown = sorted(number for number, name in recorded.items() if shipped.get(number) != name)
    if 1 not in recorded or unknown:
        which = ", ".join(str(number) for number in unknown) or "none of Kaari's"
        raise BackupError(f"{path} has migrations this Kaari does not ship ({which}): a newer Kaari's database, "
                          "or not Kaari's")
    return Checked(len(recorded), beat)


def _apart(other: Path, db_path: Path) -> None:
    """Refuse a backup file that is the database itself (or one of its companion files)."""
    database = db_path.resolve()
    if other.resolve() in (database, *(database.with_name(database.name + suffix) for suffix in COMPANIONS)):
        raise BackupError(f"{other} is the database itself: name another file")


def _fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _beside(target: Path, purpose: str) -> Iterator[Path]:
    """A new empty file beside ``target`` that only its owner can read; removed unless it was renamed away."""
    partial = target.with_name(f".{target.name}.{purpose}-{os.getpid()}")
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        yield partial
    finally:
        for leftover in (partial, *(partial.with_name(partial.name + suffix) for suffix in COMPANIONS)):
            leftover.unlink(missing_ok=True)


def _copy(source: sqlite3.Connection, into: Path) -> None:
    """Copy ``source`` with the backup API into the empty file ``into``: all pages in one step (one read
    transaction, so one consistent moment), then a single file (no WAL), checked and flushed."""
    with contextlib.closing(sqlite3.connect(into)) as copy:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode = DELETE")  # the source's WAL mode comes with its first page
        verdict = copy.execute("PRAGMA quick_check").fetchone()[0]
        if verdict != "ok":
            raise BackupError(f"the copy failed SQLite's check: {verdict!r}")
    fd = os.open(into, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def backup(db_path: Path, target: Path, *, force: bool = False) -> Checked:
    """Back up the database at ``db_path`` into ``target`` (mode 600), while the bot may be running."""
    _apart(target, db_path)
    if target.exists() and not force:
        raise BackupError(f"{target} exists: choose another name, or --force to overwrite it")
    if target.exists() and not target.is_file():
        raise BackupError(f"{target} is not a file")
    checked = inspect(db_path, check=None)  # the live database's schema; the copy is checked whole
    if not target.parent.is_dir():
        raise BackupError(f"no folder {target.parent} for the backup")
    try:
        with _beside(target, "partial") as partial, contextlib.closing(_read_only(db_path)) as source:
            source.execute("PRAGMA busy_timeout = 5000")
            _copy(source, partial)
            os.replace(partial, target)
        _fsync_folder(target.parent)
    except (sqlite3.Error, OSError) as error:
        raise BackupError(f"cannot back up {db_path} into {target}: {error}") from error
    return checked


def restore(backup_path: Path, db_path: Path, now: datetime, *, force: bool = False) -> Checked:
    """Replace the database at ``db_path`` by the checked backup at ``backup_path``, atomically; refused while
    the bot runs on it (its ticker's heartbeat is recent) unless ``force``."""
    _apart(backup_path, db_path)
    checked = inspect(backup_path)
    if db_path.exists() and not force:
        try:
            beat = inspect(db_path, check=None).beat
        except BackupError:
            beat = None  # a damaged or foreign database: what the restore is for
        if beat is not None and now - beat <= STALE_AFTER:
            raise BackupError(f"Kaari seems to be running on {db_path} (its ticker's last round was "
                              f"{int((now - beat).total_seconds())} s ago): stop `kaari run` first, or use --force")
    if not db_path.parent.is_dir():
        raise BackupError(f"no folder {db_path.parent} for the database")
    try:
        with _beside(db_path, "restore") as partial, contextlib.closing(_read_only(backup_path)) as source:
            _copy(source, partial)
            # The old database's log and journal would be replayed into the new file: gone first.
            for suffix in COMPANIONS:
                db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
            os.replace(partial, db_path)
        _fsync_folder(db_path.parent)
    except (sqlite3.Error, OSError) as error:
        raise BackupError(f"cannot restore {backup_path} into {db_path}: {error}") from error
    return checked
