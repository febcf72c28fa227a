"""Reading updates (#9 §6): a tapped question is read without its keyboard and sender, by polling and the webhook
alike, and the answer is still marked on it, with the label the engine took."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from telegram import Message

from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.polling import Poller
from bot.updates import parse_update
from flows.core.messages import Msg
from tests.bot.harness import Bot, bot_settings, start_bot
from tests.conftest import Clock

QUESTION = {
    "message_id": 41, "date": 1_700_000_000, "text": "Kysymys 3/20",
    "chat": {"id": 7, "type": "private", "first_name": "Nuori"},
    "from": {"id": 99, "is_bot": True, "first_name": "Kaari", "username": "kaari_bot"},
    "reply_markup": {"inline_keyboard": [[{"text": "Hyvin", "callback_data": "3|4"}],
                                         [{"text": "Tauko", "callback_data": "3|ctl:pause"}]]},
}


def tap_update(message: dict[str, Any], update_id: int = 5) -> dict[str, Any]:
    return {"update_id": update_id, "callback_query": {
        "id": "9", "from": {"id": 7, "is_bot": False, "first_name": "Nuori", "language_code": "fi"},
        "chat_instance": "ci", "data": "3|4", "message": message}}


def test_a_tapped_question_is_read_without_its_keyboard_and_sender(bot: Bot) -> None:
    data = tap_update(QUESTION)
    update = parse_update(data, bot.application.bot)
    query = update.callback_query
    assert query is not None and query.data == "3|4" and query.from_user.id == 7
    message = query.message
    assert isinstance(message, Message)
    assert (message.message_id, message.chat.id, message.chat.type, message.text) == (41, 7, "private", "Kysymys 3/20")
    assert message.reply_markup is None and message.from_user is None  # never built into objects
    assert data["callback_query"]["message"] is QUESTION and "reply_markup" in QUESTION  # the JSON is untouched


def test_updates_other_than_taps_are_read_whole(bot: Bot) -> None:
    written = {"update_id": 6, "message": {**QUESTION, "reply_to_message": QUESTION}}
    message = parse_update(written, bot.application.bot).message
    assert message is not None and message.reply_markup is not None and message.reply_to_message is not None


async def test_a_tap_fetched_by_polling_is_marked_with_the_label_the_engine_took(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    bot = await start_bot(bot_settings(tmp_path / "k.sqlite3"), clock, catalogs, drawer)
    user = bot.user(language="en")
    await user.send("/start")
    await user.tap("English")
    menu = user.last_question()
    poller = Poller(bot.application, long_poll=0)
    try:
        esy = next(b for b in user.buttons(menu) if b["text"] == catalogs.text("en", Msg("menu.esy")))
        before = len(bot.api.calls)
        bot.api.push_update({"update_id": 900, "callback_query": {
            "id": "901", "from": user.user_json(), "chat_instance": "ci", "data": esy["callback_data"],
            "message": dict(menu.result)}})
        [fetched] = await poller._fetch()  # what the poller will hand on (nothing is confirmed by looking)
        assert fetched.callback_query is not None and isinstance(fetched.callback_query.message, Message)
        assert fetched.callback_query.message.reply_markup is None
        await poller.start()
        for _ in range(500):
            if any(c.method == "editMessageText" for c in bot.api.calls[before:]):
                break
            await asyncio.sleep(0.01)
        edit = next(c for c in bot.api.calls[before:] if c.method == "editMessageText")
        assert edit.params["text"].endswith(f"→ {esy['text']}")
    finally:
        await poller.stop()
        await bot.stop()
