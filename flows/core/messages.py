"""Message references: catalog ids with named placeholders, never sentences."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

LANGUAGES: tuple[str, ...] = ("fi", "sv", "en")


def N_(key: str) -> str:
    """Mark a catalog id so `pybabel extract -k N_` finds it; returns it unchanged."""
    return key


@dataclass(frozen=True)
class LocalText:
    """Text that comes from a data file (an instrument, a service list) in every language."""

    fi: str
    sv: str
    en: str

    def get(self, language: str) -> str:
        """Return the text in ``language``, Finnish when the language is unknown."""
        return {"fi": self.fi, "sv": self.sv, "en": self.en}.get(language, self.fi)


@dataclass(frozen=True)
class Number:
    """A number shown with the user's locale conventions (decimal comma in fi/sv)."""

    value: float
    decimals: int = 1
    signed: bool = False


@dataclass(frozen=True)
class Lines:
    """Parameters shown one per line."""

    items: tuple[Param, ...]
    separator: str = "\n"


@dataclass(frozen=True)
class DeepLink:
    """A link that opens the bot with ``payload`` (an invitation code); each channel writes its own form."""

    payload: str


@dataclass(frozen=True)
class Period:
    """A span of time (an opening), shown as a Helsinki weekday, date and times, e.g. "pe 28.11. klo 12.00–14.00"."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class When:
    """A moment (a meeting's start), shown as a Helsinki weekday, date and time, e.g. "pe 27.11. klo 14.00"."""

    at: datetime


@dataclass(frozen=True)
class TimeOfDay:
    """A time of day, e.g. "14.05": a moment in Helsinki time (a chat line's), or a wall-clock time as it is (a
    weekly slot's)."""

    at: datetime | time


@dataclass(frozen=True)
class Example:
    """A moment as a person would type it, for a prompt's example: "27.11. klo 14.00", or "27.11.2027" when
    ``clock`` is false. The readers accept exactly this form (flows/dates.py)."""

    at: datetime
    clock: bool = True


@dataclass(frozen=True)
class Filled:
    """A data file's text with named placeholders filled in the reader's language (a consent text naming the
    workers, whose titles come from the catalogs)."""

    text: LocalText
    params: Mapping[str, Param] = field(default_factory=dict)


@dataclass(frozen=True)
class Msg:
    """A catalog id and its named placeholders; a channel turns it into text."""

    key: str
    params: Mapping[str, Param] = field(default_factory=dict)


# A datetime is shown as a date in Europe/Helsinki; it must be timezone-aware.
Param = (str | int | Number | LocalText | Filled | Msg | Lines | DeepLink | Period | When | TimeOfDay | Example
         | datetime)


def dump_msg(message: Msg) -> dict[str, Any]:
    """A message as plain JSON data, to be shown later (an outbox row)."""
    return {"key": message.key, "params": {name: _dump(value) for name, value in message.params.items()}}


def load_msg(data: dict[str, Any]) -> Msg:
    """The message written by `dump_msg`."""
    return Msg(data["key"], {name: _load(value) for name, value in data["params"].items()})


def dump_param(value: Param) -> Any:
    """One message parameter as plain JSON data (a label kept in a conversation's data)."""
    return _dump(value)


def load_param(data: Any) -> Param:
    """The parameter written by `dump_param`."""
    return _load(data)


def _dump(value: Param) -> Any:
    """A parameter as JSON data, tagged with its kind."""
    match value:
        case bool():
            raise TypeError("a yes/no is not a message parameter")
        case str() | int():
            return value
        case Number(value=number, decimals=decimals, signed=signed):
            return {"number": [number, decimals, signed]}
        case LocalText(fi=fi, sv=sv, en=en):
            return {"text": [fi, sv, en]}
        case Msg():
            return {"msg": dump_msg(value)}
        case Filled(text=text, params=params):
            return {"filled": [[text.fi, text.sv, text.en], {name: _dump(item) for name, item in params.items()}]}
        case Lines(items=items, separator=separator):
            return {"lines": [_dump(item) for item in items], "separator": separator}
        case DeepLink(payload=payload):
            return {"link": payload}
        case Period(start=start, end=end):
            return {"period": [start.isoformat(), end.isoformat()]}
        case When(at=at):
            return {"when": at.isoformat()}
        case TimeOfDay(at=at):
            return {"clock": at.isoformat()}
        case Example(at=at, clock=clock):
            return {"example": [at.isoformat(), clock]}
        case datetime():
            return {"time": value.isoformat()}
    raise TypeError(f"cannot store a {type(value).__name__} in a message")


def _load(value: Any) -> Param:
    """The parameter `_dump` wrote."""
    if isinstance(value, str | int):
        return value
    if "number" in value:
        number, decimals, signed = value["number"]
        return Number(number, decimals, signed)
    if "text" in value:
        return LocalText(*value["text"])
    if "msg" in value:
        return load_msg(value["msg"])
    if "filled" in value:
        texts, params = value["filled"]
        return Filled(LocalText(*texts), {name: _load(item) for name, item in params.items()})
    if "lines" in value:
        return Lines(tuple(_load(item) for item in value["lines"]), value["separator"])
    if "link" in value:
        return DeepLink(value["link"])
    if "when" in value:
        return When(datetime.fromisoformat(value["when"]))
    if "clock" in value:
        text = value["clock"]
        return TimeOfDay(datetime.fromisoformat(text) if "T" in text else time.fromisoformat(text))
    if "example" in value:
        return Example(datetime.fromisoformat(value["example"][0]), value["example"][1])
    if "period" in value:
        return Period(datetime.fromisoformat(value["period"][0]), datetime.fromisoformat(value["period"][1]))
    return datetime.fromisoformat(value["time"])
