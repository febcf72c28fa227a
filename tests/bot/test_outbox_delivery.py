"""The outbox through the real Application on the fake Bot API: after a transient send error a person's rows
stay in order and the failed one is retried within seconds (then given up), rows a crash left 'sending' go
out at start, one worker's chats take turns and a crisis chat goes first."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.keys import user_key
from bot.serve import start_channel, stop_channel
from bot.telegram_app import pusher
from bot.ticker import GIVE_UP_AFTER, deliver_due
from flows.core.messages import Msg
from storage.ports import OutboxRow
from tests.bot.chat.test_shift_chat import W1, add_workers, flush, open_chat
from tests.bot.harness import Bot, TgUser, bot_settings, joined, lose_every_first_try, start_bot, texts
from tests.bot.identity.test_identity import deliver
from tests.bot.test_restart import wait_for
from tests.conftest import TWO_SERVICES, Clock


@pytest.fixture
def chat_services() -> Path:
    """This module's tests go by two chat services (a choice in /chat, a Tuesday slot): the test data file."""
    return TWO_SERVICES


async def round_(bot: Bot) -> int:
    push, link = pusher(bot.application)
    return await deliver_due(bot.services, push, link)


def relayed(bot: Bot, since: int = 0) -> list[str]:
    """The young people's words that reached the worker, in the order the fake received them."""
    return [m for c in bot.api.calls[since:] if c.method == "sendMessage" and c.params["chat_id"] == W1
            and not c.fault for m in re.findall(r"\bm\d+-\d+\b", str(c.params["text"]))]


async def chats_with_aino(bot: Bot, clock: Clock, catalogs: Catalogs, count: int) -> tuple[TgUser, list[TgUser]]:
    """Aino on duty with ``count`` young people's chats taken, everything so far delivered."""
    aino, _ = await add_workers(bot, clock)
    young = [bot.user(710000000 + n, "fi", f"Y{n}") for n in range(count)]
    for person in young:
        await open_chat(person, catalogs)
        await person.send("alku")
    await aino.send("/desk")
    for remaining in range(count, 0, -1):
        await aino.tap(catalogs.text("fi", Msg("desk.take", {"waiting": remaining})))
        await aino.tap(catalogs.text("fi", Msg("desk.back")))
    await flush(bot)
    return aino, young


# PTB 22 warns, while building a RetryAfter, that its retry_after becomes a timedelta (the ticker reads both).
@pytest.mark.filterwarnings("ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")
@pytest.mark.parametrize(("answer", "wait"), [("5xx", 1.0), ("timeout", 1.0), ("429", 3.0)])
async def test_a_failed_send_is_retried_within_seconds_and_nothing_overtakes_it(
    bot: Bot, clock: Clock, catalogs: Catalogs, answer: str, wait: float,
) -> None:
    _, [young] = await chats_with_aino(bot, clock, catalogs, 1)
    bot.api.fail("sendMessage", answer, chat_id=W1)
    mark = len(bot.api.calls)
    for n in range(3):
        await young.send(f"m0-{n}")
    await round_(bot)
    assert relayed(bot, mark) == [], "the later messages wait for the failed one"
    assert [c.fault for c in bot.api.calls[mark:] if c.params.get("chat_id") == W1] == [answer]
    clock.advance(seconds=wait - 0.1)
    await round_(bot)
    assert relayed(bot, mark) == [], "backing off (Telegram's retry_after for a 429)"
    clock.advance(seconds=0.1)
    await round_(bot)
    assert relayed(bot, mark) == ["m0-0", "m0-1", "m0-2"], "seconds late, not minutes, and in order"


