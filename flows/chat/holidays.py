"""Finnish public holidays, computed for any year, so that a services file never needs next year's dates.

The church holidays and the other days off of the Finnish calendar (juhlapyhät, arkipyhät): the moving ones
follow Easter or fall on the Saturday of a given week, as in the Finnish almanac.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from functools import cache
from types import MappingProxyType

# The names a services file uses in ``holidays = [...]``.
HOLIDAYS = (
    "new_year", "epiphany", "good_friday", "easter_monday", "may_day", "ascension_day", "midsummer_eve",
    "midsummer_day", "all_saints_day", "independence_day", "christmas_eve", "christmas_day", "boxing_day",
    "easter_day", "whit_sunday",  # always Sundays: they close only a service with Sunday slots
)


def easter_sunday(year: int) -> date:
    """Western (Gregorian) Easter Day: the anonymous Gregorian algorithm (Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741 (the algorithm's own name)
    m = (a + 11 * h + 22 * l) // 451
    month = (h + l - 7 * m + 114) // 31
    day = (h + l - 7 * m + 114) % 31 + 1
    return date(year, month, day)


def _saturday_from(first: date) -> date:
    """The first Saturday on or after ``first`` (Midsummer Day and All Saints' Day move to a Saturday)."""
    return first + timedelta(days=(5 - first.weekday()) % 7)


@cache
def finnish_holidays(year: int) -> Mapping[str, date]:
    """The date of every holiday of ``year``, by its name in HOLIDAYS (two can share a day: Ascension Day
    was on May Day in 2008)."""
    easter = easter_sunday(year)
    midsummer = _saturday_from(date(year, 6, 20))  # the Saturday between 20 and 26 June
    return MappingProxyType({  # cached, so read-only
        "new_year": date(year, 1, 1),
        "epiphany": date(year, 1, 6),
        "good_friday": easter - timedelta(days=2),
        "easter_monday": easter + timedelta(days=1),
        "may_day": date(year, 5, 1),
        "ascension_day": easter + timedelta(days=39),
        "midsummer_eve": midsummer - timedelta(days=1),
        "midsummer_day": midsummer,
        "all_saints_day": _saturday_from(date(year, 10, 31)),  # the Saturday between 31 October and 6 November
        "independence_day": date(year, 12, 6),
        "christmas_eve": date(year, 12, 24),
        "christmas_day": date(year, 12, 25),
        "boxing_day": date(year, 12, 26),
        "easter_day": easter,
        "whit_sunday": easter + timedelta(days=49),
    })


def holidays_on(day: date) -> frozenset[str]:
    """The names of the Finnish holidays on ``day`` (none on most days)."""
    return frozenset(name for name, when in finnish_holidays(day.year).items() if when == day)
