"""The Bot API calls Kaari makes at every tap (a text with its buttons, an edit of a tapped question), returning
only what Kaari reads from them: a sent message's id, nothing from an edit; and getUpdates, returning Telegram's
JSON for `bot.updates.parse_update` to read (so that a tapped question's keyboard is never built into objects).

python-telegram-bot's ``Bot.send_message`` and ``Bot.edit_message_text`` build a whole ``Message`` (its chat,
sender and keyboard as objects) from every result, and ``InlineKeyboardMarkup`` objects to send; under load that
was about a quarter of the event loop's time (docs/benchmarks.md). These calls go through ``Bot.do_api_request``,
PTB's documented public way to call a method by name, which returns the raw result: the request still passes
through the same ``_post`` (no ``Defaults`` are set, so none are skipped), ``ExtBot``'s rate limiter (the pacing
of `bot.ratelimit`) and the same ``BaseRequest``, and Telegram's errors are raised as the same exceptions
(``Forbidden``, ``RetryAfter``, ``BadRequest``, ``TimedOut``, ``NetworkError``). One difference: a 401 or 404,
which only a revoked token gives for these methods, is PTB's ``EndPointNotFound`` here, not ``InvalidToken``; both
are a ``TelegramError``, and Kaari handles every ``TelegramError`` of a send alike.

PTB warns (``PTBUserWarning``) when ``do_api_request`` names a method it has its own for. Here that is on
purpose, so exactly that warning for exactly these four methods, issued from this module, is ignored (below,
and the same filter in pyproject.toml for pytest, whose ``filterwarnings = error`` comes first).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from telegram import Bot, Update
from telegram.warnings import PTBUserWarning

# The warning's text as PTB writes it; kept narrow so that any other warning still shows (and fails the tests).
OWN_CALLS_WARNING = (r"Please use 'Bot\.(sendMessage|editMessageText|editMessageReplyMarkup|getUpdates)' instead of "
                     r"'Bot\.do_api_request\(")
warnings.filterwarnings("ignore", message=OWN_CALLS_WARNING, category=PTBUserWarning, module=r"bot\.bot_api$")

Markup = dict[str, list[list[dict[str, str]]]]


def inline_keyboard(rows: Sequence[Sequence[tuple[str, str]]]) -> Markup | None:
    """Telegram's ``InlineKeyboardMarkup`` as the JSON it is sent as, from rows of (label, callback data)."""
    if not rows:
        return None
    return {"inline_keyboard": [[{"text": label, "callback_data": data} for label, data in row] for row in rows]}


# Telegram's LinkPreviewOptions: no preview is fetched, so a one-time link reaches the person unspent.
NO_PREVIEW = {"is_disabled": True}


async def send_text(bot: Bot, chat_id: int, text: str, markup: Markup | None = None, preview: bool = True) -> int:
    """sendMessage (without a link preview when ``preview`` is False); returns the new message's id (all Kaari
    keeps of it)."""
    result = await bot.do_api_request("sendMessage", _params(
        chat_id=chat_id, text=text, reply_markup=markup, link_preview_options=None if preview else NO_PREVIEW))
    return int(result["message_id"])


async def edit_text(bot: Bot, chat_id: int, message_id: int, text: str) -> None:
    """editMessageText without a keyboard (Telegram removes the message's buttons)."""
    await bot.do_api_request("editMessageText", _params(chat_id=chat_id, message_id=message_id, text=text))


async def remove_keyboard(bot: Bot, chat_id: int, message_id: int) -> None:
    """editMessageReplyMarkup without a keyboard: the message's buttons go, its text stays."""
    await bot.do_api_request("editMessageReplyMarkup", _params(chat_id=chat_id, message_id=message_id))


async def get_updates(bot: Bot, offset: int, long_poll: int, read_timeout: float) -> list[dict[str, Any]]:
    """getUpdates: the updates after ``offset`` as Telegram's JSON, Telegram holding the call up to ``long_poll`` s."""
    result = await bot.do_api_request(
        "getUpdates", {"offset": offset, "timeout": long_poll, "allowed_updates": list(Update.ALL_TYPES)},
        read_timeout=read_timeout)
    return list(result)


def _params(**given: Any) -> dict[str, Any]:
    # As PTB's own methods do: a parameter that is not given is not sent.
    return {name: value for name, value in given.items() if value is not None}
