"""A lease (#14): a job that only one of several instances may run at a time, long polling Telegram above all
(Telegram answers a second getUpdates with 409 Conflict, and two pollers would each confirm the other's updates).

The holder takes the lease row in a transaction and renews it (every RENEW_EVERY) before it runs out (TTL); an
instance killed without a word stops renewing, and another takes it over once it expired. An instance without
the lease waits. In webhook mode no lease is needed: Telegram posts each update to the proxy, any instance.
A restart under the same KAARI_INSTANCE_NAME takes its predecessor's lease at once (bot.instance: a name is
one running process), so a single instance killed and restarted polls again without waiting for the TTL.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from flows.core.contention import transact
from storage.ports import Store, UnitOfWork

log = logging.getLogger(__name__)

POLLING = "polling"
TTL = timedelta(seconds=30)
# A renewal every 10 s: a long poll (10 s, bot.polling) can sit between two, and one missed renewal is not yet
# an expiry.
RENEW_EVERY = timedelta(seconds=10)


class Lease:
    """The lease ``name`` as seen by ``holder`` (this instance's id)."""

    def __init__(self, store: Store, name: str, holder: str, clock: Callable[[], datetime],
                 ttl: timedelta = TTL, renew_every: timedelta = RENEW_EVERY,
                 succeeds: Callable[[str], bool] = lambda other: False) -> None:
        self.store, self.name, self.holder, self.clock = store, name, holder, clock
        self.succeeds = succeeds  # whether another holder is an earlier start of this one
        self.ttl, self.renew_every = ttl, renew_every
        self.renewed: datetime | None = None  # when this instance last took or renewed it (None: not held)

    async def hold(self) -> bool:
        """Whether this instance holds the lease now: taken, or renewed when due; False while another does."""
        now = self.clock()
        if self.renewed is not None and now - self.renewed < self.renew_every:
            return True

        async def take(work: UnitOfWork) -> bool:
            if await work.leases.take(self.name, self.holder, now, now + self.ttl):
                return True
            other = await work.leases.holder(self.name, now)
            if other is not None and self.succeeds(other):  # this one's predecessor, killed: it is ours
                await work.leases.release(self.name, other)
                return await work.leases.take(self.name, self.holder, now, now + self.ttl)
            return False

        # Two instances trying at once on PostgreSQL: one of them runs again (and finds it taken).
        held = await transact(self.store, take, what="lease")
        if held != (self.renewed is not None):
            log.info("lease.%s name=%s holder=%s", "taken" if held else "lost", self.name, self.holder)
        self.renewed = now if held else None
        return held

    async def release(self) -> None:
        """Let it go (a clean stop): another instance takes it at once, not after the TTL."""
        if self.renewed is None:
            return
        await transact(self.store, lambda work: work.leases.release(self.name, self.holder), what="lease")
        self.renewed = None
        log.info("lease.released name=%s holder=%s", self.name, self.holder)
