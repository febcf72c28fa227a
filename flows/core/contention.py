"""Run a transaction again when it lost to a concurrent one (``Contention``, PostgreSQL only).

SERIALIZABLE transactions on PostgreSQL may be rolled back whole because another one touched the same rows
(storage.postgres). The work is then simply done again from the start, after a short random pause so that the
two do not collide again in step. Only bodies without side effects before their commit may be retried: they
write to the store and nothing else (a send, a log of an outcome, a drawing come after the commit).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from storage.ports import Contention, Store, UnitOfWork

log = logging.getLogger(__name__)

T = TypeVar("T")
TRIES = 6
PAUSE = 0.005  # seconds before the second try; doubled each time, then jittered (at most ~0.16 s in all)


async def retrying(run: Callable[[], Awaitable[T]], *, what: str, tries: int = TRIES) -> T:
    """Await ``run()``; on Contention run it again, up to ``tries`` times in all, then let Contention through."""
    for attempt in range(1, tries + 1):
        try:
            return await run()
        except Contention:
            if attempt == tries:
                log.warning("storage.contention what=%s tries=%d gave_up", what, attempt)
                raise
            log.info("storage.contention what=%s try=%d", what, attempt)
            await asyncio.sleep(random.uniform(0, PAUSE * 2 ** (attempt - 1)))
    raise AssertionError("unreachable")


async def transact(store: Store, body: Callable[[UnitOfWork], Awaitable[T]], *, what: str,
                   person: str | None = None) -> T:
    """Run ``body`` in a transaction of ``store``, the whole transaction again on Contention; its result."""

    async def once() -> T:
        async with store.transaction(person) as work:
            return await body(work)

    return await retrying(once, what=what)
