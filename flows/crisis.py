"""Crisis words: any message in any flow that sounds like acute danger gets signposting at once.

The expressions and the places to turn are a data file in fi/sv/en. Matching is deliberately generous:
a false alarm costs a kind message; a missed one could cost much more.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from flows.datafile import DataFileError, DataReader, parse_toml
from flows.messages import LANGUAGES, LocalText

DEFAULT_CRISIS = "crisis.toml"


class CrisisFileError(DataFileError):
    """The crisis file is unusable."""


@dataclass(frozen=True)
class Contact:
    name: LocalText
    detail: LocalText


@dataclass(frozen=True)
class Crisis:
    expressions: tuple[str, ...]
    contacts: tuple[Contact, ...]

    def matches(self, text: str) -> bool:
        """Whether ``text`` contains any crisis expression (case, accents' composition and spacing aside)."""
        plain = normalise(text)
        return any(expression in plain for expression in self.expressions)


def normalise(text: str) -> str:
    """Lower case, composed characters, single spaces, curly apostrophes straightened."""
    text = unicodedata.normalize("NFC", text).lower().replace("\u2019", "'")
    return re.sub(r"\s+", " ", text)


class _Reader(DataReader):
    error = CrisisFileError

    def crisis(self, raw: dict[str, object]) -> Crisis:
        self.table(raw, "top level", {"expressions", "contacts"})
        table = self.table(self.field(raw, "expressions", dict, "top level"), "expressions", set(LANGUAGES))
        expressions: list[str] = []
        for language in LANGUAGES:
            words = self.field(table, language, list, "expressions")
            if not words or not all(isinstance(word, str) and word.strip() for word in words):
                raise self.fail(f"expressions.{language}", "needs a list of non-empty expressions")
            expressions += [normalise(word.strip()) for word in words]
        contacts = []
        for i, entry in enumerate(self.field(raw, "contacts", list, "top level")):
            where = f"contacts[{i}]"
            self.table(entry, where, {"name", "detail"})
            contacts.append(Contact(self.text(entry, "name", where), self.text(entry, "detail", where)))
        if not contacts:
            raise self.fail("contacts", "at least one place to turn is needed")
        return Crisis(tuple(expressions), tuple(contacts))


def load_crisis(path: Path | None = None) -> Crisis:
    """The crisis expressions and contacts from an organisation's file, or Kaari's default."""
    if path is None:
        text = resources.files("flows.texts").joinpath(DEFAULT_CRISIS).read_text(encoding="utf-8")
        return _Reader(f"flows/texts/{DEFAULT_CRISIS}").crisis(
            parse_toml(text, f"flows/texts/{DEFAULT_CRISIS}", CrisisFileError))
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise CrisisFileError(f"{path}: cannot be read: {error.strerror}") from error
    return _Reader(str(path)).crisis(parse_toml(text, str(path), CrisisFileError))
