"""What a person can send, as the engine sees it, whatever the channel."""

from __future__ import annotations

from dataclasses import dataclass

from flows.core.messages import Msg

ABOUT = "about"  # the start-data key a command's ``about`` reaches the flow under


@dataclass(frozen=True)
class Start:
    """The person opened the bot or asked to start (``/start``), perhaps through a deep link."""

    payload: str | None = None
    # A language the person has already chosen (`kaari chat --lang en`): used, and not asked again.
    language: str | None = None


@dataclass(frozen=True)
class Choice:
    """A tapped option: the step of the question it belonged to, and its value."""

    step: int
    value: str


@dataclass(frozen=True)
class Text:
    """Typed text; ``reply_to`` is the channel's id of the bot's message it answers (a swipe-reply), if any:
    only what the bot itself recorded about that message counts, never the message's text."""

    text: str
    reply_to: int | None = None


@dataclass(frozen=True)
class Command:
    """A command such as ``help``; unknown ones arrive with ``known=False``."""

    name: str
    known: bool = True
    # What the command is about, when the channel already knows it (the widget embedded for one chat service):
    # the flow it opens reads it as ``about`` in its start data and checks it itself.
    about: str | None = None


@dataclass(frozen=True)
class Unsupported:
    """Something the flows cannot read: a voice message, a video, a file."""

    kind: str


@dataclass(frozen=True)
class Media:
    """A picture or a sticker: ``ref`` is the channel's own reference for sending it on (a Telegram file id).
    Only a question that takes media (a chat) uses it; elsewhere it is answered like `Unsupported`."""

    kind: str  # "photo" or "sticker"
    ref: str
    caption: str = ""


@dataclass(frozen=True)
class Poke:
    """Not the person: something happened elsewhere (a worker closed their chat). The engine shows them where
    they are now, after the flow caught up with it, with ``notice`` first."""

    notice: Msg | None = None
    # A flow to open for them (a check-in opens "My promises" with its buttons), if they may; the flow in
    # hand waits and resumes afterwards.
    flow: str | None = None


Input = Start | Choice | Text | Command | Unsupported | Media | Poke
