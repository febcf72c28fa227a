"""Small writes that wait for the next transaction (``Store.defer``), shared by both backends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from storage.ports import Deferred, UnitOfWork


class Deferring:
    """``defer`` and ``flush`` for a store; its ``transaction`` runs ``_deferred_first(work)`` around its body."""

    _deferred: list[Deferred]

    def transaction(self, person: str | None = None) -> AbstractAsyncContextManager[UnitOfWork]:
        raise NotImplementedError

    def defer(self, write: Deferred) -> None:
        """Run ``write`` at the start of the next transaction, whoever opens it (see ``Store.defer``)."""
        self._deferred.append(write)

    async def flush(self) -> None:
        """Run the deferred writes now, in a transaction of their own (nothing if there are none)."""
        if self._deferred:
            async with self.transaction():
                pass

    @asynccontextmanager
    async def _deferred_first(self, work: UnitOfWork) -> AsyncIterator[None]:
        """The waiting writes, then the transaction's own body; rolled back with it, they wait for the next one."""
        taken, self._deferred = self._deferred, []
        try:
            for write in taken:
                await write(work)
            yield
        except BaseException:
            self._deferred[:0] = taken
            raise
