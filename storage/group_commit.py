"""Group commit for SQLite: many transactions made durable by one flush of the write-ahead log.

With ``synchronous = FULL`` SQLite waits for the disk (an fsync of the WAL) inside every COMMIT, and so
inside the store's lock: every other update waits for the disk too. Instead the connection runs with
``synchronous = NORMAL`` (in WAL mode a commit is then only written, not flushed) and a transaction, once
committed and out of the lock, waits here until the WAL has been flushed after its commit. Transactions
that commit while a flush is under way share the next one, so under load one flush covers many updates,
and a transaction still returns only when what it wrote is on the disk: the same promise as FULL.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable


def flush_file(path: str) -> None:
    """fsync the file at ``path``; a file that is not there has nothing to flush (a checkpoint emptied the
    log and flushed the database itself)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class GroupCommit:
    """Counts commits and flushes the log for all those waiting at once (see the module's docstring)."""

    def __init__(self, log_path: str, flush: Callable[[str], None] = flush_file) -> None:
        self.log_path = log_path
        self._flush = flush
        self._committed = 0  # commits made so far
        self._durable = 0  # commits known to be on the disk
        self._flushing: asyncio.Future[None] | None = None
        self.flushes = 0  # how many flushes ran (tests and benchmarks look)

    def committed(self) -> int:
        """Note a commit (call it right after COMMIT, still in the lock); returns its number for ``durable``."""
        self._committed += 1
        return self._committed

    async def durable(self, commit: int) -> None:
        """Return when commit number ``commit`` is on the disk. A flush under way may have started before
        it: then the next flush, which it shares with everyone who committed meanwhile, covers it."""
        while self._durable < commit:
            if self._flushing is None:
                self._flushing = asyncio.ensure_future(self._flush_up_to(self._committed))
            # Shielded: a waiter cancelled (a shutdown) must not cancel the flush others wait for.
            await asyncio.shield(self._flushing)

    async def _flush_up_to(self, commit: int) -> None:
        try:
            await asyncio.to_thread(self._flush, self.log_path)
            self.flushes += 1
            self._durable = max(self._durable, commit)
        finally:
            self._flushing = None
