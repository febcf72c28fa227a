"""When to remind: before a meeting and before a promise's due date, outside quiet hours.

Pure time arithmetic in Europe/Helsinki wall-clock time; the rows themselves go to the outbox with a due time
and a "useful until" (a reminder for a meeting that has begun is dropped, not sent late).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flows.core.dates import HELSINKI

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
