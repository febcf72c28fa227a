"""Crisis words: any message in any flow that sounds like acute danger gets signposting at once.

The patterns and the places to turn are a data file in fi/sv/en, grouped by category (suicidal thoughts,
self-harm, overdose, violence, a general fallback) so the help fits what was written. Matching is
deliberately generous: a false alarm costs a kind message; a missed one could cost much more. Young people
write in spoken forms, without diacritics, with repeated letters and in caps, so text and patterns are
normalised the same way and patterns are word stems, not exact phrases.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from flows.core.datafile import DataFileError, DataReader, parse_toml
from flows.core.messages import LANGUAGES, N_, Lines, LocalText, Msg

DEFAULT_CRISIS = "crisis.toml"
# Words a pattern's words may have between them unless the file says otherwise ("haluun vaan niin kuolla").
DEFAULT_GAP = 3
EMERGENCY = "112"
# Finnish forms the numbers may have: 112, 116 117, 0800/080 free numbers, 09 (Helsinki) landlines.
NUMBER = re.compile(r"112|116 117|0800 \d{3} \d{3}|080 \d{3} \d{3}|09 \d{4} \d{4}")
_APOSTROPHES = str.maketrans({"\u2019": "", "\u2018": "", "`": "", "'": "", "\u00b4": ""})
_NOT_WORD = re.compile(r"[^0-9a-z]+")
_REPEATS = re.compile(r"(.)\1+")


class CrisisFileError(DataFileError):
    """The crisis file is unusable."""


def normalise(text: str) -> str:
    """One spelling for matching: case folded, no diacritics ("elää" = "elaa"), no apostrophes, letters
    said once ("kuoooolla" = "kuola", and "itteni" = "iteni"), anything else (punctuation, emoji) a space."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_APOSTROPHES)
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    text = text.replace("ß", "ss").replace("ø", "o").replace("æ", "ae")
    return _REPEATS.sub(r"\1", _NOT_WORD.sub(" ", text)).strip()


@dataclass(frozen=True)
class Word:
    """One word of a pattern, as alternatives: stems matching the start of a word, whole words (``kms.``)
    and parts matching anywhere in a word (``*viilte``, for compounds such as "itseviiltely")."""

    stems: tuple[str, ...] = ()
    wholes: frozenset[str] = frozenset()
    parts: tuple[str, ...] = ()

    def fits(self, token: str) -> bool:
        """Whether one normalised word of the text is this word of the pattern."""
        return token.startswith(self.stems) or token in self.wholes or any(p in token for p in self.parts)


@dataclass(frozen=True)
class Pattern:
    """Words in order, each at most ``gap`` words after the one before."""

    source: str
    words: tuple[Word, ...]
    gap: int

    def found_in(self, tokens: list[str]) -> bool:
        """Whether the pattern occurs anywhere in the normalised words of a text."""
        return any(self._from(tokens, start, 0) for start in range(len(tokens)))

    def _from(self, tokens: list[str], at: int, index: int) -> bool:
        """Whether the pattern's words from ``index`` on occur starting at ``tokens[at]``."""
        if not self.words[index].fits(tokens[at]):
            return False
        if index + 1 == len(self.words):
            return True
        end = min(len(tokens), at + 2 + self.gap)
        return any(self._from(tokens, nxt, index + 1) for nxt in range(at + 1, end))


@dataclass(frozen=True)
class Contact:
    """A place to turn: its number, hours in words, whether it is always open, the languages it answers in."""

    id: str
    name: LocalText
    number: str  # empty for a chat or a website
    hours: LocalText
    always_open: bool
    languages: tuple[str, ...]
    # The languages whose speakers are shown this contact (the Swedish line is for Swedish speakers).
    shown_to: tuple[str, ...]
    detail: LocalText


@dataclass(frozen=True)
class Category:
    """A kind of danger (self-harm, say): the patterns that sound like it and the places that fit it."""

    name: str
    patterns: tuple[Pattern, ...]
    contacts: tuple[str, ...]


@dataclass(frozen=True)
class Crisis:
    """The crisis file, read: when its numbers were last checked, its categories and places to turn."""

    checked_on: date
    categories: tuple[Category, ...]
    contacts: dict[str, Contact]
    general: str

    def matching(self, text: str) -> tuple[str, ...]:
        """The categories whose patterns occur in ``text`` (in any of the languages: people mix them)."""
        tokens = normalise(text).split()
        if not tokens:
            return ()
        return tuple(c.name for c in self.categories if any(p.found_in(tokens) for p in c.patterns))

    def matches(self, text: str) -> bool:
        """Whether ``text`` sounds like a crisis at all."""
        return bool(self.matching(text))

    def places(self, categories: tuple[str, ...], language: str) -> tuple[Contact, ...]:
        """Where to turn for these categories (the general help when none), deduplicated, 112 first."""
        found: dict[str, Contact] = {}
        for category in self.categories:
            if category.name in (categories or (self.general,)):
                for ident in category.contacts:
                    contact = self.contacts[ident]
                    if language in contact.shown_to:
                        found.setdefault(ident, contact)
        return tuple(sorted(found.values(), key=lambda contact: contact.number != EMERGENCY))


    def help(self, categories: tuple[str, ...], language: str) -> Lines:
        """The places to turn for these categories, one per line, as the person's language shows them."""
        return Lines(tuple(
            Msg(N_("crisis.contact"), {"name": c.name, "number": c.number, "hours": c.hours, "detail": c.detail})
            if c.number else Msg(N_("crisis.contact_web"), {"name": c.name, "hours": c.hours, "detail": c.detail})
            for c in self.places(categories, language)))


