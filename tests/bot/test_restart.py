"""Stop in the middle and continue later: a new Application on the same database resumes, and updates
that arrived while the bot was down are processed when it starts polling again."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.serve import start_channel, stop_channel
from flows.core.messages import Msg
from flows.esy.instrument import Instrument
from tests.bot.fakeapi import FakeBotAPI
from tests.bot.harness import Bot, TgUser, bot_settings, start_bot
from tests.conftest import Clock


async def to_fifth_statement(user: TgUser, catalogs: Catalogs, instrument: Instrument) -> str:
    await user.send("/start")
    await user.tap("English")
    await user.tap(catalogs.text("en", Msg("menu.esy")))
    await user.tap(catalogs.text("en", Msg("esy.begin")))
    rated = 0
    while rated < 4:
        if catalogs.text("en", Msg("esy.skip_wish")) in user.labels():
            await user.tap(catalogs.text("en", Msg("esy.skip_wish")))
        else:
            await user.tap(instrument.scale[3].label.get("en"))
            rated += 1
    return str(user.last_question().params["text"])


def fifth_statement(instrument: Instrument) -> str:
    statements = [s for area in instrument.areas for s in area.statements]
    return statements[4].text.get("en")


async def test_restart_resumes_at_the_same_statement(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, instrument: Instrument,
) -> None:
    settings = bot_settings(tmp_path / "k.sqlite3")
    api = FakeBotAPI()
    first = await start_bot(settings, clock, catalogs, drawer, api=api)
    before = await to_fifth_statement(first.user(language="en"), catalogs, instrument)
    assert fifth_statement(instrument) in before
    old_question = first.user(language="en").last_question()
    await first.stop()

    clock.advance(days=1)  # "continue tomorrow", after an upgrade
    second = await start_bot(settings, clock, catalogs, drawer, api=api)
    user = second.user(language="en")
    try:
        calls = await user.send("/start")
        text = str(calls[-1].params["text"])
        assert catalogs.text("en", Msg("flow.resume")) in text
        assert fifth_statement(instrument) in text
        # A button from before the restart still answers the same statement: nothing is lost.
        await user.tap(instrument.scale[0].label.get("en"), question=old_question)
        statements = [s for area in instrument.areas for s in area.statements]
        assert statements[5].text.get("en") in str(user.last_question().params["text"])
    finally:
        await second.stop()


async def wait_for(condition: object, api: FakeBotAPI, limit: float = 10.0) -> None:
    """Wait (bounded) until the fake API saw what ``condition`` looks for."""
    assert callable(condition)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not condition():
        assert loop.time() < deadline, "the pending update was not processed"
        await asyncio.sleep(0.02)


async def test_updates_sent_while_down_are_processed_on_start(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, instrument: Instrument,
) -> None:
    settings = bot_settings(tmp_path / "k.sqlite3")
    api = FakeBotAPI()
    first = await start_bot(settings, clock, catalogs, drawer, api=api)
    user = first.user(language="en")
    await to_fifth_statement(user, catalogs, instrument)
    question = user.last_question()
    await first.stop()

    # While the bot is down the young person taps an answer; Telegram keeps it for getUpdates.
    tapped = next(b for b in user.buttons(question) if b["text"] == instrument.scale[4].label.get("en"))
    api.push_update({"update_id": 900001, "callback_query": {
        "id": "cq-down", "from": user.user_json(), "chat_instance": "ci", "data": tapped["callback_data"],
        "message": question.result,
    }})
    second = await start_bot(settings, clock, catalogs, drawer, api=api)
    sent_before = len(api.calls)
    await start_channel(second.services, second.application)
    try:
        await wait_for(lambda: any(c.method == "sendMessage" for c in api.calls[sent_before:]), api)
        assert not any(c.method == "deleteWebhook" and c.params.get("drop_pending_updates")
                       for c in api.calls), "pending updates must never be dropped"
        statements = [s for area in instrument.areas for s in area.statements]
        answered = Bot(second.services, second.application, api).user(user.id, "en")
        assert statements[5].text.get("en") in str(answered.last_question().params["text"])
    finally:
        await stop_channel(second.application)
        await second.services.store.close()
