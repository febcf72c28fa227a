"""Dates and times as people type them, and the examples prompts show.

The readers accept what the bot itself prints ("pe 27.11. klo 14.00", "fre 27.11. kl. 14.00",
"Fri 27 Nov, 14:00", "6.12.2026", "6 Dec 2026") and the usual short forms ("27.11. 14:00", "27.11.2027 klo 14",
"2026-11-27 14:00"). A prompt's example is computed from "now", so it is never in the past.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flows.core.messages import N_, Msg, TimeOfDay

HELSINKI = ZoneInfo("Europe/Helsinki")

# Weekday names in Finnish, Swedish and English (short and long), Monday first: a coordinator types them in
# /rota, and a typed date may start with the weekday the bot printed.
WEEKDAY_WORDS: dict[str, tuple[str, ...]] = {
    "mon": ("ma", "maanantai", "mån", "måndag", "mon", "monday"),
    "tue": ("ti", "tiistai", "tis", "tisdag", "tue", "tuesday"),
    "wed": ("ke", "keskiviikko", "ons", "onsdag", "wed", "wednesday"),
    "thu": ("to", "torstai", "tor", "torsdag", "thu", "thursday"),
    "fri": ("pe", "perjantai", "fre", "fredag", "fri", "friday"),
    "sat": ("la", "lauantai", "lör", "lördag", "sat", "saturday"),
    "sun": ("su", "sunnuntai", "sön", "söndag", "sun", "sunday"),
}
# English and Swedish month names by their first three letters ("Nov", "november", "okt", "maj").
MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "maj": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
          "oct": 10, "okt": 10, "nov": 11, "dec": 12}

_WEEKDAY = r"(?:(?P<weekday>[a-zåäö]+)\.?,?\s+)?"
_DAY = (r"(?:(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})?"
        r"|(?P<nd>\d{1,2})\.?\s+(?P<month>[a-z]{3,9})\.?(?:\s+(?P<ny>\d{4}))?"
        r"|(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2}))")
_CLOCK = r"(?:\s*,\s*|\s+|T)(?:(?:klo|kl\.?|at)\s*)?(?P<h>\d{1,2})(?:[:.](?P<min>\d{2}))?"
_DAY_RE = re.compile(_WEEKDAY + _DAY)
_MOMENT_RE = re.compile(_WEEKDAY + _DAY + _CLOCK)


def read_day(text: str, earliest: date) -> date | None:
    """A typed calendar day; one without a year is the first such day on or after ``earliest``."""
    match = _DAY_RE.fullmatch(_clean(text))
    return _day(match, earliest) if match else None


def read_moment(text: str, earliest: date) -> tuple[date, time] | None:
    """A typed day and time of day; a day without a year is the first such day on or after ``earliest``."""
    match = _MOMENT_RE.fullmatch(_clean(text))
    day = _day(match, earliest) if match else None
    if match is None or day is None:
        return None
    try:
        return day, time(int(match["h"]), int(match["min"] or 0))
    except ValueError:
        return None


def _clean(text: str) -> str:
    """Lower case, with single spaces."""
    return " ".join(text.lower().split())


def _day(match: re.Match[str], earliest: date) -> date | None:
    """The day a match names, or None when there is no such day or the weekday typed with it is another."""
    if match["iy"]:
        year, month, number = int(match["iy"]), int(match["im"]), int(match["id"])
        given = True
    else:
        found = MONTHS.get((match["month"] or "")[:3]) if match["month"] else int(match["m"])
        if found is None:
            return None
        year_text = match["y"] or match["ny"]
        year, month, number, given = int(year_text or earliest.year), found, int(match["d"] or match["nd"]), bool(
            year_text)
    try:
        day = date(year, month, number)
        if not given and day < earliest:
            day = day.replace(year=year + 1)
    except ValueError:  # no such day (31.11., or 29.2. moved into a year without it)
        return None
    weekday = match["weekday"]
    if weekday is not None and weekday not in WEEKDAY_WORDS[tuple(WEEKDAY_WORDS)[day.weekday()]]:
        return None  # "pe 28.11." when the 28th is a Saturday: ask again rather than guess which was meant
    return day


def example_moment(after: datetime, days: int) -> datetime:
    """A moment for a prompt's example: ``days`` after ``after`` on a weekday, at 14.00 in Helsinki."""
    day = _weekday_on_or_after(after.astimezone(HELSINKI).date() + timedelta(days=days))
    return datetime.combine(day, time(14), tzinfo=HELSINKI)


def example_day(after: datetime, days: int) -> datetime:
    """A day for a prompt's example: ``days`` after ``after``, on a weekday (noon in Helsinki)."""
    day = _weekday_on_or_after(after.astimezone(HELSINKI).date() + timedelta(days=days))
    return datetime.combine(day, time(12), tzinfo=HELSINKI)


def _weekday_on_or_after(day: date) -> date:
    """The day itself, or the Monday after it when it falls on a weekend."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def time_range(start: time, end: time) -> Msg:
    """Wall-clock times of a slot without its day ("klo 12.00–14.00"); one that ends after midnight says so."""
    key = N_("time.range_overnight") if end <= start else N_("time.range")
    return Msg(key, {"start": TimeOfDay(start), "end": TimeOfDay(end)})


ROLL_OVER = timedelta(days=60)  # "3.1." typed in December means next January; "19.11." on the 20th is a mistake


def parse_due(text: str, today: date) -> date | None:
    """A due date as people type it: "4.12.", "4.12.2026" or "2026-12-04". A day-and-month just past stays in
    this year (and is refused as past by the caller) rather than silently moving to next year."""
    return parse_day(text, today - ROLL_OVER)


def parse_day(text: str, today: date) -> date | None:
    """ "24.12.2026", "24.12." (this year, or next if it has passed), "2026-12-24", or as the bot prints a date
    ("to 24.12.", "24 Dec 2026")."""
    return read_day(text, today)


def due_from(text: str, now: datetime) -> date | None:
    """A typed due date from today on, or None (unreadable, or already past)."""
    today = now.astimezone(HELSINKI).date()
    due = parse_due(text, today)
    return due if due is not None and due >= today else None


# How far ahead a typed date may be: beyond it nothing is planned, and a year like 9999 would overflow the
# reminder arithmetic (and let one participant's promise block the worker's record).
HORIZON = timedelta(days=730)


def too_far(day: date, now: datetime) -> Msg | None:
    """The answer to a typed date beyond the horizon (it names the last allowed day), or None if it is within."""
    last = now.astimezone(HELSINKI).date() + HORIZON
    return Msg(N_("date.too_far"), {"last": as_day(last)}) if day > last else None


def as_day(day: date) -> datetime:
    """A calendar day as a message parameter (shown as a date in the reader's language)."""
    return datetime.combine(day, time(12), tzinfo=HELSINKI)
