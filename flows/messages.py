"""Message references: catalog ids with named placeholders, never sentences."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

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
class Msg:
    """A catalog id and its named placeholders; a channel turns it into text."""

    key: str
    params: Mapping[str, Param] = field(default_factory=dict)


# A datetime is shown as a date in Europe/Helsinki; it must be timezone-aware.
Param = str | int | Number | LocalText | Msg | Lines | datetime
