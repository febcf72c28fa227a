"""Quiet hours: when no push goes out (KAARI_QUIET_HOURS), in Europe/Helsinki wall-clock time.

In core because more than one room schedules pushes (a meeting's reminders, ESY's re-assessment offer) and
rooms do not import each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flows.core.dates import HELSINKI


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
        return at_clock(day, self.end)

    def last_start(self, at: datetime) -> datetime:
        """When the quiet period ``at`` falls in began."""
        local = at.astimezone(HELSINKI)
        day = local.date() if local.time() >= self.start else local.date() - timedelta(days=1)
        return at_clock(day, self.start)


DEFAULT_QUIET = QuietHours()  # 21-08, the default of KAARI_QUIET_HOURS


def at_clock(day: date, clock: time) -> datetime:
    """``day`` at ``clock`` Helsinki time."""
    return datetime.combine(day, clock, tzinfo=HELSINKI).astimezone(HELSINKI)


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
