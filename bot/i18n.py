"""Catalog lookup and formatting: ids with named placeholders become sentences in fi/sv/en.

Dates are shown in Europe/Helsinki and numbers with each language's conventions, through babel.
"""

from __future__ import annotations

import logging
import string
from collections.abc import Callable
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from flows.core.messages import (
    LANGUAGES,
    N_,
    DeepLink,
    Example,
    Filled,
    Lines,
    LocalText,
    Msg,
    Number,
    Param,
    Period,
    TimeOfDay,
    When,
)

log = logging.getLogger(__name__)

DOMAIN = "bot"
HELSINKI = ZoneInfo("Europe/Helsinki")
# Finland-Swedish and British English date conventions suit a Finnish service better than sv_SE/en_US.
BABEL_LOCALES = {"fi": Locale.parse("fi_FI"), "sv": Locale.parse("sv_FI"), "en": Locale.parse("en_GB")}


LinkFormat = Callable[[str], str]


def console_link(payload: str) -> str:
    """A deep link where there are no links: the command that does the same."""
    return f"/start {payload}"


def locales_dir() -> Path:
    """Where the catalogs are: inside the installed wheel, or the source checkout's ``locales/``."""
    packaged = Path(__file__).parent / "_locales"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parent.parent / "locales"


def _load(directory: Path, language: str) -> dict[str, str]:
    folder = directory / language / "LC_MESSAGES"
    mo_path, po_path = folder / f"{DOMAIN}.mo", folder / f"{DOMAIN}.po"
    if mo_path.exists() and (not po_path.exists() or mo_path.stat().st_mtime >= po_path.stat().st_mtime):
        with mo_path.open("rb") as mo_file:
            catalog = read_mo(mo_file)
    else:
        # A checkout whose catalogs were not compiled (or changed since): read the sources directly.
        log.warning("i18n.uncompiled language=%s", language)
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=language)
    return {str(m.id): str(m.string) for m in catalog if m.id and m.string and not m.fuzzy}


# One date style everywhere (babel patterns): weekday and date of an opening or a meeting ("pe 28.11." /
# "fre 28.11." / "Fri 28 Nov"), a date with its year ("6.12.2026" in Finnish and Finland-Swedish, not sv_FI's
# "6 dec. 2026"; "6 Dec 2026"), and a date as a person types it in a prompt's example ("27.11.").
DAY_FORMATS = {"fi": "EEE d.M.", "sv": "EEE d.M.", "en": "EEE d MMM"}
DATE_FORMATS = {"fi": "d.M.yyyy", "sv": "d.M.yyyy", "en": "d MMM yyyy"}
TYPED_FORMATS = {"fi": "d.M.", "sv": "d.M.", "en": "d MMM"}


def _clock(moment: datetime | time, language: str, locale: Locale) -> str:
    """A time of day as the bot writes it: "14.00" or "9.30" in Finnish and Swedish, "14:00" in English."""
    if language in ("fi", "sv"):
        return f"{moment.hour}.{moment.minute:02d}"
    return str(format_time(moment, format="HH:mm", locale=locale))


def _date(moment: datetime, formats: dict[str, str], language: str, locale: Locale) -> str:
    return str(format_date(moment, format=formats.get(language, formats["fi"]), locale=locale))


