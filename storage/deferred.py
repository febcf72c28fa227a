"""Small writes that wait for the next transaction (``Store.defer``), shared by both backends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from storage.ports import SERIALIZABLE, Deferred, Isolation, UnitOfWork


class Deferring:
    """``defer`` and ``flush`` for a store; its ``transaction`` runs ``_deferred_first(work)`` around its body."""

    _deferred: list[Deferred]

    def transaction(self, person: str | None = None, *,
                    isolation: Isolation = SERIALIZABLE) -> AbstractAsyncContextManager[UnitOfWork]:
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
    async def _deferred_first(self, work: UnitOfWork, taken: list[Deferred] | None = None) -> AsyncIterator[None]:
        """The waiting writes, then the transaction's own body; rolled back with it, they wait for the next one.
        With ``taken`` the writes are put there and the caller puts them back when the transaction fails after
        the body too (PostgreSQL: a COMMIT that loses to a concurrent transaction rolls them back as well)."""
        writes, self._deferred = self._deferred, []
        if taken is not None:
            taken.extend(writes)
        try:
            for write in writes:
                await write(work)
            yield
        except BaseException:
            if taken is None:
                self._deferred[:0] = writes
            raise
