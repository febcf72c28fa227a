"""Our getUpdates loop confirms an update (the next offset) only once its handler has committed, contiguously."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.lease import POLLING, TTL, Lease
from bot.polling import Poller, Watermark
from bot.serve import start_channel, stop_channel, stop_ticker
from bot.telegram_app import pusher
from bot.ticker import deliver_all, reclaim_at_start, run_ticker
from tests.bot.fakeapi import FakeBotAPI
from tests.bot.harness import bot_settings, start_bot
from tests.conftest import Clock


def test_the_watermark_confirms_only_contiguously_handled_updates() -> None:
    mark = Watermark()
    assert [mark.start(n) for n in (5, 6, 7)] == [True, True, True]
    assert mark.start(6) is False  # fetched again while in hand
    mark.finish(5)
    assert mark.offset == 6
    mark.finish(7)
    assert mark.offset == 6  # 7 is done but 6 still runs: confirm only up to 5
    assert mark.start(7) is False  # and 7 is not handled again when it comes back
    mark.finish(6)
    assert mark.offset == 8
    assert mark.start(7) is False and mark.start(8) is True


class HoldingAPI(FakeBotAPI):
    """Records the offsets of getUpdates; a sendMessage to ``held`` waits until ``release`` is set."""

    def __init__(self, held: int) -> None:
        super().__init__()
        self.held = held
        self.release = asyncio.Event()
        self.holding = asyncio.Event()
        self.offsets: list[int] = []

    async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        data = args[0] if args else kwargs.get("request_data")
        params = dict(data.parameters) if data is not None else {}
        if url.endswith("/getUpdates"):
            self.offsets.append(int(params.get("offset") or 0))
        if url.endswith("/sendMessage") and params.get("chat_id") == self.held:
            self.holding.set()
            await self.release.wait()
        return await super().do_request(url, method, *args, **kwargs)


async def until(condition: Any, limit: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + limit
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def test_an_update_is_confirmed_only_after_it_and_those_before_it_are_handled(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    api = HoldingAPI(held=111)
    bot = await start_bot(bot_settings(tmp_path / "k.sqlite3"), clock, catalogs, drawer, api=api)
    slow, quick = bot.user(111), bot.user(222)
    api.push_update({**slow.message_update("/start"), "update_id": 6})
    api.push_update({**quick.message_update("/start"), "update_id": 7})
    poller = Poller(bot.application, long_poll=0)
    await poller.start()
    try:
        await until(lambda: api.holding.is_set() and api.sent(quick.id))
        await asyncio.sleep(0.3)  # time for another getUpdates, were it to confirm 7
        assert len(api.offsets) >= 2 and max(api.offsets) == 0  # 6 is in hand (7 done): nothing confirmed
        api.release.set()
        await until(lambda: api.offsets[-1] == 8)
        assert len(api.sent(slow.id)) == 1 and len(api.sent(quick.id)) == 1  # each handled once
    finally:
        await poller.stop()
        await bot.stop()


async def test_stopping_is_bounded_awaits_the_ticker_and_keeps_an_unsent_reply(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    settings = bot_settings(tmp_path / "k.sqlite3")
    api = HoldingAPI(held=111)
    bot = await start_bot(settings, clock, catalogs, drawer, api=api)
    await start_channel(bot.services, bot.application)
    ticker = bot.application.bot_data["ticker"]
    api.push_update({**bot.user(111).message_update("/start"), "update_id": 6})
    await until(api.holding.is_set)  # its reply is on the way, and Telegram never answers
    loop = asyncio.get_running_loop()
    began = loop.time()
    await stop_channel(bot.application)
    assert loop.time() - began < 5.0
    assert ticker.done()  # awaited, not only cancelled: no database call can outlive the store
    await bot.services.store.close()

    again = await start_bot(settings, clock, catalogs, drawer)
    try:
        assert await reclaim_at_start(again.services) == 1  # the unsent reply waits in the outbox
        push, link = pusher(again.application)
        assert await deliver_all(again.services, push, link) == 1
        assert len(again.api.sent(111)) == 1
    finally:
        await again.stop()


async def test_a_stop_that_comes_with_a_wake_up_still_stops_the_ticker(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    """On Python 3.11, asyncio.wait_for swallowed a cancellation that arrived as the awaited wake-up completed
    (CPython gh-86296): the ticker ran on, and stopping `kaari run` awaited it forever."""
    bot = await start_bot(bot_settings(tmp_path / "k.sqlite3"), clock, catalogs, drawer)
    try:
        push, link = pusher(bot.application)
        ticker = asyncio.create_task(run_ticker(bot.services, push, link, every=60.0))
        await until(lambda: getattr(bot.services.wake, "_waiters", None))  # its round done, it waits to be woken
        bot.services.wake.set()  # an update was just handled ...
        async with asyncio.timeout(5):
            await stop_ticker(ticker)  # ... and the stop comes in the same moment
        assert ticker.cancelled()
    finally:
        await bot.stop()


async def test_a_busy_chat_wakes_rounds_but_not_a_shifts_pass_each_time(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every handled update wakes a ticker round; shifts start and end by the minute, so their pass (every
    service's shift, duty and queue read) runs at most every SHIFTS_EVERY, not in every woken round."""
    import bot.ticker as ticker_module

    passes, rounds = [0], [0]
    real_pass, real_round = ticker_module.tick_shifts, ticker_module._round

    async def counted_pass(services: Any) -> None:
        passes[0] += 1
        await real_pass(services)

    async def counted_round(*args: Any) -> Any:
        rounds[0] += 1
        return await real_round(*args)

    monkeypatch.setattr(ticker_module, "tick_shifts", counted_pass)
    monkeypatch.setattr(ticker_module, "_round", counted_round)
    monkeypatch.setattr(ticker_module, "SHIFTS_EVERY", 3600.0)
    bot = await start_bot(bot_settings(tmp_path / "k.sqlite3"), clock, catalogs, drawer)
    try:
        push, link = pusher(bot.application)
        ticker = asyncio.create_task(run_ticker(bot.services, push, link, every=60.0))
        await until(lambda: rounds[0] == 1 and getattr(bot.services.wake, "_waiters", None))
        for woken in range(2, 7):  # five updates handled, one after another
            bot.services.wake.set()
            await until(lambda woken=woken: rounds[0] == woken and getattr(bot.services.wake, "_waiters", None))
        assert passes[0] == 1, "one pass at the start, none in the five woken rounds"
        monkeypatch.setattr(ticker_module, "SHIFTS_EVERY", 0.0)  # as if its time had come
        bot.services.wake.set()
        await until(lambda: rounds[0] == 7)
        assert passes[0] == 2
        await stop_ticker(ticker)
    finally:
        await bot.stop()


