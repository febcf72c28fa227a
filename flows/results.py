"""What a flow step hands to a channel: typed results that channels render."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flows.messages import LocalText, Msg

# Generic controls every flow offers; their values never collide with a flow's own options.
PAUSE = "ctl:pause"
BACK = "ctl:back"
CANCEL = "ctl:cancel"
HELP = "ctl:help"
LANGUAGE = "ctl:language"
CANCEL_YES = "ctl:cancel-yes"
CANCEL_NO = "ctl:cancel-no"
LANGUAGE_PREFIX = "lang:"


@dataclass(frozen=True)
class Option:
    """One tappable answer: the value the flow receives and the label the user sees."""

    value: str
    label: Msg | LocalText


@dataclass(frozen=True)
class Ask:
    """A question. With options it wants a tap; with ``free_text`` it also takes typed text."""

    prompt: Msg
    options: tuple[Option, ...] = ()
    free_text: bool = False
    controls: tuple[Option, ...] = ()
    # The conversation step this question belongs to; a button from another step is stale.
    step: int = 0
    max_length: int = 0
    # Pictures, stickers and other non-text messages are passed to the flow (a chat), not refused.
    media: bool = False
    # A conversation (a chat): an answer that keeps the state is passed on without showing the question
    # again, and the question's buttons stay valid.
    quiet: bool = False
    # Typed text here is a message passed on to a person (a chat, a note to a worker): crisis words in it are
    # its content and go on with it. Elsewhere such an answer is held back once and the question asked again.
    passes_on: bool = False
    # The chat this message belongs to: the channel remembers it, so a swipe-reply to it reaches that chat.
    about: int | None = None


@dataclass(frozen=True)
class Say:
    """A message that needs no answer; ``about`` as in `Ask`."""

    msg: Msg
    about: int | None = None


@dataclass(frozen=True)
class Series:
    """One filled-in circle: a value per area (None where every statement was skipped)."""

    label: Msg
    values: tuple[float | None, ...]
    when: datetime


@dataclass(frozen=True)
class Circle:
    """The ESY circle as data; a channel draws it into a picture."""

    title: Msg
    areas: tuple[LocalText, ...]
    scale_min: int
    scale_max: int
    scale_labels: tuple[LocalText, ...]
    series: tuple[Series, ...]
    when: datetime


@dataclass(frozen=True)
class Photo:
    """A picture with a caption."""

    circle: Circle
    caption: Msg


@dataclass(frozen=True)
class Document:
    """A document for the person to keep (their data, an export): ``kind`` says how a channel lays it out."""

    kind: str
    data: dict[str, Any]
    caption: Msg


@dataclass(frozen=True)
class Done:
    """The flow finished; the optional message closes it."""

    msg: Msg | None = None


@dataclass(frozen=True)
class Abort:
    """The flow cannot go on; ``reason`` is a catalog id telling the user why."""

    reason: str


Result = Ask | Say | Photo | Document | Done | Abort


@dataclass
class Reply:
    """Everything one input produced, in order, and the language to show it in."""

    language: str
    results: list[Result] = field(default_factory=list)
    # Whether a tapped button was taken as an answer (False: stale, unknown, or not a tap at all).
    accepted: bool = False
    # Whether the input sounded like a crisis (signposting was given; a chat puts it first in the queue).
    crisis: bool = False

    @property
    def question(self) -> Ask | None:
        """The question now waiting for an answer, if any."""
        for result in reversed(self.results):
            if isinstance(result, Ask):
                return result
        return None
