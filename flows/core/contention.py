"""Run a transaction again when it lost to a concurrent one (``Contention``, PostgreSQL only).

SERIALIZABLE transactions on PostgreSQL may be rolled back whole because another one touched the same rows
(storage.postgres). The work is then simply done again from the start, after a random pause that grows with each
try, so that the two do not collide again in step and a busy moment has passed before the last tries. Only bodies
without side effects before their commit may be retried: they write to the store and nothing else (a send, a log
of an outcome, a drawing come after the commit).

Under ordinary load a person must never be told something went wrong because of contention alone (#14): the tries
go on for about two seconds of pauses at most before the caller sees Contention. Each lost try is logged
(``storage.contention``, with the call site) and told to the watchers (bot.metrics counts them).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from storage.ports import SERIALIZABLE, Contention, Isolation, Store, UnitOfWork

log = logging.getLogger(__name__)

T = TypeVar("T")
TRIES = 14
PAUSE = 0.005  # seconds before the second try, doubled each time up to MOST
MOST = 0.25  # the longest base pause: 5+10+…+160 ms, then 250 ms; at most ~2.1 s in all, about half on average
# Call site ("handle", "claim", …) and whether the caller gave up: told of every lost try (bot.metrics counts).
Watcher = Callable[[str, bool], None]
WATCHERS: list[Watcher] = []


def pause(attempt: int) -> float:
    """The pause after the ``attempt``-th lost try: half of its capped exponential base, plus up to the other
    half at random (so pauses keep growing, yet two losers rarely wake together)."""
    base: float = min(MOST, PAUSE * 2.0 ** (attempt - 1))
    return base / 2 + random.uniform(0, base / 2)


def _tell(what: str, gave_up: bool) -> None:
    for watcher in WATCHERS:
        watcher(what, gave_up)


async def retrying(run: Callable[[], Awaitable[T]], *, what: str, tries: int = TRIES) -> T:
    """Await ``run()``; on Contention run it again, up to ``tries`` times in all, then let Contention through."""
    for attempt in range(1, tries + 1):
        try:
            return await run()
        except Contention as error:
            if attempt == tries:
                log.warning("storage.contention what=%s tries=%d gave_up reason=%s", what, attempt, error.reason)
                _tell(what, True)
                raise
            log.info("storage.contention what=%s try=%d reason=%s", what, attempt, error.reason)
            _tell(what, False)
            await asyncio.sleep(pause(attempt))
    raise AssertionError("unreachable")


async def transact(store: Store, body: Callable[[UnitOfWork], Awaitable[T]], *, what: str,
                   person: str | None = None, isolation: Isolation = SERIALIZABLE) -> T:
    """Run ``body`` in a transaction of ``store``, the whole transaction again on Contention; its result."""

    async def once() -> T:
        async with store.transaction(person, isolation=isolation) as work:
            return await body(work)

    return await retrying(once, what=what)
