"""Group commit (#9 §6): a transaction returns only once the write-ahead log is flushed after its commit, the
flush happens outside the store's lock, and transactions committing meanwhile share one flush."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from storage.group_commit import GroupCommit, flush_file
from storage.ports import UserRow
from storage.sqlite import SqliteStore
from tests.storage.test_contract import T0, user


class HeldFlush:
    """A flush that waits until the test lets it finish, and remembers the commits it started after."""

    def __init__(self, commits: GroupCommit | None = None) -> None:
        self.go = threading.Event()
        self.started: list[int] = []
        self.commits = commits

    def __call__(self, path: str) -> None:
        self.started.append(self.commits._committed if self.commits else 0)
        assert self.go.wait(10), "the test never let the flush finish"


async def test_one_flush_covers_everyone_who_committed_while_the_previous_one_ran() -> None:
    commits = GroupCommit("unused-wal")
    flush = HeldFlush(commits)
    commits._flush = flush
    first = asyncio.create_task(commits.durable(commits.committed()))
    await asyncio.sleep(0.05)  # the first flush has started (for commit 1 only) and is held
    assert flush.started == [1]
    later = [asyncio.create_task(commits.durable(commits.committed())) for _ in range(4)]
    await asyncio.sleep(0.05)
    assert not first.done() and not any(task.done() for task in later)
    flush.go.set()
    await asyncio.wait_for(asyncio.gather(first, *later), 10)
    # Commits 2-5 came after the first flush began: one more flush, not four, made them durable.
    assert flush.started == [1, 5]
    assert commits.flushes == 2


async def test_a_waiter_cancelled_does_not_cancel_the_flush_others_wait_for() -> None:
    commits = GroupCommit("unused-wal")
    flush = HeldFlush()
    commits._flush = flush
    one, two = commits.committed(), commits.committed()
    leaving = asyncio.create_task(commits.durable(one))
    staying = asyncio.create_task(commits.durable(two))
    await asyncio.sleep(0.05)
    leaving.cancel()
    await asyncio.gather(leaving, return_exceptions=True)
    flush.go.set()
    await asyncio.wait_for(staying, 10)
    assert commits.flushes == 1


async def test_a_sqlite_transaction_returns_after_the_flush_and_the_lock_is_free_meanwhile(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "k.sqlite3")
    await store.migrate()
    flush = HeldFlush()
    store.commits._flush = flush
    try:
        async def save(key: str) -> None:
            async with store.transaction() as work:
                await work.users.save(user(key))

        first = asyncio.create_task(save("u1"))
        await asyncio.sleep(0.1)
        assert flush.started and not first.done()  # committed, waiting for the disk
        second = asyncio.create_task(save("u2"))
        await asyncio.sleep(0.1)
        assert len(flush.started) == 1 and not second.done()  # it committed too: the lock was free
        flush.go.set()
        await asyncio.wait_for(asyncio.gather(first, second), 10)
        async with store.transaction() as work:
            assert await work.users.get("u2") == UserRow("u2", "fi", T0, T0)
    finally:
        flush.go.set()
        await store.close()


async def test_the_connection_writes_commits_and_leaves_the_flush_to_the_group(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "k.sqlite3")
    await store.migrate()
    try:
        assert store._db is not None
        assert list(await store._db.execute_fetchall("PRAGMA synchronous", ())) == [(1,)]  # NORMAL
        assert store.commits.log_path == str(tmp_path / "k.sqlite3-wal")
        before = store.commits.flushes
        async with store.transaction() as work:
            await work.users.save(user("u1"))
        assert store.commits.flushes == before + 1  # really flushed, on the real file
    finally:
        await store.close()


def test_flushing_a_log_that_is_not_there_is_nothing(tmp_path: Path) -> None:
    flush_file(str(tmp_path / "gone-wal"))
    (tmp_path / "here-wal").write_bytes(b"x")
    flush_file(str(tmp_path / "here-wal"))
