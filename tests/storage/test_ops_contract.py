"""What operators read through the store (#14): applied migrations (`/readyz`, `kaari health`) and the outbox's
backlog (`/metrics`), alike on every backend.

Beside tests/storage/test_contract.py (whose helpers it uses), in its own module so the operators' reads read together.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import cast

import pytest

from storage.memory import MemoryStore
from storage.migrations import shipped_numbers
from storage.ports import OutboxRow, Store
from storage.sqlite import SqliteStore, migration_files
from tests.storage.test_contract import T0, seed_users


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def store(request: pytest.FixtureRequest) -> Store:
    return cast(Store, request.getfixturevalue(f"{request.param}_store"))


def test_the_shipped_numbers_are_the_migration_files() -> None:
    assert shipped_numbers() == {number for number, _, _ in migration_files()}
    assert {1, 20} <= shipped_numbers()


async def test_a_migrated_store_has_applied_every_shipped_migration(store: Store) -> None:
    await store.migrate()
    assert await store.applied_migrations() == shipped_numbers()


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
async def test_a_store_not_yet_migrated_has_applied_none(backend: str, tmp_path: Path) -> None:
    store: Store = MemoryStore() if backend == "memory" else SqliteStore(tmp_path / "new.sqlite3")
    try:
        assert await store.applied_migrations() == set()
    finally:
        await store.close()


async def test_sqlite_reports_a_migration_missing_from_its_record(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "k.sqlite3")
    await store.migrate()
    async with store.transaction():
        pass
    db = await store._connect()
    await db.execute("DELETE FROM schema_migrations WHERE number = 20")
    assert await store.applied_migrations() == shipped_numbers() - {20}
    await store.close()


async def test_the_backlog_counts_rows_due_and_not_yet_sent(store: Store) -> None:
    await seed_users(store, "u1", "u2")
    async with store.transaction() as work:
        assert await work.outbox.due_count(T0) == 0
        due = await work.outbox.add(OutboxRow("u1", "notify", {"key": "a"}, T0 - timedelta(minutes=1)))
        await work.outbox.add(OutboxRow("u2", "notify", {"key": "b"}, T0))
        await work.outbox.add(OutboxRow("u1", "reminder", {"key": "c"}, T0 + timedelta(hours=1)))  # not due
        done = await work.outbox.add(OutboxRow("u2", "notify", {"key": "d"}, T0 - timedelta(hours=1)))
        await work.outbox.finish(done, "sent", T0)
        failed = await work.outbox.add(OutboxRow("u2", "notify", {"key": "e"}, T0 - timedelta(hours=1)))
        await work.outbox.finish(failed, "failed", T0)
    async with store.transaction() as work:
        assert await work.outbox.due_count(T0) == 2
        claimed = await work.outbox.claim_due(T0, 1)
        assert [row.id for row in claimed] == [due]
        assert await work.outbox.due_count(T0) == 2  # claimed and in flight is not sent yet
        assert await work.outbox.due_count(T0 + timedelta(hours=2)) == 3
