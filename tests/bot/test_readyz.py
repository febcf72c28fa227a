"""`GET /readyz` on the one web application: 200 only when the database answers, every shipped migration is
applied and the ticker's heartbeat is recent; 503 naming the failed check otherwise. /healthz says the same in
the shape it was documented with."""

from __future__ import annotations

from pathlib import Path

import httpx
import psycopg

from bot.bootstrap import bootstrap
from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.serve import web_app
from bot.ticker import heartbeat
from storage.migrations import shipped_numbers
from storage.postgres import PostgresStore
from storage.sqlite import SqliteStore
from tests.bot.harness import bot_settings
from tests.bot.test_health import BrokenStore
from tests.conftest import Clock


async def test_readyz_is_200_only_with_the_database_the_migrations_and_a_recent_ticker(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    services = await bootstrap(bot_settings(tmp_path / "k.sqlite3"), drawer=drawer, clock=clock, catalogs=catalogs)
    app = web_app(services)  # polling without the web: /readyz and /healthz all the same
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kaari") as client:
            before = await client.get("/readyz")
            assert before.status_code == 503 and before.headers["cache-control"] == "no-store"
            assert before.json()["ready"] is False and before.json()["failed"] == "ticker"
            await heartbeat(services, clock())
            clock.advance(seconds=30)
            ready = await client.get("/readyz")
            assert ready.status_code == 200
            assert ready.json() == {"ready": True, "failed": None,
                                    "detail": "database open, the ticker's last round was 30 s ago"}
            healthz = await client.get("/healthz")
            assert (healthz.status_code, healthz.json()) == (200, {
                "healthy": True, "detail": "database open, the ticker's last round was 30 s ago"})
            # A database restored from an older Kaari, under a running one.
            if isinstance(services.store, SqliteStore):
                db = await services.store._connect()
                await db.execute("DELETE FROM schema_migrations WHERE number = ?", (max(shipped_numbers()),))
            else:
                assert isinstance(services.store, PostgresStore)
                with psycopg.connect(services.store.url, autocommit=True) as conn:
                    taken = conn.execute("DELETE FROM schema_migrations WHERE number = %s RETURNING number, name",
                                         (max(shipped_numbers()),)).fetchall()
            try:
                behind = await client.get("/readyz")
                assert behind.status_code == 503 and behind.json()["failed"] == "migrations"
                assert (await client.get("/healthz")).status_code == 503
            finally:
                if not isinstance(services.store, SqliteStore):  # the session's shared database: put it back
                    with psycopg.connect(services.store.url, autocommit=True) as conn:
                        conn.cursor().executemany("INSERT INTO schema_migrations (number, name) VALUES (%s, %s)",
                                                  taken)
    finally:
        await services.store.close()  # the drawing pool is the session's


async def test_readyz_names_a_failing_database_and_keeps_its_error_to_itself(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    store = BrokenStore()
    services = await bootstrap(bot_settings(tmp_path / "k.sqlite3"), store=store, drawer=drawer, clock=clock,
                               catalogs=catalogs)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=web_app(services)),
                                     base_url="http://kaari") as client:
            for path in ("/readyz", "/healthz"):
                answer = await client.get(path)
                assert answer.status_code == 503
                assert "hunter2" not in answer.text and "db.internal" not in answer.text
            assert (await client.get("/readyz")).json() == {
                "ready": False, "failed": "database", "detail": "the database cannot be used (ConnectionRefusedError)"}
    finally:
        await services.store.close()