async def test_a_send_that_keeps_failing_is_given_up_and_the_next_goes(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    _, [young] = await chats_with_aino(bot, clock, catalogs, 1)
    bot.api.fail("sendMessage", *["5xx"] * GIVE_UP_AFTER, chat_id=W1)
    mark = len(bot.api.calls)
    await young.send("m0-0")
    await young.send("m0-1")
    waits = []
    for _ in range(GIVE_UP_AFTER - 1):
        await round_(bot)
        [row] = [row for row in await outbox_of(bot, W1) if row.status == "pending" and row.attempts]
        waits.append((row.due_at - clock.now).total_seconds())
        clock.advance(seconds=waits[-1])
    assert waits == [1.0, 2.0, 4.0, 8.0] and relayed(bot, mark) == []
    await round_(bot)
    assert relayed(bot, mark) == ["m0-1"], "the one given up does not hold up the rest for ever"
    assert [row.status for row in await outbox_of(bot, W1)].count("failed") == 1


async def test_every_transaction_of_a_round_that_loses_once_is_run_again_and_sends_once(
    bot: Bot, clock: Clock, catalogs: Catalogs, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As if another instance touched the same rows each time (PostgreSQL's Contention): the claim, the look
    before the send and the finish after it are each run again, and the message goes out once."""
    _, [young] = await chats_with_aino(bot, clock, catalogs, 1)
    mark = len(bot.api.calls)
    await young.send("m0-0")
    tries = lose_every_first_try(bot.services.store, monkeypatch)
    assert await round_(bot) == 1
    monkeypatch.undo()
    assert relayed(bot, mark) == ["m0-0"]
    assert {row.status for row in await outbox_of(bot, W1)} == {"sent"}, "none left sending, to go again"
    assert len(tries) >= 6 and len(tries) % 2 == 0, "claim, look, finish (and what else ran): each twice"


async def outbox_of(bot: Bot, telegram_id: int) -> list[OutboxRow]:
    async with bot.services.store.transaction() as work:
        return await work.outbox.for_recipient(user_key(bot.services.secret, "tg", telegram_id))


async def test_rows_a_crash_left_sending_go_out_at_start(bot: Bot, clock: Clock, catalogs: Catalogs) -> None:
    _, [young] = await chats_with_aino(bot, clock, catalogs, 1)
    mark = len(bot.api.calls)
    await young.send("m0-0")
    async with bot.services.store.transaction() as work:  # claimed, then the process died before sending
        assert len(await work.outbox.claim_due(clock.now, 10)) == 1
    await start_channel(bot.services, bot.application)
    try:
        await wait_for(lambda: relayed(bot, mark) == ["m0-0"], bot.api, limit=3.0)
    finally:
        await stop_channel(bot.application)


async def test_a_workers_chats_take_turns_and_a_crisis_chat_goes_first(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    """One young person floods the worker; another's message still goes in the first round, and a third, who
    wrote crisis words, goes before both."""
    _, (flooder, other, crisis) = await chats_with_aino(bot, clock, catalogs, 3)
    mark = len(bot.api.calls)
    for n in range(20):
        await flooder.send(f"m0-{n}")
    await other.send("m1-0")
    await crisis.send("m2-0 I want to die")
    await round_(bot)
    assert relayed(bot, mark) == ["m2-0", "m0-0", "m1-0"], "one round: the crisis chat first, then turns"
    await round_(bot)
    assert relayed(bot, mark)[3:] == ["m0-1", "m0-2", "m0-3"]


async def test_sixty_messages_at_once_are_limited_with_a_note_and_hold_nobody_up(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    """The flood limit (burst 10, then 1/s): the 11th message gets one polite note, the rest nothing (the note
    said so) and are not passed on; crisis words always are; another young person's chat goes on at once, and
    after a few quiet seconds the first one is heard again."""
    settings = bot_settings(tmp_path / "k.sqlite3", chat_services=TWO_SERVICES, flood_burst=10, flood_per_second=1.0)
    bot = await start_bot(settings, clock, catalogs, drawer)
    try:
        _, (flooder, other) = await chats_with_aino(bot, clock, catalogs, 2)
        clock.advance(seconds=20)  # the buckets fill again after opening the chats
        mark = len(bot.api.calls)
        replies = [await flooder.send(f"m0-{n}") for n in range(60)]
        note = catalogs.text("fi", Msg("error.too_fast"))
        assert [texts(calls) for calls in replies[:10]] == [[]] * 10, "a chat message gets no reply of its own"
        assert texts(replies[10]) == [note]
        assert all(calls == [] for calls in replies[11:])
        help_first = catalogs.text("fi", Msg("crisis.signpost", {"contacts": ""})).split("\n")[0]
        assert joined(await flooder.send("m0-11 I want to die")).startswith(help_first), "crisis words go through"
        await other.send("m1-0")
        await deliver(bot)
        # The crisis message first (its chat is flagged now), then the two chats in turns.
        assert relayed(bot, mark) == ["m0-11", "m0-0", "m1-0"] + [f"m0-{n}" for n in range(1, 10)]
        clock.advance(seconds=3)
        mark = len(bot.api.calls)
        assert texts(await flooder.send("m0-70")) == []
        await deliver(bot)
        assert relayed(bot, mark) == ["m0-70"]
    finally:
        await bot.stop()


async def test_the_running_ticker_retries_when_due_not_at_its_next_tick(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    """A failed send is retried about a second later by the running ticker, even when another update woke it
    meanwhile (a round with nothing to send must not push the retry back to the 5 s tick)."""
    _, [young] = await chats_with_aino(bot, clock, catalogs, 1)
    bot.api.fail("sendMessage", "5xx", chat_id=W1)
    mark = len(bot.api.calls)
    await start_channel(bot.services, bot.application)
    try:
        await young.send("m0-0")
        await wait_for(lambda: any(c.fault for c in bot.api.calls[mark:]), bot.api, limit=3.0)
        await asyncio.sleep(0.1)
        await bot.user(720000000, "fi").send("/help")  # wakes the ticker: a round with nothing due
        await asyncio.sleep(0.3)  # that round runs before the retry is due
        clock.advance(seconds=1)
        await wait_for(lambda: relayed(bot, mark) == ["m0-0"], bot.api, limit=2.5)
    finally:
        await stop_channel(bot.application)
