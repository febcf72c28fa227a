"""What the desk page may send on the desk's socket (``/desk/ws``), read into actions; anything else is an error id.

The first message is ``{"csrf": token}`` (the page's ``<meta name="csrf-token">``). Then one action per message:
``{"action": "take"}`` (the next one waiting) or ``{"action": "take", "chat": n}`` (this one),
``{"action": "say", "chat": n, "text": ...}``, ``{"action": "quick", "chat": n, "reply": id}``,
``{"action": "transfer", "chat": n, "to": staff_id}``, ``{"action": "next_shift", "chat": n}``,
``{"action": "close", "chat": n}``, ``{"action": "offer", "chat": n}`` (to work under the young person's own
name), ``{"action": "invite", "chat": n, "nickname": ..., "pair": staff_id | null}`` (the new client's one-time
invitation), ``{"action": "on", "service": id}``, ``{"action": "off", "confirm": bool}``,
and ``{"action": "present"}``: the worker is at the visible page (moved, typed, scrolled, came back to the tab),
sent at most once a minute, so watching a quiet queue is not mistaken for an unattended desk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.web.protocol import BAD_MESSAGE, TOO_LONG, json_object
from flows.chat.desk import MAX_MESSAGE as MAX_TEXT
from flows.core.messages import N_
from flows.identity.staff import MAX_NAME

EMPTY = N_("deskweb.empty")
CHAT_ACTIONS = frozenset({"next_shift", "close", "offer"})
NICKNAME_NEEDED = N_("deskweb.nickname_needed")


@dataclass(frozen=True)
class Action:
    """One thing the worker did on the page: its name, the chat it is about, and what it carries."""

    name: str
    chat: int | None = None
    text: str = ""  # what the worker wrote (or a new client's nickname)
    value: str = ""  # a quick reply's id, a service's id, the staff id to hand over to, or the pair worker's
    confirm: bool = False  # going off duty although people would be left waiting alone


def _number(value: Any) -> int | None:
    """A chat's or a worker's id (JSON's true is no id)."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def parse_csrf(raw: str) -> str | None:
    """The first message's CSRF token, or None when it is not one."""
    data = json_object(raw)
    token = data.get("csrf") if isinstance(data, dict) else None
    return token if isinstance(token, str) and 0 < len(token) <= 256 else None


def parse_action(raw: str) -> Action | str:
    """One action, or the error id of what is wrong with it."""
    data = json_object(raw)
    if isinstance(data, str):
        return data
    name, chat = data.get("action"), _number(data.get("chat"))
    match name:
        case "take" if "chat" not in data or chat is not None:
            return Action("take", chat)
        case "say" if chat is not None and isinstance(data.get("text"), str):
            return _say(chat, data["text"])
        case "quick" if chat is not None and isinstance(data.get("reply"), str):
            return Action("quick", chat, value=data["reply"])
        case "transfer" if chat is not None and _number(data.get("to")) is not None:
            return Action("transfer", chat, value=str(data["to"]))
        case str() if name in CHAT_ACTIONS and chat is not None:
            return Action(name, chat)
        case "on" if isinstance(data.get("service"), str):
            return Action("on", value=data["service"])
        case "off":
            return Action("off", confirm=data.get("confirm") is True)
        case "present":
            return Action("present")
        case "invite" if chat is not None and isinstance(data.get("nickname"), str) and (
                data.get("pair") is None or _number(data.get("pair")) is not None):
            return _invite(chat, data["nickname"], data.get("pair"))
    return BAD_MESSAGE


def _say(chat: int, text: str) -> Action | str:
    """The worker's words, or why they cannot go (nothing written, or longer than a chat message may be)."""
    text = text.strip()
    if not text:
        return EMPTY
    if len(text) > MAX_TEXT:
        return TOO_LONG
    return Action("say", chat, text=text)


def _invite(chat: int, nickname: str, pair: int | None) -> Action | str:
    """A new client's invitation: their first name or nickname (needed, short) and the pair worker, if any."""
    nickname = nickname.strip()
    if not nickname:
        return NICKNAME_NEEDED
    if len(nickname) > MAX_NAME:
        return TOO_LONG
    return Action("invite", chat, text=nickname, value=str(pair or ""))
