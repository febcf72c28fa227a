"""What a person can send, as the engine sees it, whatever the channel."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Start:
    """The person opened the bot or asked to start (``/start``), perhaps through a deep link."""

    payload: str | None = None


@dataclass(frozen=True)
class Choice:
    """A tapped option: the step of the question it belonged to, and its value."""

    step: int
    value: str


@dataclass(frozen=True)
class Text:
    """Typed text."""

    text: str


@dataclass(frozen=True)
class Command:
    """A command such as ``help``; unknown ones arrive with ``known=False``."""

    name: str
    known: bool = True


@dataclass(frozen=True)
class Unsupported:
    """Something the flows cannot read: a sticker, a voice message, a file."""

    kind: str


Input = Start | Choice | Text | Command | Unsupported
