"""This process among several `kaari run` processes sharing one database (#14): its id, and who else lives.

Each process gets an instance id at start: random, or ``NAME.random`` with KAARI_INSTANCE_NAME. Every few
seconds (LIVE_EVERY) it writes a heartbeat ``live:<id>``; an instance whose beat is older than LIVE_STALE is
gone (killed, or cut off from the database). That one row serves three readers:

- the outbox: a row 'sending' is its claimer's (``OutboxRow.claimed_by``); another instance puts it back to
  pending only when its claimer is gone, so a restart of one instance never sends again what another has in
  flight. An instance named like this one is this one's predecessor (a name is one running process: the
  operator keeps names unique), whose rows this one takes back at start without waiting for LIVE_STALE;
- the bot-wide Telegram cap: each instance takes its share, cap / live instances (bot.ratelimit);
- health: the ticker's own heartbeat (``ticker:<id>``, after a completed round) says its loop is not stuck.

The liveness beat is its own small loop, not the ticker's round: a round can take long (paced sends), and a
slow round must not make an instance look gone while its sends are in flight.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flows.core.contention import transact
from storage.ports import Store, UnitOfWork

log = logging.getLogger(__name__)

LIVE = "live:"  # heartbeat names: "live:<instance id>"
TICKER = "ticker:"  # and "ticker:<instance id>", the ticker's completed rounds (bot.health)
LIVE_EVERY = timedelta(seconds=5)
# Four missed beats: then its rows in flight are put back and its share of the cap is shared out again.
LIVE_STALE = timedelta(seconds=20)
GONE_FOR_GOOD = timedelta(days=1)  # older beats are deleted (each start has a new id)
GONE = datetime(2000, 1, 1, tzinfo=UTC)  # the beat of an instance that stopped cleanly
NAME = re.compile(r"[A-Za-z0-9_-]{1,40}")
SEPARATOR = "."  # between a name and the random part: never in a name, so "kaari" is not "kaari-2"'s prefix


def name_of(instance_id: str) -> str:
    """The operator's name in an instance id ("" for an unnamed one)."""
    name, separator, _ = instance_id.rpartition(SEPARATOR)
    return name if separator else ""


@dataclass(frozen=True)
class Instance:
    """One running process: ``id`` is unique to this start, ``name`` (optional) the operator's for it."""

    id: str
    name: str = ""

    @classmethod
    def start(cls, name: str = "") -> Instance:
        """A new id for a process starting now."""
        if name and not NAME.fullmatch(name):
            raise ValueError(f"an instance name is 1-40 letters, digits, '-' or '_', got {name!r}")
        random = secrets.token_hex(4)
        return cls(f"{name}{SEPARATOR}{random}" if name else random, name)

    @property
    def live_beat(self) -> str:
        return LIVE + self.id

    @property
    def ticker_beat(self) -> str:
        return TICKER + self.id

    def succeeds(self, other: str) -> bool:
        """``other`` is an earlier start of this instance (the same name): it is not running any more."""
        return bool(self.name) and other != self.id and name_of(other) == self.name


async def live_instances(work: UnitOfWork, now: datetime) -> set[str]:
    """The ids of the instances whose liveness beat is recent at ``now`` (read in the caller's transaction)."""
    beats = await work.heartbeats.named(LIVE)
    return {name.removeprefix(LIVE) for name, at in beats.items() if now - at <= LIVE_STALE}


def spared(instance: Instance, live: Collection[str]) -> set[str]:
    """Whose rows in flight nobody may put back: this instance's and every other live one's."""
    return {*live, instance.id}


async def beat(store: Store, instance: Instance, now: datetime) -> int:
    """Write this instance's liveness beat; returns how many instances live now (this one included)."""
    async def write(work: UnitOfWork) -> int:
        await work.heartbeats.beat(instance.live_beat, now)
        return len(await live_instances(work, now) | {instance.id})

    # Every instance beats and reads the others' beats: on PostgreSQL two such transactions may contend.
    return await transact(store, write, what="beat")


async def stop_beating(store: Store, instance: Instance) -> None:
    """A clean stop: this instance is gone at once (its beat made stale), so that the others take back its rows
    left 'sending' (sends cancelled by the stop) and its share of the cap without waiting for LIVE_STALE."""
    await transact(store, lambda work: work.heartbeats.beat(instance.live_beat, GONE), what="beat")


async def run_liveness(store: Store, instance: Instance, clock: Callable[[], datetime],
                       share: Callable[[int], None], every: float = LIVE_EVERY.total_seconds()) -> None:
    """Beat every ``every`` seconds and tell ``share`` how many instances live, until cancelled; a failed beat
    is logged, never fatal (the next one comes)."""
    live = 0
    while True:
        try:
            count = await beat(store, instance, clock())
            if count != live:
                log.info("instance.live count=%d", count)
                live = count
            share(count)
        except Exception as error:
            log.error("instance.beat_failed error=%s", type(error).__name__, exc_info=error)
        await asyncio.sleep(every)
