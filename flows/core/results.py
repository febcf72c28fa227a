"""What a flow step hands to a channel: typed results that channels render."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from flows.core.messages import LocalText, Msg, dump_msg, load_msg

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
    # False: a link in it must not be opened for a preview (a one-time login link would be spent by the fetch).
    preview: bool = True


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
    # Whose circle it is, when someone else looks at it (a worker at a shared circle); None for one's own.
    nickname: str | None = None
    # The change wishes in the person's own words, as (area index, wish), in the areas' order.
    wishes: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class Photo:
    """A picture with a caption."""

    circle: Circle
    caption: Msg


@dataclass(frozen=True)
class Trend:
    """ESY scores per area over several assessments, oldest first, as data; a channel draws it."""

    title: Msg
    areas: tuple[LocalText, ...]
    scale_min: int
    scale_max: int
    dates: tuple[datetime, ...]
    # Per area, a score per date (None where the area was skipped or was not in that version of the instrument).
    values: tuple[tuple[float | None, ...], ...]
    # Per area, short notes shown under its name (its goals and their status).
    notes: tuple[tuple[Msg, ...], ...] = ()
    # Whose scores they are when someone else looks (a worker at a client's shared circles); None for one's own.
    nickname: str | None = None
    # Per area, per date: whether that assessment asked about the area at all (empty: all did). One that did not
    # (a group session about another area) has no point there; a skipped one is a gap.
    asked: tuple[tuple[bool, ...], ...] = ()

    @property
    def changes(self) -> tuple[float | None, ...]:
        """Per area, the change from its first score to its latest (None with fewer than two)."""
        return tuple(first_to_latest(values) for values in self.values)


def first_to_latest(values: tuple[float | None, ...]) -> float | None:
    """The change from the first score given to the latest one, skipped ones left out; None with fewer than two."""
    rated = [value for value in values if value is not None]
    return round(rated[-1] - rated[0], 1) if len(rated) >= 2 else None


@dataclass(frozen=True)
class Chart:
    """A picture of a trend with a caption."""

    trend: Trend
    caption: Msg


@dataclass(frozen=True)
class Document:
    """A document for the person to keep (their data, an export): ``kind`` says how a channel lays it out."""

    kind: str
    data: dict[str, Any]
    caption: Msg
    # Circles drawn into the document's PDF, in the order its data lists them (an export's shared circles).
    pictures: tuple[Circle, ...] = ()


@dataclass(frozen=True)
class Done:
    """The flow finished; the optional message closes it."""

    msg: Msg | None = None


@dataclass(frozen=True)
class Abort:
    """The flow cannot go on; ``reason`` is a catalog id telling the user why."""

    reason: str


Result = Ask | Say | Photo | Chart | Document | Done | Abort


@dataclass
class Reply:
    """Everything one input produced, in order, and the language to show it in."""

    language: str
    results: list[Result] = field(default_factory=list)
    # Whether a tapped button was taken as an answer (False: stale, unknown, or not a tap at all).
    accepted: bool = False
    # The label of the button taken, as its question showed it: a channel marks the answer with it without
    # reading the question back from the tap (#9 §6).
    chosen: Msg | LocalText | None = None
    # Whether the input sounded like a crisis (signposting was given; a chat puts it first in the queue).
    crisis: bool = False
    # The same update came again (after a crash): nothing was done, its replies were committed the first time.
    duplicate: bool = False
    # The outbox row holding this reply, claimed for the channel to send right after the commit.
    outbox: int | None = None

    @property
    def question(self) -> Ask | None:
        """The question now waiting for an answer, if any."""
        for result in reversed(self.results):
            if isinstance(result, Ask):
                return result
        return None


# --- a reply as plain JSON data: the transactional outbox keeps it until it is sent ---------------------------
def dump_results(results: list[Result]) -> list[dict[str, Any]]:
    """The results of a reply as JSON data, to be sent after the commit (or after a restart)."""
    return [_dump_result(result) for result in results]


def load_results(data: list[dict[str, Any]]) -> list[Result]:
    """The results written by `dump_results`."""
    return [_load_result(item) for item in data]


# An Ask's plain fields (flags, numbers) are stored as they are, so a new one needs no codec change.
_ASK_PLAIN = tuple(f.name for f in fields(Ask) if f.name not in ("prompt", "options", "controls"))


def _dump_label(label: Msg | LocalText) -> dict[str, Any]:
    """A label (a catalog id or a text in every language) as JSON data."""
    if isinstance(label, LocalText):
        return {"text": [label.fi, label.sv, label.en]}
    return {"msg": dump_msg(label)}


def _load_label(data: dict[str, Any]) -> Msg | LocalText:
    """The label `_dump_label` wrote."""
    return LocalText(*data["text"]) if "text" in data else load_msg(data["msg"])


def _dump_options(options: tuple[Option, ...]) -> list[dict[str, Any]]:
    """Buttons as JSON data: each value and its label."""
    return [{"value": option.value, "label": _dump_label(option.label)} for option in options]


def _load_options(data: list[dict[str, Any]]) -> tuple[Option, ...]:
    """The buttons `_dump_options` wrote."""
    return tuple(Option(item["value"], _load_label(item["label"])) for item in data)


def _dump_circle(circle: Circle) -> dict[str, Any]:
    """An ESY circle picture as JSON data."""
    return {
        "title": dump_msg(circle.title), "areas": [_dump_label(area) for area in circle.areas],
        "scale": [circle.scale_min, circle.scale_max], "when": circle.when.isoformat(),
        "scale_labels": [_dump_label(label) for label in circle.scale_labels],
        "series": [{"label": dump_msg(s.label), "values": list(s.values), "when": s.when.isoformat()}
                   for s in circle.series],
        "nickname": circle.nickname, "wishes": [list(wish) for wish in circle.wishes],
    }


def _load_circle(data: dict[str, Any]) -> Circle:
    """The circle `_dump_circle` wrote (older replies lack its later fields)."""
    return Circle(
        load_msg(data["title"]), tuple(LocalText(*area["text"]) for area in data["areas"]),
        data["scale"][0], data["scale"][1], tuple(LocalText(*label["text"]) for label in data["scale_labels"]),
        tuple(Series(load_msg(s["label"]), tuple(s["values"]), datetime.fromisoformat(s["when"]))
              for s in data["series"]),
        datetime.fromisoformat(data["when"]),
        # Replies stored before a circle had these fields come back without them.
        data.get("nickname"), tuple((int(index), str(wish)) for index, wish in data.get("wishes", [])),
    )


def _dump_trend(trend: Trend) -> dict[str, Any]:
    """A progress picture as JSON data."""
    return {
        "title": dump_msg(trend.title), "areas": [_dump_label(area) for area in trend.areas],
        "scale": [trend.scale_min, trend.scale_max], "dates": [when.isoformat() for when in trend.dates],
        "values": [list(values) for values in trend.values],
        "notes": [[dump_msg(note) for note in notes] for notes in trend.notes], "nickname": trend.nickname,
        "asked": [list(asked) for asked in trend.asked],
    }


def _load_trend(data: dict[str, Any]) -> Trend:
    """The progress picture `_dump_trend` wrote."""
    return Trend(
        load_msg(data["title"]), tuple(LocalText(*area["text"]) for area in data["areas"]),
        data["scale"][0], data["scale"][1], tuple(datetime.fromisoformat(when) for when in data["dates"]),
        tuple(tuple(values) for values in data["values"]),
        tuple(tuple(load_msg(note) for note in notes) for notes in data["notes"]), data["nickname"],
        tuple(tuple(bool(value) for value in asked) for asked in data.get("asked", [])),
    )


def _dump_result(result: Result) -> dict[str, Any]:
    """One result as JSON data, tagged with its kind."""
    match result:
        case Ask():
            return {"ask": {
                "prompt": dump_msg(result.prompt), "options": _dump_options(result.options),
                "controls": _dump_options(result.controls), **{name: getattr(result, name) for name in _ASK_PLAIN}}}
        case Say(msg=msg, about=about, preview=preview):
            return {"say": dump_msg(msg), "about": about, **({} if preview else {"preview": False})}
        case Photo(circle=circle, caption=caption):
            return {"photo": {"circle": _dump_circle(circle), "caption": dump_msg(caption)}}
        case Chart(trend=trend, caption=caption):
            return {"chart": {"trend": _dump_trend(trend), "caption": dump_msg(caption)}}
        case Document(kind=kind, data=data, caption=caption, pictures=pictures):
            return {"document": {"kind": kind, "data": data, "caption": dump_msg(caption),
                                 "pictures": [_dump_circle(circle) for circle in pictures]}}
        case Done(msg=msg):
            return {"done": None if msg is None else dump_msg(msg)}
        case Abort(reason=reason):
            return {"abort": reason}
    raise TypeError(f"cannot store a {type(result).__name__} result")


def _load_result(data: dict[str, Any]) -> Result:
    """The result `_dump_result` wrote."""
    if "ask" in data:
        ask = data["ask"]
        return Ask(load_msg(ask["prompt"]), _load_options(ask["options"]), controls=_load_options(ask["controls"]),
                   **{name: ask[name] for name in _ASK_PLAIN})
    if "say" in data:
        return Say(load_msg(data["say"]), data["about"], data.get("preview", True))
    if "photo" in data:
        return Photo(_load_circle(data["photo"]["circle"]), load_msg(data["photo"]["caption"]))
    if "chart" in data:
        return Chart(_load_trend(data["chart"]["trend"]), load_msg(data["chart"]["caption"]))
    if "document" in data:
        document = data["document"]
        return Document(document["kind"], document["data"], load_msg(document["caption"]),
                        tuple(_load_circle(circle) for circle in document.get("pictures", [])))
    if "done" in data:
        return Done(None if data["done"] is None else load_msg(data["done"]))
    return Abort(data["abort"])
