"""`kaari health` (the Docker HEALTHCHECK) and the readiness check it shares with /readyz and /healthz: the database
answers, every shipped migration is applied, the ticker's heartbeat is recent."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.cli import main
from bot.health import (
    BEAT_EVERY,
    DATABASE,
    MIGRATIONS,
    STALE_AFTER,
    TICKER_ALIVE,
    Readiness,
    readiness,
    ticker_health,
)
from bot.instance import TICKER, Instance
from bot.telegram_app import pusher
from bot.ticker import run_ticker
from storage.memory import MemoryStore
from storage.migrations import shipped_numbers
from storage.sqlite import SqliteStore
from tests.bot.harness import Bot
from tests.bot.httpfake import HttpFakeBotAPI
from tests.bot.test_crash import REPO, SECRET, BotProcess
from tests.conftest import Clock


async def last_beat(bot: Bot) -> datetime | None:
    async with bot.services.store.transaction() as work:
        return await work.heartbeats.last(bot.services.instance.ticker_beat)


async def rounds(bot: Bot, count: int = 2) -> None:
    """Let the running ticker do a few rounds (a wake starts one at once)."""
    for _ in range(count):
        bot.services.wake.set()
        await asyncio.sleep(0.1)


async def beat_becomes(bot: Bot, expected: datetime) -> None:
    """Wait (bounded: a loaded machine is slow) until the heartbeat is ``expected``."""
    for _ in range(200):
        if await last_beat(bot) == expected:
            return
        bot.services.wake.set()
        await asyncio.sleep(0.05)
    assert await last_beat(bot) == expected


async def test_the_ticker_writes_its_heartbeat_after_a_round_and_not_at_every_round(bot: Bot, clock: Clock) -> None:
    push, link = pusher(bot.application)
    ticker = asyncio.create_task(run_ticker(bot.services, push, link, every=0.05))
    try:
        await beat_becomes(bot, clock.now)
        started = clock.now
        clock.advance(seconds=BEAT_EVERY.total_seconds() - 1)
        await rounds(bot)
        assert await last_beat(bot) == started  # rounds run at every update; the heartbeat is not written each time
        clock.advance(seconds=2)
        await beat_becomes(bot, clock.now)
    finally:
        ticker.cancel()
        await asyncio.gather(ticker, return_exceptions=True)


async def test_health_goes_by_the_age_of_the_heartbeat() -> None:
    store, now = MemoryStore(), datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    healthy, line = await ticker_health(store, now)
    assert not healthy and "has not completed a round" in line
    async with store.transaction() as work:
        await work.heartbeats.beat(TICKER, now - STALE_AFTER)
    assert (await ticker_health(store, now))[0]
    healthy, line = await ticker_health(store, now + timedelta(seconds=1))
    assert not healthy and "121 s ago" in line


async def test_each_instance_has_its_own_heartbeat_and_health_reads_its_own_or_its_names() -> None:
    """/healthz asks about its own instance: another instance's recent round does not make a stuck one healthy;
    `kaari health` with KAARI_INSTANCE_NAME asks about the instances of that name, without it about any."""
    store, now = MemoryStore(), datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    stuck, fine = Instance.start("kaari-1"), Instance.start("kaari-2")
    async with store.transaction() as work:
        await work.heartbeats.beat(stuck.ticker_beat, now - STALE_AFTER - timedelta(minutes=1))
        await work.heartbeats.beat(fine.ticker_beat, now)
    assert not (await ticker_health(store, now, instance=stuck.id))[0]
    assert (await ticker_health(store, now, instance=fine.id))[0]
    assert not (await ticker_health(store, now, name="kaari-1"))[0]
    assert (await ticker_health(store, now, name="kaari-2"))[0]
    assert (await ticker_health(store, now))[0], "any instance's recent round, without a name"
    healthy, line = await ticker_health(store, now, name="kaari")  # not kaari-1's nor kaari-2's prefix
    assert not healthy and "has not completed a round" in line


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("KAARI_MODE", "KAARI_DEFAULT_LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "kaari.sqlite3"
    monkeypatch.setenv("KAARI_DB_PATH", str(path))
    return path


async def beat_at(path: Path, at: datetime | None) -> None:
    store = SqliteStore(path)
    await store.migrate()
    if at is not None:
        async with store.transaction() as work:
            await work.heartbeats.beat(TICKER, at)
    await store.close()


def one_line(text: str) -> str:
    lines = text.splitlines()
    assert len(lines) == 1, text
    return lines[0]


def test_kaari_health_is_0_with_a_recent_heartbeat(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(beat_at(db, datetime.now(UTC) - timedelta(seconds=20)))
    assert main(["health"]) == 0
    assert one_line(capsys.readouterr().out).startswith("kaari: healthy: database open, the ticker's last round")


@pytest.mark.parametrize(("beat", "problem"), [
    (timedelta(minutes=10), "the ticker's last round was 6"),
    (None, "the ticker has not completed a round yet"),
])
def test_kaari_health_is_1_when_the_ticker_is_stale_or_never_ran(
    db: Path, capsys: pytest.CaptureFixture[str], beat: timedelta | None, problem: str,
) -> None:
    asyncio.run(beat_at(db, datetime.now(UTC) - beat if beat else None))
    assert main(["health"]) == 1
    assert one_line(capsys.readouterr().err).startswith(f"kaari: unhealthy: {problem}")


def test_kaari_health_never_creates_a_database(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["health"]) == 1
    assert one_line(capsys.readouterr().err) == f"kaari: unhealthy: no database at {db}"
    assert not db.exists()


def test_kaari_health_on_a_broken_database_or_bad_settings_is_1_and_one_line(
    db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    db.write_bytes(b"not a database " * 500)
    assert main(["health"]) == 1
    error = one_line(capsys.readouterr().err)
    assert error == f"kaari: unhealthy: cannot use the database {db}: file is not a database"
    monkeypatch.setenv("KAARI_MODE", "carrier-pigeon")
    assert main(["health"]) == 1  # not 2: Docker reserves it
    assert one_line(capsys.readouterr().err).startswith("kaari: unhealthy: KAARI_MODE")


async def test_a_running_kaari_is_healthy(tmp_path: Path) -> None:
    """The real `kaari run` (polling, on an HTTP fake Bot API) and `kaari health` as Docker runs it."""
    fake = HttpFakeBotAPI()
    await fake.start()
    db = tmp_path / "kaari.sqlite3"
    env = {**os.environ, "KAARI_SECRET": SECRET, "KAARI_DATA_KEY": Fernet.generate_key().decode(),
           "KAARI_DB_PATH": str(db), "KAARI_TELEGRAM_API_URL": fake.url, "KAARI_TELEGRAM_FILE_URL": fake.file_url,
           "KAARI_MODE": "polling"}
    bot = BotProcess(env, tmp_path / "bot.log")

    def health() -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main(['health']))"]
        return subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=30, check=False)

    try:
        assert health().returncode == 1  # not started yet: no database
        await bot.start()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while (result := await asyncio.to_thread(health)).returncode != 0:
            assert loop.time() < deadline, (result.stderr, bot.tail())
            await asyncio.sleep(0.2)
        assert result.stdout.startswith("kaari: healthy: database open")
        assert await bot.stop() == 0, bot.tail()
    finally:
        await bot.stop()
        await fake.stop()


# --- readiness: the one check behind `kaari health`, /readyz and /healthz ---------------------------------------


class BrokenStore(MemoryStore):
    """A database that fails (or hangs) when asked, with a message that must not reach HTTP."""

    def __init__(self, hang: bool = False) -> None:
        super().__init__()
        self.hang = hang

    async def applied_migrations(self) -> set[int]:
        if self.hang:
            await asyncio.Event().wait()
        raise ConnectionRefusedError("postgresql://kaari:hunter2@db.internal refused")


async def test_readiness_names_the_first_check_that_fails() -> None:
    store, now = MemoryStore(), datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    found = await readiness(store, now)
    assert (found.ready, found.failed) == (False, MIGRATIONS)
    assert found.detail.startswith(f"{len(shipped_numbers())} migration(s) not applied: 1, 2, 3")
    await store.migrate()
    found = await readiness(store, now)
    assert (found.failed, found.detail) == (TICKER_ALIVE, "the ticker has not completed a round yet (is `kaari run` "
                                                          "running?)")
    async with store.transaction() as work:
        await work.heartbeats.beat(TICKER, now - timedelta(seconds=20))
    assert await readiness(store, now) == Readiness(None, "database open, the ticker's last round was 20 s ago")
    assert (await readiness(store, now + STALE_AFTER)).failed == TICKER_ALIVE


async def test_a_database_that_fails_or_hangs_is_not_ready_and_its_error_stays_out_of_the_line() -> None:
    now = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    found = await readiness(BrokenStore(), now)
    assert (found.failed, found.detail) == (DATABASE, "the database cannot be used (ConnectionRefusedError)")
    assert isinstance(found.error, ConnectionRefusedError)  # for `kaari health`'s terminal line only
    hung = await readiness(BrokenStore(hang=True), now, answer_within=0.05)
    assert (hung.failed, hung.detail) == (DATABASE, "the database did not answer within 0.05 s")


def test_kaari_health_is_1_when_a_shipped_migration_is_not_applied(
    db: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    asyncio.run(beat_at(db, datetime.now(UTC)))
    with sqlite3.connect(db) as connection:
        connection.execute("DELETE FROM schema_migrations WHERE number = ?", (max(shipped_numbers()),))
    connection.close()
    assert main(["health"]) == 1
    assert one_line(capsys.readouterr().err) == (
        f"kaari: unhealthy: 1 migration(s) not applied: {max(shipped_numbers())} (`kaari run` applies them at start)")


def test_kaari_health_checks_postgresql_when_its_url_is_set(
    postgresql_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    from storage.postgres import PostgresStore

    monkeypatch.setenv("KAARI_DATABASE_URL", postgresql_url)
    monkeypatch.setenv("KAARI_DB_PATH", str(tmp_path / "unused.sqlite3"))
    assert main(["health"]) == 1
    assert one_line(capsys.readouterr().err) == ("kaari: unhealthy: the ticker has not completed a round yet (is "
                                                 "`kaari run` running?)")

    async def beat() -> None:
        store = PostgresStore(postgresql_url)
        async with store.transaction() as work:
            await work.heartbeats.beat(TICKER, datetime.now(UTC) - timedelta(seconds=5))
        await store.close()

    asyncio.run(beat())
    assert main(["health"]) == 0
    assert one_line(capsys.readouterr().out).startswith("kaari: healthy: database open")
    assert not (tmp_path / "unused.sqlite3").exists()
