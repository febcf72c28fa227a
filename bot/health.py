"""Readiness: the database answers, every shipped migration is applied, and the ticker's heartbeat is recent.

One check (``readiness``) behind three doors: `kaari health` (the Docker HEALTHCHECK; exit status 0 or 1, as
Docker reserves 2, and one line, never a traceback), ``GET /readyz`` and ``GET /healthz`` (bot.webhook).
In polling mode nothing serves HTTP, so health is read from the data: the ticker writes a heartbeat row after
every completed round (at most every BEAT_EVERY), and a heartbeat older than STALE_AFTER means the bot is
stopped or stuck. Only the store's port is used, so the check is the same on every backend.

Several instances (#14) each write their own (``ticker:<instance id>``, bot.instance): /healthz and /readyz read
their own instance's; `kaari health` reads the newest of those named KAARI_INSTANCE_NAME (the container's own,
when each has a name), else the newest of any.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.instance import TICKER, name_of
from storage.migrations import shipped_numbers
from storage.open import open_store
from storage.ports import Store, StoreUnavailable

BEAT_EVERY = timedelta(seconds=30)
# Four missed heartbeats: a slow round (sends paced at one a second, retries) is not mistaken for a stuck one.
STALE_AFTER = timedelta(minutes=2)


async def ticker_health(store: Store, now: datetime, stale_after: timedelta = STALE_AFTER, *,
                        instance: str | None = None, name: str = "") -> tuple[bool, str]:
    """Whether the ticker's last heartbeat in ``store`` is recent at ``now``, and a line that says so: the
    ``instance``'s own, or the newest of the instances ``name``d so (any instance's without a name)."""
    async with store.transaction() as work:
        if instance is not None:
            beat = await work.heartbeats.last(TICKER + instance)
        else:
            beats = await work.heartbeats.named(TICKER)
            beat = max((at for beat_name, at in beats.items()
                        if not name or name_of(beat_name.removeprefix(TICKER)) == name), default=None)
    if beat is None:
        return False, "the ticker has not completed a round yet (is `kaari run` running?)"
    age = int((now - beat).total_seconds())
    if now - beat > stale_after:
        return False, f"the ticker's last round was {age} s ago (more than {int(stale_after.total_seconds())} s)"
    return True, f"database open, the ticker's last round was {age} s ago"


# The checks, in the order they run; a failed one is named (`/readyz`'s "failed") and the rest are not run.
DATABASE, MIGRATIONS, TICKER_ALIVE = "database", "migrations", "ticker"
# A database that has not answered by then counts as down: a load balancer's probe must not hang with it.
ANSWER_WITHIN = 5.0


@dataclass(frozen=True)
class Readiness:
    """The outcome: which check failed (None: ready) and one line that says why, with no secret and no path."""

    failed: str | None
    detail: str
    # The database's own error, for `kaari health`'s line on the operator's terminal only (a driver's message may
    # name a host or a user: never sent over HTTP).
    error: Exception | None = None

    @property
    def ready(self) -> bool:
        """Every check passed."""
        return self.failed is None


async def _checks(store: Store, now: datetime, instance: str | None, name: str) -> Readiness:
    missing = sorted(shipped_numbers() - await store.applied_migrations())
    if missing:
        return Readiness(MIGRATIONS, f"{len(missing)} migration(s) not applied: "
                         f"{', '.join(str(number) for number in missing)} (`kaari run` applies them at start)")
    healthy, line = await ticker_health(store, now, instance=instance, name=name)
    return Readiness(None if healthy else TICKER_ALIVE, line)


async def readiness(store: Store, now: datetime, answer_within: float = ANSWER_WITHIN, *,
                    instance: str | None = None, name: str = "") -> Readiness:
    """Whether ``store``'s database answers (within ``answer_within`` seconds), has every shipped migration and a
    recent ticker heartbeat at ``now`` (this ``instance``'s, or of the instances ``name``d so; see the module)."""
    try:
        async with asyncio.timeout(answer_within):
            return await _checks(store, now, instance, name)
    except TimeoutError:
        return Readiness(DATABASE, f"the database did not answer within {answer_within:g} s")
    except Exception as error:  # whatever the driver raises: the database is not usable
        return Readiness(DATABASE, f"the database cannot be used ({type(error).__name__})", error)


async def check(database: Path | str, now: datetime, name: str = "") -> tuple[bool, str]:
    """Open the database (an existing SQLite file: SQLite would create a missing one; or a PostgreSQL URL) and
    check it (the tickers of the instances ``name``d so, if named)."""
    store = open_store(database)
    try:
        found = await readiness(store, now, name=name)
    finally:
        await store.close()
    if isinstance(found.error, StoreUnavailable):
        return False, str(found.error)  # it names the database with a URL's password starred
    if found.error is not None and isinstance(database, Path):  # a URL is never printed: it has a password
        return False, f"cannot use the database {database}: {found.error}"
    return found.ready, found.detail


def main(database: Path | str, name: str = "") -> int:
    """Run the check and print one line: 0 healthy, 1 not."""
    if isinstance(database, str) or database.is_file():
        healthy, line = asyncio.run(check(database, datetime.now(UTC), name))
    else:
        healthy, line = False, f"no database at {database}"
    print(f"kaari: {'healthy' if healthy else 'unhealthy'}: {line}", file=sys.stdout if healthy else sys.stderr)
    return 0 if healthy else 1
