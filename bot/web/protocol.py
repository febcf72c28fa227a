"""What a browser may send on the web chat's socket, read into engine inputs; anything else is an error id.

The first message is ``{"token": ..., "language": ...}``: the token is the browser's own random key (kept in
its local storage), the language optional. Then one input per message: ``{"start": payload}``,
``{"text": ...}``, ``{"choice": value}`` (a button's value as it was sent), or ``{"command": name}`` (with
``"service": id`` from the widget embedded for one chat service).
When Kaari closes the socket itself it says why first: ``{"type": "closed", "reason": id, "text": ...}``
(bot.web.messages.closed_json; the reasons are the ``web.*`` ids in bot.web.socket).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bot.commands import COMMAND_TEXTS
from bot.telegram_app import parse_callback
from flows.core import inputs
from flows.core.messages import LANGUAGES, N_

MAX_MESSAGE = 8192  # characters of one socket message; a longer one is refused before it is read as JSON
# The server's limit on one incoming frame (uvicorn's ws_max_size), in bytes: every message of MAX_MESSAGE
# characters fits (UTF-8 takes at most 4 bytes a character), with a margin, so that a somewhat long message is
# answered "too long" in the person's language; a frame over it is cut by the server (close code 1009).
MAX_BYTES = 4 * MAX_MESSAGE + 4096
# The server pings every open socket this often (seconds), well under the 60 s after which common reverse
# proxies (nginx's proxy_read_timeout) cut a quiet connection, and gives up on a browser that does not answer
# a ping within PING_TIMEOUT (its socket closes, and its pushes wait for it).
PING_EVERY = 20.0
PING_TIMEOUT = 20.0
# At least 128 bits of randomness in a URL-safe alphabet (a UUID or 16+ random bytes in base64url).
_TOKEN = re.compile(r"[A-Za-z0-9_-]{22,128}")
_COMMAND = re.compile(r"[a-z]{1,32}")
MAX_ABOUT = 64  # characters of a service id the widget names

BAD_MESSAGE = N_("web.bad_message")
TOO_LONG = N_("web.too_long")
TOKEN_NEEDED = N_("web.token_needed")


@dataclass(frozen=True)
class Hello:
    """The browser's first message: its token and, if it says, the language it shows."""

    token: str
    language: str | None = None


def json_object(raw: str) -> dict[str, Any] | str:
    """The message as a JSON object, or the error id for what it is instead."""
    if len(raw) > MAX_MESSAGE:
        return TOO_LONG
    try:
        data = json.loads(raw)
    except ValueError:
        return BAD_MESSAGE
    return data if isinstance(data, dict) else BAD_MESSAGE


def parse_hello(raw: str) -> Hello | str:
    """The first message, or the error id (a missing or too short token is asked for again)."""
    data = json_object(raw)
    if isinstance(data, str):
        return data
    token, language = data.get("token"), data.get("language")
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        return TOKEN_NEEDED
    return Hello(token, language if language in LANGUAGES else None)


def parse_input(raw: str) -> inputs.Input | str:
    """One input, or the error id. A button value Kaari did not write is an unknown choice, which the engine
    answers as any stale button: the question is shown again."""
    data = json_object(raw)
    if isinstance(data, str):
        return data
    match data:
        case {"text": str(text)}:
            return inputs.Text(text)
        case {"choice": str(value)}:
            return parse_callback(value) or inputs.Choice(-1, "ctl:unknown")
        case {"start": str(payload)}:
            return inputs.Start(payload[:64] or None)
        case {"start": None}:
            return inputs.Start()
        case {"command": str(name), "service": str(service)} if (
                _COMMAND.fullmatch(name) and 0 < len(service) <= MAX_ABOUT):
            # The widget's own service: the flow checks it is one the organisation offers before using it.
            return inputs.Command(name, known=name in COMMAND_TEXTS, about=service)
        case {"command": str(name)} if _COMMAND.fullmatch(name):
            return inputs.Command(name, known=name in COMMAND_TEXTS)
    return BAD_MESSAGE