class CountingAPI(FakeBotAPI):
    """Counts getUpdates calls: which instance polls."""

    def __init__(self) -> None:
        super().__init__()
        self.polls = 0

    async def api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        self.polls += 1
        return await super().api_getUpdates(params)


async def test_only_the_lease_holder_polls_and_another_takes_over_once_a_killed_holders_lease_expired(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    """Two instances on one database (#14): one calls getUpdates, the other waits; the holder is killed (its
    loop cancelled, nothing released) and the other takes over after the lease's TTL, not before."""
    apis = [CountingAPI(), CountingAPI()]
    bots = [await start_bot(bot_settings(tmp_path / "k.sqlite3", instance_name=name), clock, catalogs, drawer,
                            api=api) for name, api in zip(("a", "b"), apis, strict=True)]
    pollers = [Poller(bot.application, long_poll=0, lease_wait=0.02,
                      lease=Lease(bot.services.store, POLLING, bot.services.instance.id, clock)) for bot in bots]
    try:
        await pollers[0].start()
        await until(lambda: apis[0].polls >= 1)
        await pollers[1].start()
        await asyncio.sleep(0.3)  # many tries to take the lease
        assert apis[0].polls >= 2 and apis[1].polls == 0, "only the holder polls"
        killed = pollers[0]._loop
        assert killed is not None
        killed.cancel()  # SIGKILL: no release, the lease runs until its TTL
        await asyncio.gather(killed, return_exceptions=True)
        pollers[0]._loop = None
        clock.advance(seconds=TTL.total_seconds())
        await asyncio.sleep(0.3)
        assert apis[1].polls == 0, "not before the lease expired"
        clock.advance(seconds=1)
        await until(lambda: apis[1].polls >= 1)
        bots[1].api.push_update({**bots[1].user(111).message_update("/start"), "update_id": 6})
        await until(lambda: len(apis[1].sent(111)) == 1)
    finally:
        for poller in pollers:
            await poller.stop()
        for bot in bots:
            await bot.stop()