def placeholders(template: str) -> set[str]:
    """The named placeholders in a catalog string."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


class Catalogs:
    """All three languages, loaded once; `text` renders a message in one of them."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or locales_dir()
        self.messages = {language: _load(self.directory, language) for language in LANGUAGES}

    def has(self, language: str, key: str) -> bool:
        return key in self.messages[language]

    def text(self, language: str, message: Msg | LocalText | Filled, link: LinkFormat = console_link) -> str:
        """The sentence for ``message`` in ``language``; a missing id shows the id, never a crash.

        ``link`` writes a deep link the way the channel needs it.
        """
        if isinstance(message, LocalText):
            return message.get(language)
        if isinstance(message, Filled):
            template, key = message.text.get(language), "data-file"
        else:
            found = self.messages.get(language, {}).get(message.key)
            if found is None:
                log.error("i18n.missing language=%s key=%s", language, message.key)
                return message.key
            template, key = found, message.key
        values = {name: self.param(language, value, link) for name, value in message.params.items()}
        try:
            return template.format_map(values).rstrip()  # an empty optional part leaves no blank tail
        except (KeyError, IndexError, ValueError):
            log.error("i18n.placeholder language=%s key=%s", language, key)
            return template

    def param(self, language: str, value: Param, link: LinkFormat = console_link) -> str:
        """One placeholder value as text in ``language``."""
        locale = BABEL_LOCALES.get(language, BABEL_LOCALES["fi"])
        match value:
            case Msg() | LocalText() | Filled():
                return self.text(language, value, link)
            case Lines(items=items, separator=separator):
                return separator.join(self.param(language, item, link) for item in items)
            case DeepLink(payload=payload):
                return link(payload)
            case Period(start=start, end=end):
                return self._period(language, start.astimezone(HELSINKI), end.astimezone(HELSINKI), link)
            case When(at=at):
                moment = at.astimezone(HELSINKI)
                return self.text(language, Msg(N_("time.moment"), {
                    "day": _date(moment, DAY_FORMATS, language, locale),
                    "time": _clock(moment, language, locale)}), link)
            case TimeOfDay(at=at):
                return _clock(at.astimezone(HELSINKI) if isinstance(at, datetime) else at, language, locale)
            case Example(at=at, clock=clock):
                moment = at.astimezone(HELSINKI)
                if not clock:
                    return _date(moment, DATE_FORMATS, language, locale)
                return self.text(language, Msg(N_("time.moment"), {
                    "day": _date(moment, TYPED_FORMATS, language, locale),
                    "time": _clock(moment, language, locale)}), link)
            case Number(value=number, decimals=decimals, signed=signed):
                pattern = "0." + "0" * decimals if decimals else "0"
                if signed:
                    pattern = f"+{pattern};-{pattern}"
                return str(format_decimal(number, format=pattern, locale=locale))
            case datetime():
                return _date(value.astimezone(HELSINKI), DATE_FORMATS, language, locale)
            case bool():
                return str(value)
            case int() if 0 <= value < 1000:
                # Digits alone in every locale Kaari speaks (babel agrees, tests/bot/test_i18n_numbers.py): a
                # step count such as "3/20" is in most questions, and babel took half of rendering them (#9 §6).
                return str(value)
            case int():
                return str(format_decimal(value, locale=locale))
            case _:
                return str(value)

    def stamp(self, language: str, at: datetime) -> str:
        """A date with its year and the time of day in Helsinki, in the bot's own style ("6.12.2026 klo 14.00"):
        the date as every dated message prints it, the time as openings and meetings do."""
        locale = BABEL_LOCALES.get(language, BABEL_LOCALES["fi"])
        moment = at.astimezone(HELSINKI)
        return self.text(language, Msg(N_("time.moment"), {
            "day": _date(moment, DATE_FORMATS, language, locale), "time": _clock(moment, language, locale)}))

    def short_date(self, language: str, at: datetime) -> str:
        """A date without its year, as a person types it ("4.9.", "4 Sept"): where a full date does not fit."""
        locale = BABEL_LOCALES.get(language, BABEL_LOCALES["fi"])
        return _date(at.astimezone(HELSINKI), TYPED_FORMATS, language, locale)

    def _period(self, language: str, begin: datetime, finish: datetime, link: LinkFormat) -> str:
        """An opening in one line; one that runs past midnight names both days ("su 6.12. klo 22.00–ma 7.12.
        klo 1.00"), so "22–1" is never read as a slot that ends before it starts."""
        locale = BABEL_LOCALES.get(language, BABEL_LOCALES["fi"])
        day = _date(begin, DAY_FORMATS, language, locale)
        start, end = _clock(begin, language, locale), _clock(finish, language, locale)
        if finish.date() == begin.date():
            return self.text(language, Msg(N_("time.period"), {"day": day, "start": start, "end": end}), link)
        return self.text(language, Msg(N_("time.period_overnight"), {
            "day": day, "start": start, "end_day": _date(finish, DAY_FORMATS, language, locale), "end": end}), link)
