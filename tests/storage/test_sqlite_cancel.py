"""A transaction cancelled at any await (a browser tab closing mid-poll, a shutdown) leaves no transaction open on
the store's one connection: the next one begins as usual instead of failing with "cannot start a transaction
within a transaction" (seen once in the live desk's race test under load)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from storage.sqlite import SqliteStore
from tests.storage.test_contract import user


@pytest.mark.parametrize("yields", range(6))
async def test_a_transaction_cancelled_at_any_await_leaves_none_open(tmp_path: Path, yields: int) -> None:
    store = SqliteStore(tmp_path / "k.sqlite3")
    await store.migrate()
    try:
        async def write() -> None:
            async with store.transaction() as work:
                await work.users.save(user("a"))

        task = asyncio.create_task(write())
        for _ in range(yields):  # cancel it at a different await each time: BEGIN, the write, COMMIT, ...
            await asyncio.sleep(0)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        async with store.transaction() as work:
            await work.users.save(user("b"))
        async with store.transaction() as work:
            assert await work.users.get("b") is not None
    finally:
        await store.close()
