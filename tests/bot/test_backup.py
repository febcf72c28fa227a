"""`kaari admin backup` and `kaari admin restore` (SQLite), through bot.cli.main as an operator runs them."""

from __future__ import annotations

import asyncio
import sqlite3
import stat
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.instance import TICKER
from storage.ports import OutboxRow, UserRow
from storage.sqlite import SqliteStore

T = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)

# SQLite only: its online backup API and its file (PostgreSQL is backed up with pg_dump, as the README says).
pytestmark = pytest.mark.sqlite_only("kaari admin backup/restore are SQLite's; PostgreSQL has pg_dump")


@pytest.fixture(autouse=True)
def sqlite_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KAARI_DATABASE_URL", raising=False)


def use_db(monkeypatch: pytest.MonkeyPatch, path: Path) -> Path:
    monkeypatch.setenv("KAARI_DB_PATH", str(path))
    return path


async def write(store: SqliteStore, n: int) -> None:
    """One person and their message, in one transaction: a backup has both or neither."""
    async with store.transaction() as work:
        await work.users.save(UserRow(f"person-{n}", "fi", T, T))
        await work.outbox.add(OutboxRow(f"person-{n}", "notify", {"key": "notify.x", "n": n}, T))


async def kaari_db(path: Path, people: int = 20, beat: datetime | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    store = SqliteStore(path)
    await store.migrate()
    for n in range(people):
        await write(store, n)
    if beat is not None:
        async with store.transaction() as work:
            await work.heartbeats.beat(TICKER, beat)
    await store.close()


def one_line(text: str) -> str:
    lines = text.splitlines()
    assert len(lines) == 1, text
    assert lines[0].startswith("kaari: "), text
    return lines[0]


async def test_a_backup_made_while_kaari_writes_restores_into_a_new_place_with_its_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    live = use_db(monkeypatch, tmp_path / "live" / "kaari.sqlite3")
    await kaari_db(live, people=50)
    store = SqliteStore(live)  # the running bot's connection, writing all along
    written, stop, going = [50], asyncio.Event(), asyncio.Event()

    async def writer() -> None:
        while not stop.is_set():
            await write(store, written[0])
            written[0] += 1
            if written[0] == 60:
                going.set()
            await asyncio.sleep(0)

    task = asyncio.create_task(writer())
    await going.wait()  # writing before the backup starts, and while it runs
    saved = tmp_path / "backups" / "kaari-backup.sqlite3"
    saved.parent.mkdir()
    try:
        assert await asyncio.to_thread(main, ["admin", "backup", str(saved)]) == 0
    finally:
        stop.set()
        await task
        await store.close()
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert not list(saved.parent.glob(".*"))  # nothing left beside it
    fresh = use_db(monkeypatch, tmp_path / "elsewhere" / "kaari.sqlite3")
    fresh.parent.mkdir()
    assert main(["admin", "restore", str(saved)]) == 0
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600
    restored = SqliteStore(fresh)
    await restored.migrate()
    try:
        async with restored.transaction() as work:
            people = [n for n in range(written[0]) if await work.users.get(f"person-{n}") is not None]
            assert people == list(range(len(people))) and 60 <= len(people) <= written[0]
            for n in people:  # each person with their message: one consistent moment
                assert [row.message["n"] for row in await work.outbox.for_recipient(f"person-{n}")] == [n]
    finally:
        await restored.close()


async def test_a_backup_does_not_overwrite_without_force(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    await kaari_db(use_db(monkeypatch, tmp_path / "kaari.sqlite3"))
    saved = tmp_path / "saved.sqlite3"
    saved.write_bytes(b"an older backup")
    assert main(["admin", "backup", str(saved)]) == 1
    assert "--force" in one_line(capsys.readouterr().err)
    assert saved.read_bytes() == b"an older backup"
    assert main(["admin", "backup", "--force", str(saved)]) == 0
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    for itself in ("backup", "restore"):  # the database is never its own backup, even forced
        assert main(["admin", itself, "--force", str(tmp_path / "." / "kaari.sqlite3")]) == 1
        assert "is the database itself" in one_line(capsys.readouterr().err)
    with closing(sqlite3.connect(saved)) as db:
        assert db.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 20
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file, no WAL to carry along


async def test_backing_up_nothing_or_a_foreign_file_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    missing = use_db(monkeypatch, tmp_path / "none.sqlite3")
    assert main(["admin", "backup", str(tmp_path / "b.sqlite3")]) == 1
    assert one_line(capsys.readouterr().err) == f"kaari: no database at {missing}"
    assert not missing.exists() and not (tmp_path / "b.sqlite3").exists()


def garbage(path: Path) -> None:
    path.write_bytes(b"not a database " * 400)


def foreign(path: Path) -> None:
    path.unlink()
    with closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")
        db.commit()


def newer(path: Path) -> None:
    with closing(sqlite3.connect(path)) as db:
        db.execute("INSERT INTO schema_migrations (number, name) VALUES (9999, '9999_future.sql')")
        db.commit()


def damaged(path: Path) -> None:
    with closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA journal_mode = DELETE")
        page = db.execute("PRAGMA page_size").fetchone()[0]
        root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'outbox'").fetchone()[0]
    data = bytearray(path.read_bytes())
    start = (root - 1) * page
    data[start: start + page] = b"\x0d" + b"\xff" * (page - 1)  # the outbox table's first page overwritten
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(("spoil", "says"), [
    (garbage, "is not a Kaari database: file is not a database"),
    (foreign, "is not a Kaari database (it has no schema_migrations table)"),
    (newer, "has migrations this Kaari does not ship (9999)"),
    (damaged, "is damaged: database disk image is malformed"),
])
async def test_a_corrupt_or_foreign_file_is_refused_and_the_database_stays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    spoil: Callable[[Path], None], says: str,
) -> None:
    live = use_db(monkeypatch, tmp_path / "kaari.sqlite3")
    await kaari_db(live, people=3)
    before = await asyncio.to_thread(live.read_bytes)
    candidate = tmp_path / "candidate.sqlite3"
    await kaari_db(candidate, people=300)  # a real backup, then spoilt
    spoil(candidate)
    assert main(["admin", "restore", str(candidate)]) == 1
    line = one_line(capsys.readouterr().err)
    assert line.startswith(f"kaari: {candidate} {says}")
    assert await asyncio.to_thread(live.read_bytes) == before


async def test_a_restore_waits_for_the_bot_to_stop_unless_forced_and_leaves_no_stale_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    saved = tmp_path / "saved.sqlite3"
    await kaari_db(tmp_path / "old.sqlite3", people=7)
    use_db(monkeypatch, tmp_path / "old.sqlite3")
    assert main(["admin", "backup", str(saved)]) == 0
    live = use_db(monkeypatch, tmp_path / "live" / "kaari.sqlite3")
    await kaari_db(live, people=2, beat=datetime.now(UTC) - timedelta(seconds=10))
    capsys.readouterr()
    assert main(["admin", "restore", str(saved)]) == 1
    line = one_line(capsys.readouterr().err)
    assert "seems to be running" in line and "--force" in line
    stale = [live.with_name(live.name + suffix) for suffix in ("-wal", "-shm")]
    for path in stale:
        path.write_bytes(b"\x00" * 4096)  # what a killed bot leaves: replayed into the restored file, it would harm
    assert main(["admin", "restore", "--force", str(saved)]) == 0
    assert not any(path.exists() for path in stale)
    assert not list(live.parent.glob(".*"))
    store = SqliteStore(live)
    await store.migrate()
    async with store.transaction() as work:
        assert await work.users.get("person-6") is not None and await work.users.get("person-7") is None
    await store.close()


@pytest.mark.parametrize(("command", "tool"), [("backup", "pg_dump"), ("restore", "pg_restore")])
def test_on_postgresql_the_commands_point_to_its_own_tools(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: str, tool: str,
) -> None:
    monkeypatch.setenv("KAARI_DATABASE_URL", "postgresql://kaari:secret@db/kaari")
    assert main(["admin", command, str(tmp_path / "kaari.dump")]) != 0
    line = one_line(capsys.readouterr().err)
    assert tool in line and "secret" not in line
    assert not list(tmp_path.iterdir())
