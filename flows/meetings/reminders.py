"""When to remind: before a meeting and before a promise's due date, outside quiet hours.

Pure time arithmetic in Europe/Helsinki wall-clock time; the rows themselves go to the outbox with a due time
and a "useful until" (a reminder for a meeting that has begun is dropped, not sent late).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flows.core.dates import HELSINKI
from flows.core.quiet import DEFAULT_QUIET, QuietHours
from flows.core.quiet import at_clock as _at

DEFAULT_BEFORE = (timedelta(days=2), timedelta(hours=2))
CHECKIN_AT = time(17, 0)  # the evening before a promise is due
CHECKIN_FALLBACK = time(10, 0)  # or the morning of the day, if it was made the day before


def meeting_reminders(
    starts_at: datetime, now: datetime, before: tuple[timedelta, ...] = DEFAULT_BEFORE,
    quiet: QuietHours = DEFAULT_QUIET,
) -> list[datetime]:
    """The times to remind everyone of a meeting, earliest first.

    A reminder that falls in quiet hours moves to the morning; if the meeting comes before then, it moves to
    the evening before instead, and if that has passed it goes at once (a closer meeting beats quiet hours).
    Reminders whose time has passed when the meeting is set are left out, except the last one, which goes at
    once if the meeting has not begun.
    """
    found: list[datetime] = []
    local = starts_at.astimezone(HELSINKI)  # "two days before" keeps the wall-clock time over a DST change
    for ahead in sorted(before, reverse=True):
        due = local - ahead
        if quiet.contains(due):
            morning = quiet.next_end(due)
            due = morning if morning < starts_at - timedelta(minutes=30) else quiet.last_start(due) - timedelta(
                minutes=1)
        if due <= now:
            continue
        found.append(due)
    if not found and starts_at > now + timedelta(minutes=30):
        found.append(now)  # set up at short notice: one reminder now
    return sorted(set(found))


def checkin_time(due: date, now: datetime, quiet: QuietHours = DEFAULT_QUIET) -> datetime | None:
    """When to ask "did you manage ...?" before a promise's due date: the evening before, else that morning."""
    for at in (_at(due - timedelta(days=1), CHECKIN_AT), _at(due, CHECKIN_FALLBACK)):
        if at > now and not quiet.contains(at):
            return at
    return None


def parse_offsets(text: str) -> tuple[timedelta, ...]:
    """ "48h,2h" or "2d,2h,30m" -> timedeltas before the meeting."""
    units = {"d": "days", "h": "hours", "m": "minutes"}
    found = []
    for part in text.split(","):
        part = part.strip().lower()
        if not part or part[-1] not in units or not part[:-1].isdigit() or int(part[:-1]) <= 0:
            raise ValueError(f"not a time before the meeting: {part!r} (use e.g. 2d, 2h, 30m)")
        found.append(timedelta(**{units[part[-1]]: int(part[:-1])}))
    if not found:
        raise ValueError("no reminder times given")
    return tuple(sorted(set(found), reverse=True))
