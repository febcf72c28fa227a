"""Several instances on one database (#14): two bots (two stores on one SQLite file, as two processes would
be) share the outbox. A restart of one never sends again what the other has in flight; a gone instance's rows
go out again once its liveness beat is stale, and at once after a restart under the same name; two tickers
running at once send every row exactly once and keep each person's order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import cast

import pytest

from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.instance import LIVE_STALE, beat
from bot.keys import user_key
from bot.routes import DeskRoute, PushRoute
from bot.telegram_app import pusher
from bot.ticker import deliver_all, reclaim_at_start, wake_for_here
from flows.core.messages import Msg, dump_msg
from storage.ports import ContactRow, OutboxRow, UserRow
from tests.bot.harness import Bot, bot_settings, start_bot
from tests.conftest import Clock

PEOPLE = [811000 + n for n in range(6)]
PUSHES = 5  # each


def note(n: int) -> Msg:
    return Msg("notify.client_joined", {"client": f"n{n}"})


async def people(bot: Bot, clock: Clock) -> list[str]:
    """Telegram people the ticker can write to (a user and a sealed chat id each); their keys."""
    keys = [user_key(bot.services.secret, "tg", chat) for chat in PEOPLE]
    async with bot.services.store.transaction() as work:
        for key, chat in zip(keys, PEOPLE, strict=True):
            await work.users.save(UserRow(key, "fi", clock.now, clock.now))
            await work.contacts.save(ContactRow(key, bot.services.sealer.seal(chat), clock.now))
    return keys


async def in_flight(bot: Bot, key: str, n: int, clock: Clock) -> int:
    """A push ``bot`` claimed and is sending now (its 'sending' row, owned by its instance)."""
    async with bot.services.store.transaction() as work:
        await work.outbox.add(OutboxRow(key, "notify", dump_msg(note(n)), clock.now))
        [row] = await work.outbox.claim_due(clock.now, 10, by=bot.services.instance.id)
    assert row.id is not None
    return row.id


async def status(bot: Bot, outbox_id: int) -> str:
    async with bot.services.store.transaction() as work:
        rows = [row for key in await keys_of(bot) for row in await work.outbox.for_recipient(key)]
    return next(row.status for row in rows if row.id == outbox_id)


async def keys_of(bot: Bot) -> list[str]:
    return [user_key(bot.services.secret, "tg", chat) for chat in PEOPLE]


def notes_to(bot: Bot, chat: int) -> list[str]:
    return [str(call.params["text"]) for call in bot.api.sent(chat)]


@pytest.fixture
async def two(tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer) -> AsyncIterator[list[Bot]]:
    """Instances a and b on one SQLite file, each with its own store (connection), as two processes."""
    bots = [await start_bot(bot_settings(tmp_path / "k.sqlite3", instance_name=name), clock, catalogs, drawer)
            for name in ("a", "b")]
    yield bots
    for bot in bots:
        await bot.stop()


async def test_a_restart_of_b_leaves_a_live_instances_send_in_flight_alone(
    two: list[Bot], tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    a, b = two
    [key, *_] = await people(a, clock)
    await beat(a.services.store, a.services.instance, clock.now)
    row = await in_flight(a, key, 0, clock)
    assert await reclaim_at_start(b.services) == 0, "a lives: its send is its own"
    push, link = pusher(b.application)
    assert await deliver_all(b.services, push, link) == 0 and not b.api.sent(PEOPLE[0])
    assert await status(b, row) == "sending"
    clock.advance(seconds=LIVE_STALE.total_seconds() + 1)  # a is gone (killed): no beat since
    assert await deliver_all(b.services, push, link) == 1, "a gone instance's row goes out again"
    assert notes_to(b, PEOPLE[0]) == [catalogs.text("fi", note(0))]


async def test_a_restart_under_the_same_name_takes_its_predecessors_rows_back_at_once(
    two: list[Bot], tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    a, b = two
    [first, second, *_] = await people(a, clock)
    for bot in (a, b):
        await beat(bot.services.store, bot.services.instance, clock.now)
    await in_flight(a, first, 0, clock)
    await in_flight(b, second, 1, clock)
    await a.stop()  # killed: its beat is still fresh
    again = await start_bot(bot_settings(tmp_path / "k.sqlite3", instance_name="a"), clock, catalogs, drawer)
    try:
        assert again.services.instance.id != a.services.instance.id
        assert await reclaim_at_start(again.services) == 1, "a's row, not b's (b lives)"
        push, link = pusher(again.application)
        assert await deliver_all(again.services, push, link) == 1
        assert notes_to(again, PEOPLE[0]) == [catalogs.text("fi", note(0))] and not again.api.sent(PEOPLE[1])
    finally:
        await again.stop()
        two.remove(a)


async def test_two_tickers_at_once_send_every_push_once_and_each_persons_in_order(
    two: list[Bot], clock: Clock, catalogs: Catalogs,
) -> None:
    a, b = two
    keys = await people(a, clock)
    async with a.services.store.transaction() as work:
        for n in range(PUSHES):
            for key in keys:
                await work.outbox.add(OutboxRow(key, "notify", dump_msg(note(n)), clock.now))
    for bot in (a, b):
        await beat(bot.services.store, bot.services.instance, clock.now)

    async def run(bot: Bot) -> int:
        push, link = pusher(bot.application)
        total = 0
        for _ in range(3 * PUSHES):  # rounds, interleaved with the other instance's
            total += await deliver_all(bot.services, push, link)
            await asyncio.sleep(0)
        return total

    sent = await asyncio.gather(run(a), run(b))
    assert sum(sent) == len(keys) * PUSHES
    expected = [catalogs.text("fi", note(n)) for n in range(PUSHES)]
    for chat in PEOPLE:
        # Both instances' fakes together, in the order Telegram got them (each call is timed).
        calls = sorted(a.api.sent(chat) + b.api.sent(chat), key=lambda call: call.at)
        assert [str(call.params["text"]) for call in calls] == expected, chat


async def test_rows_are_claimed_with_their_instance(two: list[Bot], clock: Clock) -> None:
    a, _ = two
    [key, *_] = await people(a, clock)
    row = await in_flight(a, key, 0, clock)
    async with a.services.store.transaction() as work:
        [stored] = [r for r in await work.outbox.for_recipient(key) if r.id == row]
    assert stored.claimed_by == a.services.instance.id and stored.claimed_by.startswith("a.")


class Present:
    """A push route or desk with these people present."""

    def __init__(self, *keys: str) -> None:
        self.keys = set(keys)
        self.channel = "web"

    def present(self) -> set[str]:
        return self.keys


async def test_a_row_another_instance_wrote_wakes_this_ticker_only_for_someone_here(two: list[Bot]) -> None:
    """Web pushes across instances (#14): the store's listen hook (PostgreSQL's NOTIFY) wakes the ticker of the
    instance holding the person's socket or desk, and no other."""
    a, _ = two
    wake = wake_for_here(a.services)
    a.services.wake.clear()
    wake("web-nobody-here")
    assert not a.services.wake.is_set()
    a.services.push_route = cast(PushRoute, Present("web-young"))
    a.services.desk_route = cast(DeskRoute, Present("tg-worker"))
    for key in ("web-young", "tg-worker"):
        a.services.wake.clear()
        wake(key)
        assert a.services.wake.is_set(), key
    await a.services.store.listen(wake)  # SQLite: one process has the file, nothing to listen to