class _Reader(DataReader):
    error = CrisisFileError

    def crisis(self, raw: dict[str, Any]) -> Crisis:
        """The whole file: its contacts, categories and the general category, checked."""
        self.table(raw, "top level", {"checked_on", "gap", "general", "contacts", "categories"})
        checked_on = self.field(raw, "checked_on", date, "top level")
        gap = self.field(raw, "gap", int, "top level") if "gap" in raw else DEFAULT_GAP
        contacts_raw = self.field(raw, "contacts", dict, "top level")
        contacts = {ident: self.contact(ident, entry) for ident, entry in contacts_raw.items()}
        if not contacts:
            raise self.fail("contacts", "at least one place to turn is needed")
        categories_raw = self.field(raw, "categories", dict, "top level")
        categories = tuple(self.category(name, entry, contacts, gap) for name, entry in categories_raw.items())
        general = self.field(raw, "general", str, "top level")
        if general not in categories_raw:
            raise self.fail("general", f"names no category: {general!r}")
        return Crisis(checked_on, categories, contacts, general)

    def contact(self, ident: str, entry: Any) -> Contact:
        """One place to turn, with its number in a Finnish form (or none, for a chat)."""
        where = f"contacts.{ident}"
        self.table(entry, where, {"name", "number", "hours", "always_open", "languages", "shown_to", "detail"})
        # A chat has no number: its name then says where it is (sekasin.fi).
        number = self.field(entry, "number", str, where) if "number" in entry else ""
        if number and not NUMBER.fullmatch(number):
            raise self.fail(f"{where}.number", f"not a Finnish number in the usual form: {number!r}")
        languages = self.languages(entry, "languages", where)
        shown_to = self.languages(entry, "shown_to", where) if "shown_to" in entry else LANGUAGES
        return Contact(ident, self.text(entry, "name", where), number, self.text(entry, "hours", where),
                       self.field(entry, "always_open", bool, where), languages, shown_to,
                       self.text(entry, "detail", where))

    def languages(self, entry: dict[str, Any], name: str, where: str) -> tuple[str, ...]:
        """A non-empty list of the language codes Kaari speaks."""
        value = self.field(entry, name, list, where)
        if not value or any(language not in LANGUAGES for language in value):
            raise self.fail(f"{where}.{name}", f"needs language codes from {list(LANGUAGES)}")
        return tuple(value)

    def category(self, name: str, entry: Any, contacts: dict[str, Contact], gap: int) -> Category:
        """One category: its contacts (all defined) and its patterns in every language."""
        where = f"categories.{name}"
        self.table(entry, where, {"contacts", *LANGUAGES})
        listed = self.field(entry, "contacts", list, where)
        for ident in listed:
            if ident not in contacts:
                raise self.fail(f"{where}.contacts", f"no such contact: {ident!r}")
        patterns: list[Pattern] = []
        for language in LANGUAGES:
            texts = self.field(entry, language, list, where)
            if not texts or not all(isinstance(text, str) and text.strip() for text in texts):
                raise self.fail(f"{where}.{language}", "needs a list of non-empty patterns")
            patterns += [self.pattern(text, f"{where}.{language}", gap) for text in texts]
        return Category(name, tuple(patterns), tuple(listed))

    def pattern(self, text: str, where: str, gap: int) -> Pattern:
        """One pattern: its words, each at most ``gap`` words after the one before."""
        words = [self.word(part, text, where) for part in text.split()]
        if not words:
            raise self.fail(where, f"pattern {text!r} is empty")
        return Pattern(text, tuple(words), gap)

    def word(self, part: str, text: str, where: str) -> Word:
        """One word of a pattern: ``a|b`` alternatives, ``*part`` anywhere, ``whole.`` exactly."""
        stems: list[str] = []
        wholes: set[str] = set()
        parts: list[str] = []
        for alternative in part.split("|"):
            form = normalise(alternative.strip("*."))
            if not form or " " in form:
                raise self.fail(where, f"pattern {text!r}: cannot read the word {alternative!r}")
            if alternative.startswith("*"):
                parts.append(form)
            elif alternative.endswith("."):
                wholes.add(form)
            else:
                stems.append(form)
        return Word(tuple(stems), frozenset(wholes), tuple(parts))


def load_crisis(path: Path | None = None) -> Crisis:
    """The crisis patterns and contacts from an organisation's file, or Kaari's default."""
    if path is None:
        text = resources.files(__package__ or "").joinpath(DEFAULT_CRISIS).read_text(encoding="utf-8")
        return _Reader(f"flows/core/{DEFAULT_CRISIS}").crisis(
            parse_toml(text, f"flows/core/{DEFAULT_CRISIS}", CrisisFileError))
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise CrisisFileError(f"{path}: cannot be read: {error.strerror}") from error
    return _Reader(str(path)).crisis(parse_toml(text, str(path), CrisisFileError))
