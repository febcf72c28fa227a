"""Durable intake (#9 §4): an update's input, its receipt and its reply commit together. The same update
coming again is not applied twice, and a reply cut off by a crash is sent after the restart."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from telegram import Update

from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.keys import user_key
from bot.telegram_app import pusher
from bot.ticker import deliver_all, reclaim_at_start
from flows.core.engine import REPLY
from flows.core.messages import Msg
from flows.esy.instrument import Instrument
from storage.open import open_store
from storage.ports import Store
from tests.bot.fakeapi import FakeBotAPI
from tests.bot.harness import bot_settings, start_bot
from tests.bot.test_restart import fifth_statement, to_fifth_statement
from tests.conftest import Clock


class StallingAPI(FakeBotAPI):
    """A fake Bot API whose sendMessage never answers once ``stall`` is set: the process dies mid-send."""

    def __init__(self) -> None:
        super().__init__()
        self.stall = False
        self.stalled = asyncio.Event()

    async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        if self.stall and url.endswith("/sendMessage"):
            self.stalled.set()
            await asyncio.Event().wait()  # never answers: the task is cancelled, as a kill would end it
        return await super().do_request(url, method, *args, **kwargs)


def statement(instrument: Instrument, index: int) -> str:
    return [s for area in instrument.areas for s in area.statements][index].text.get("en")


async def test_the_same_update_again_is_not_applied_twice(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, instrument: Instrument,
) -> None:
    bot = await start_bot(bot_settings(tmp_path / "k.sqlite3"), clock, catalogs, drawer)
    try:
        user = bot.user(language="en")
        assert fifth_statement(instrument) in await to_fifth_statement(user, catalogs, instrument)
        question = user.last_question()
        tapped = next(b for b in user.buttons(question) if b["text"] == instrument.scale[4].label.get("en"))
        update = {"update_id": 700001, "callback_query": {
            "id": "cq-1", "from": user.user_json(), "chat_instance": "ci", "data": tapped["callback_data"],
            "message": question.result}}
        first = await user.process(update)
        assert statement(instrument, 5) in str(first[-1].params["text"])
        # Telegram sends it again (the bot was killed before the offset moved on): nothing happens.
        again = await user.process(update)
        assert [call.method for call in again] == ["answerCallbackQuery"]  # only the spinner is stopped
        await user.tap(instrument.scale[4].label.get("en"))
        assert statement(instrument, 6) in str(user.last_question().params["text"])  # not the 8th
    finally:
        await bot.stop()


async def test_a_reply_cut_off_by_a_crash_is_sent_after_the_restart(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    settings = bot_settings(tmp_path / "k.sqlite3")
    api = StallingAPI()
    first = await start_bot(settings, clock, catalogs, drawer, api=api)
    user = first.user(language="en")
    update = user.message_update("/start")
    api.stall = True
    handling = asyncio.create_task(first.application.process_update(Update.de_json(update, first.application.bot)))
    await asyncio.wait_for(api.stalled.wait(), 10)
    handling.cancel()  # killed while the reply was on its way: the input has committed
    await asyncio.gather(handling, return_exceptions=True)
    await first.stop()
    assert not api.sent(user.id)

    fresh = FakeBotAPI()
    second = await start_bot(settings, clock, catalogs, drawer, api=fresh)
    try:
        assert await reclaim_at_start(second.services) == 1
        push, link = pusher(second.application)
        assert await deliver_all(second.services, push, link) == 1
        welcome = fresh.sent(user.id)  # the first /start: hello and the language choice, exactly once
        assert len(welcome) == 1
        assert [b["text"] for b in user.buttons(welcome[0])] == [catalogs.text("en", Msg(f"language.name.{code}"))
                                                              for code in ("fi", "sv", "en")]
        # The update itself comes again (its offset was never confirmed): already handled, nothing more.
        assert await second.user(user.id, "en").process(update) == []
        assert await deliver_all(second.services, push, link) == 0
    finally:
        await second.stop()


async def reply_rows(store: Store | Any, key: str) -> list[str]:
    async with store.transaction() as work:
        return [row.status for row in await work.outbox.for_recipient(key) if row.kind == REPLY]


async def test_a_sent_reply_is_marked_sent_by_the_next_transaction_and_at_stop(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    """Marking a reply sent needs no transaction of its own (#9 §6): the next one marks it, whoever opens it,
    and stopping the bot marks what is left; until then a crash would send it again, never lose it."""
    settings = bot_settings(tmp_path / "k.sqlite3")
    bot = await start_bot(settings, clock, catalogs, drawer)
    user = bot.user(language="en")
    key = user_key(bot.services.secret, "tg", user.id)
    await user.send("/start")
    assert await reply_rows(bot.services.store, key) == ["sent"]  # the read was the next transaction
    await user.tap(catalogs.text("en", Msg("language.name.en")))
    await bot.stop()
    store = open_store(settings.database_url or settings.db_path)
    try:
        assert await reply_rows(store, key) == ["sent", "sent"]
    finally:
        await store.close()
