"""Kaari's own Bot API calls (bot/bot_api.py): the same requests and errors as PTB's methods, through the same
rate limiter, returning only the message id; and PTB's warning about them is ignored for them alone."""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import BaseRateLimiter, ExtBot
from telegram.warnings import PTBUserWarning

from bot import bot_api
from bot.bot_api import edit_text, inline_keyboard, remove_keyboard, send_text
from tests.bot.fakeapi import FakeBotAPI

TOKEN = "123456:TEST-TOKEN"
ROWS = [[("Kyllä", "3|yes")], [("Ei", "3|no"), ("Ohita", "3|skip")]]


async def started(bot: Bot) -> Bot:
    await bot.initialize()
    return bot


async def test_the_same_requests_as_ptbs_own_methods_and_the_message_id_back() -> None:
    api = FakeBotAPI()
    bot = await started(Bot(TOKEN, request=api, get_updates_request=api))
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data) for label, data in row]
                                   for row in ROWS])
    theirs = await bot.send_message(5, "Kysymys", reply_markup=markup)
    ours = await send_text(bot, 5, "Kysymys", inline_keyboard(ROWS))
    assert api.calls[-1].params == api.calls[-2].params  # the same JSON, keyboard included
    assert ours == api.calls[-1].result["message_id"] == theirs.message_id + 1
    await bot.send_message(5, "Pelkkä teksti")
    assert await send_text(bot, 5, "Pelkkä teksti") == api.calls[-1].result["message_id"]
    assert api.calls[-1].params == api.calls[-2].params == {"chat_id": 5, "text": "Pelkkä teksti"}

    await bot.edit_message_text("Kysymys\n\n→ Kyllä", chat_id=5, message_id=ours, reply_markup=None)
    await edit_text(bot, 5, ours, "Kysymys\n\n→ Kyllä")
    await bot.edit_message_reply_markup(chat_id=5, message_id=ours, reply_markup=None)
    await remove_keyboard(bot, 5, ours)
    assert [call.method for call in api.calls[-4:]] == ["editMessageText"] * 2 + ["editMessageReplyMarkup"] * 2
    assert api.calls[-4].params == api.calls[-3].params and api.calls[-2].params == api.calls[-1].params
    assert inline_keyboard([]) is None


@pytest.mark.parametrize(("fault", "error"), [
    ("blocked", Forbidden), ("429", RetryAfter), ("not_modified", BadRequest), ("timeout", TimedOut),
    ("5xx", NetworkError),
])
async def test_telegrams_faults_raise_the_same_exceptions(fault: str, error: type[TelegramError]) -> None:
    api = FakeBotAPI()
    bot = await started(Bot(TOKEN, request=api, get_updates_request=api))
    calls: list[tuple[str, Callable[[], Coroutine[Any, Any, object]]]] = [
        ("sendMessage", lambda: send_text(bot, 5, "Hei")),
        ("editMessageText", lambda: edit_text(bot, 5, 1000, "Hei")),
        ("editMessageReplyMarkup", lambda: remove_keyboard(bot, 5, 1000)),
    ]
    for method, call in calls:
        api.fail_next(method, fault)
        with pytest.raises(error) as raised:
            await call()
        assert type(raised.value) is error


class Recording(BaseRateLimiter[int]):
    """A rate limiter that lets everything through and notes what passed it."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, object]] = []

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def process_request(
        self, callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any, kwargs: dict[str, Any], endpoint: str, data: dict[str, Any], rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        self.seen.append((endpoint, data.get("chat_id")))
        return await callback(*args, **kwargs)


async def test_every_call_passes_the_bots_rate_limiter() -> None:
    api, limiter = FakeBotAPI(), Recording()
    bot = await started(ExtBot(TOKEN, request=api, get_updates_request=api, rate_limiter=limiter))
    sent = await send_text(bot, 5, "Hei", inline_keyboard(ROWS))
    await edit_text(bot, 5, sent, "Hei taas")
    await remove_keyboard(bot, 5, sent)
    assert limiter.seen[-3:] == [("sendMessage", 5), ("editMessageText", 5), ("editMessageReplyMarkup", 5)]


async def test_only_ptbs_warning_about_these_calls_from_this_module_is_ignored() -> None:
    api = FakeBotAPI()
    bot = await started(Bot(TOKEN, request=api, get_updates_request=api))
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")  # as bare as a production process without pytest's "error"
        importlib.reload(bot_api)  # its filter goes in front, as at import
        await bot_api.send_text(bot, 5, "Hei")
        await bot_api.remove_keyboard(bot, 5, api.calls[-1].result["message_id"])
        assert seen == []
        await bot.do_api_request("sendMessage", {"chat_id": 5, "text": "Hei"})  # not from bot.bot_api: warned
        await bot.do_api_request("getMe")  # another method: warned
    assert [type(w.message) for w in seen] == [PTBUserWarning, PTBUserWarning]
    assert "sendMessage" in str(seen[0].message) and "getMe" in str(seen[1].message)
