"""`kaari health`, the Docker HEALTHCHECK: the database opens and the ticker's heartbeat is recent.

In polling mode nothing serves HTTP, so health is read from the data: the ticker writes a heartbeat row after
every completed round (at most every BEAT_EVERY), and a heartbeat older than STALE_AFTER means the bot is
stopped or stuck. Exit status 0 or 1 (Docker reserves 2) and one line, never a traceback.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage.open import open_store
from storage.ports import Store, StoreUnavailable

TICKER = "ticker"
BEAT_EVERY = timedelta(seconds=30)
# Four missed heartbeats: a slow round (sends paced at one a second, retries) is not mistaken for a stuck one.
STALE_AFTER = timedelta(minutes=2)


async def ticker_health(store: Store, now: datetime, stale_after: timedelta = STALE_AFTER) -> tuple[bool, str]:
    """Whether the ticker's last heartbeat in ``store`` is recent at ``now``, and a line that says so."""
    async with store.transaction() as work:
        beat = await work.heartbeats.last(TICKER)
    if beat is None:
        return False, "the ticker has not completed a round yet (is `kaari run` running?)"
    age = int((now - beat).total_seconds())
    if now - beat > stale_after:
        return False, f"the ticker's last round was {age} s ago (more than {int(stale_after.total_seconds())} s)"
    return True, f"database open, the ticker's last round was {age} s ago"


async def check(database: Path | str, now: datetime) -> tuple[bool, str]:
    """Open the database (an existing SQLite file: SQLite would create a missing one; or a PostgreSQL URL) and
    check the ticker's heartbeat."""
    store = open_store(database)
    try:
        return await ticker_health(store, now)
    except sqlite3.Error as error:
        return False, f"cannot use the database {database}: {error}"
    except StoreUnavailable as error:
        return False, str(error)
    finally:
        await store.close()


def main(database: Path | str) -> int:
    """Run the check and print one line: 0 healthy, 1 not."""
    if isinstance(database, str) or database.is_file():
        healthy, line = asyncio.run(check(database, datetime.now(UTC)))
    else:
        healthy, line = False, f"no database at {database}"
    print(f"kaari: {'healthy' if healthy else 'unhealthy'}: {line}", file=sys.stdout if healthy else sys.stderr)
    return 0 if healthy else 1
