"""Our own getUpdates loop: an update is confirmed to Telegram only once its handler has committed.

python-telegram-bot's Updater sends the next offset as soon as updates are queued, so a kill before the
handler commits loses the input. Here the offset sent is a watermark: it moves past an update only when that
update and every one before it have been handled (update 7 done while 6 runs: only up to 5 is confirmed).
An update fetched again after a crash is recognised by its receipt (see `Engine.handle`) and not applied twice.

With several instances only the holder of the polling lease (bot.lease) calls getUpdates; the others wait,
trying to take it every LEASE_WAIT seconds, and one of them takes over when a killed holder's lease expires.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.error import RetryAfter, TelegramError
from telegram.ext import Application

from bot.bot_api import get_updates
from bot.lease import Lease
from bot.metrics import arrived
from bot.stopping import stop_task
from bot.telegram_app import UNCONFIRMED
from bot.updates import parse_update

log = logging.getLogger(__name__)

LONG_POLL = 10  # seconds Telegram may hold a getUpdates open
BACKOFF_FIRST = 1.0
BACKOFF_MAX = 30.0
# An update left unconfirmed (the database went away) is held this long before it may be fetched again, so that
# a server being restarted is not asked in a tight loop.
AGAIN_AFTER = 1.0
# Seconds to read Telegram's answer after the long poll it held (python-telegram-bot's default read timeout).
READ_MARGIN = 5.0
LEASE_WAIT = 5.0  # seconds between tries to take the polling lease while another instance holds it


class Watermark:
    """Which update ids are in hand, and the offset that confirms only contiguously handled ones."""

    def __init__(self) -> None:
        self.offset = 0  # the next getUpdates offset; 0 before anything is known (Telegram's oldest)
        self._running: set[int] = set()
        self._done: set[int] = set()
        self._again: set[int] = set()  # given back unconfirmed: the offset stays below them until done

    def start(self, update_id: int) -> bool:
        """Take an update in hand; False when it is already running or handled (fetched again)."""
        if update_id < self.offset or update_id in self._running or update_id in self._done:
            return False
        self._again.discard(update_id)
        self._running.add(update_id)
        return True

    def finish(self, update_id: int) -> None:
        """The handler of ``update_id`` is done: move the offset past every contiguously handled update."""
        self._running.discard(update_id)
        self._done.add(update_id)
        if self._running or self._again:
            # Confirm only below the oldest still running (or given back); done ones above it wait for it.
            limit = min(self._running | self._again)
            ready = [done for done in self._done if done < limit]
            if ready:
                self.offset = max(self.offset, max(ready) + 1)
        else:
            self.offset = max(self.offset, max(self._done) + 1)
        self._done = {done for done in self._done if done >= self.offset}

    def give_back(self, update_id: int) -> None:
        """The handler of ``update_id`` did not do it (the database went away): never confirm it, and take it in
        hand again when Telegram sends it again."""
        self._running.discard(update_id)
        self._again.add(update_id)

    @property
    def busy(self) -> int:
        """How many updates are in hand."""
        return len(self._running)


class Poller:
    """Fetches updates and hands each to ``application.process_update`` (concurrently, as PTB does)."""

    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any], long_poll: int = LONG_POLL,
                 lease: Lease | None = None, lease_wait: float = LEASE_WAIT) -> None:
        self.application = application
        self.long_poll = long_poll
        self.lease = lease  # None: this is the only instance that polls (tests, `kaari web`)
        self.lease_wait = lease_wait
        self.watermark = Watermark()
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Make sure no webhook is set (pending updates kept), then poll in the background."""
        await self.application.bot.delete_webhook(drop_pending_updates=False)
        self._loop = asyncio.create_task(self._run(), name="kaari:polling")

    async def stop(self, grace: float = 3.0) -> None:
        """Stop fetching; give updates in hand ``grace`` seconds to commit, cancel the rest (not confirmed,
        so Telegram sends them again), and confirm what was handled."""
        await stop_task(self._loop)  # its lease check awaits the pool, which can swallow one cancel (bot.stopping)
        self._loop = None
        if self._tasks:
            _, late = await asyncio.wait(set(self._tasks), timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        if self.lease is not None and self.lease.renewed is None:
            return  # it never polled (or lost the lease): nothing of its to confirm, and not its turn
        with contextlib.suppress(TelegramError, TimeoutError):
            # A last short call confirms what was handled, so that it does not come again after the restart.
            async with asyncio.timeout(2):  # not wait_for: see bot/ticker.py run_ticker
                await self.application.bot.get_updates(offset=self.watermark.offset, limit=1, timeout=0)
        if self.lease is not None:
            await self.lease.release()

    async def _run(self) -> None:
        backoff = BACKOFF_FIRST
        while True:
            if not await self._our_turn():
                await asyncio.sleep(self.lease_wait)
                continue
            try:
                updates = await self._fetch()
            except RetryAfter as error:
                log.warning("polling.retry_after seconds=%s", error.retry_after)
                wait = error.retry_after
                await asyncio.sleep(wait.total_seconds() if isinstance(wait, timedelta) else float(wait))
                continue
            except TelegramError as error:  # network trouble, a conflict, Telegram down: wait and try again
                log.warning("polling.failed error=%s backoff=%.0f", type(error).__name__, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX)
                continue
            backoff = BACKOFF_FIRST
            fresh = 0
            for update in updates:
                if self.watermark.start(update.update_id):
                    task = asyncio.create_task(self._handle(update))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
                    fresh += 1
            if updates and not fresh and self._tasks:
                # Only updates still in hand came back (the offset waits for them): asking again at once
                # would spin, so wait until one of them is done.
                await asyncio.wait(set(self._tasks), return_when=asyncio.FIRST_COMPLETED)
            await asyncio.sleep(0)  # let the handlers run between fetches

    async def _our_turn(self) -> bool:
        """This instance holds the polling lease (or needs none); a failed database call is not our turn."""
        if self.lease is None:
            return True
        try:
            return await self.lease.hold()
        except Exception as error:
            log.error("polling.lease_failed error=%s", type(error).__name__)
            return False

    async def _fetch(self) -> list[Update]:
        """The next updates, read by `parse_update` (the same reading as the webhook's)."""
        bot = self.application.bot
        found = await get_updates(bot, self.watermark.offset, self.long_poll, self.long_poll + READ_MARGIN)
        return [parse_update(data, bot) for data in found]

    async def _handle(self, update: Update) -> None:
        arrived()  # the reply's latency counts from here (bot.metrics)
        try:
            # The update processor applies PTB's concurrency limit, as for updates from the Updater.
            await self.application.update_processor.process_update(
                update, self.application.process_update(update))
        except Exception as error:  # handler errors go to the error handler; this is the last resort
            log.error("polling.update_failed update=%d error=%s", update.update_id, type(error).__name__)
        unconfirmed: set[int] = self.application.bot_data.setdefault(UNCONFIRMED, set())
        if update.update_id in unconfirmed:  # the database went away: fetched and done again, after a pause
            unconfirmed.discard(update.update_id)
            await asyncio.sleep(AGAIN_AFTER)
            self.watermark.give_back(update.update_id)
            return
        # Done, committed or refused (errors were answered by the error handler): confirm it. A cancelled
        # update (shutdown) is not confirmed and comes again.
        self.watermark.finish(update.update_id)

