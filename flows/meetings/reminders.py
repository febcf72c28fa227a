"""When to remind: before a meeting and before a promise's due date, outside quiet hours.

Pure time arithmetic in Europe/Helsinki wall-clock time; the rows themselves go to the outbox with a due time
and a "useful until" (a reminder for a meeting that has begun is dropped, not sent late).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flows.chat.schedule import HELSINKI
from flows.core.dates import read_day
from flows.core.messages import N_, Msg

DEFAULT_BEFORE = (timedelta(days=2), timedelta(hours=2))
CHECKIN_AT = time(17, 0)  # the evening before a promise is due
CHECKIN_FALLBACK = time(10, 0)  # or the morning of the day, if it was made the day before


@dataclass(frozen=True)
class QuietHours:
    """No pushes from ``start`` to ``end`` Helsinki time (crossing midnight when ``end`` <= ``start``)."""

    start: time = time(21, 0)
    end: time = time(8, 0)

    def contains(self, at: datetime) -> bool:
        clock = at.astimezone(HELSINKI).time()
        if self.start < self.end:
            return self.start <= clock < self.end
        return clock >= self.start or clock < self.end

    def next_end(self, at: datetime) -> datetime:
        """When the quiet period ``at`` falls in ends."""
        local = at.astimezone(HELSINKI)
        day = local.date() if local.time() < self.end else local.date() + timedelta(days=1)
        return _at(day, self.end)

    def last_start(self, at: datetime) -> datetime:
        """When the quiet period ``at`` falls in began."""
        local = at.astimezone(HELSINKI)
        day = local.date() if local.time() >= self.start else local.date() - timedelta(days=1)
        return _at(day, self.start)


def _at(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=HELSINKI).astimezone(HELSINKI)


def meeting_reminders(
    starts_at: datetime, now: datetime, before: tuple[timedelta, ...] = DEFAULT_BEFORE,
    quiet: QuietHours = QuietHours(),
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


def checkin_time(due: date, now: datetime, quiet: QuietHours = QuietHours()) -> datetime | None:
    """When to ask "did you manage ...?" before a promise's due date: the evening before, else that morning."""
    for at in (_at(due - timedelta(days=1), CHECKIN_AT), _at(due, CHECKIN_FALLBACK)):
        if at > now and not quiet.contains(at):
            return at
    return None


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


def parse_quiet_hours(text: str) -> QuietHours:
    """ "21-08" or "21:30-07:00"."""
    start_text, _, end_text = text.replace("–", "-").partition("-")
    try:
        quiet = QuietHours(_clock(start_text), _clock(end_text))
    except ValueError as error:
        raise ValueError(f"not quiet hours: {text!r} (use e.g. 21-08)") from error
    if quiet.start == quiet.end:
        raise ValueError(f"quiet hours must not start and end at the same time: {text!r}")
    return quiet


def _clock(text: str) -> time:
    text = text.strip()
    return time.fromisoformat(text if ":" in text else f"{int(text):02d}:00")


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
