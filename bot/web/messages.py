"""Rendered messages as JSON for the browser: the third renderer of flow results (after Telegram and the terminal).

Texts arrive already in the person's language. A button's value is opaque to the browser: it sends it back
as it got it (``{"choice": value}``), and it carries the question's step so a stale button stays stale.
Pictures and documents travel inside the message as base64: no second URL to guess or to guard, nothing
kept on the server for a browser to fetch later, and the page shows a picture as a ``data:`` URL.
"""

from __future__ import annotations

import base64
from typing import Any

from bot.render import Button, DocumentOut, MediaOut, Outgoing, PhotoOut, TextOut
from bot.telegram_app import callback_data

MIME = {"pdf": "application/pdf", "json": "application/json", "csv": "text/csv", "txt": "text/plain"}


def button_json(button: Button) -> dict[str, str]:
    """One button: what it says, and the value the browser sends back when it is pressed."""
    return {"label": button.label, "value": callback_data(button.step, button.value)}


def message_json(out: Outgoing) -> dict[str, Any]:
    """One rendered message as a JSON object tagged with its ``type``."""
    if isinstance(out, PhotoOut):
        return {"type": "picture", "kind": out.kind, "caption": out.caption, "mime": "image/png",
                "data": base64.b64encode(out.png).decode("ascii")}
    if isinstance(out, DocumentOut):
        extension = out.filename.rpartition(".")[2].lower()
        return {"type": "document", "filename": out.filename, "caption": out.caption,
                "mime": MIME.get(extension, "application/octet-stream"),
                "data": base64.b64encode(out.content).decode("ascii")}
    if isinstance(out, MediaOut):
        # A Telegram file id opens nothing in a browser: the label says who sent what, the picture stays there.
        return {"type": "media", "kind": out.kind, "caption": out.caption}
    return text_json(out)


def text_json(out: TextOut) -> dict[str, Any]:
    """A text with its buttons in rows; ``free_text`` and ``chat`` say whether typing is an answer too."""
    return {"type": "text", "text": out.text, "buttons": [[button_json(b) for b in row] for row in out.buttons],
            "free_text": out.free_text, "chat": out.chat}


def error_json(code: str, text: str) -> dict[str, Any]:
    """A message the browser sent that could not be read: the catalog id and its text in the person's language."""
    return {"type": "error", "error": code, "text": text}


def closed_json(reason: str, text: str) -> dict[str, Any]:
    """Kaari closes the socket (idle, full, too many tabs): the catalog id, for the page, and its text."""
    return {"type": "closed", "reason": reason, "text": text}
