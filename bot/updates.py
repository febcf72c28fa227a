"""An update from Telegram as python-telegram-bot objects, without the parts Kaari never reads.

A tap on a button comes with the whole question it was under: its text, its sender (the bot) and its keyboard,
every button an object once PTB has read it. Kaari reads only the question's id, chat and text (to edit it: the
buttons go, the answer is marked with the label the engine says was taken, `Reply.chosen`), so the rest is left
out before PTB builds the objects: about half the cost of reading a tap (#9 §6). Polling and the webhook both
read updates here.
"""

from __future__ import annotations

from typing import Any

from telegram import Bot, Update

# What Kaari reads of the message a tapped button was under (see `TelegramChannel.close_buttons`).
TAPPED_MESSAGE_KEYS = ("message_id", "date", "chat", "text")


def parse_update(data: dict[str, Any], bot: Bot) -> Update:
    """The update ``data`` (Telegram's JSON) as PTB's ``Update``; a tapped question is cut to what Kaari reads."""
    query = data.get("callback_query")
    if isinstance(query, dict) and isinstance(query.get("message"), dict):
        message = query["message"]
        data = {**data, "callback_query": {
            **query, "message": {key: message[key] for key in TAPPED_MESSAGE_KEYS if key in message}}}
    return Update.de_json(data, bot)
