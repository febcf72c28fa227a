"""Reminder times: before the meeting, outside quiet hours, and check-ins before a promise is due."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from flows.core.dates import HELSINKI
from flows.core.quiet import QuietHours, parse_quiet_hours
from flows.meetings.reminders import checkin_time, meeting_reminders, parse_offsets

MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=HELSINKI)


def hki(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=HELSINKI)


def local(times: list[datetime]) -> list[str]:
    return [at.astimezone(HELSINKI).strftime("%a %H:%M") for at in times]


def test_two_days_and_two_hours_before() -> None:
    assert local(meeting_reminders(hki(27, 14), MONDAY)) == ["Wed 14:00", "Fri 12:00"]


def test_a_reminder_in_quiet_hours_moves_to_the_morning() -> None:
    assert local(meeting_reminders(hki(27, 9), MONDAY)) == ["Wed 09:00", "Fri 08:00"]


def test_when_the_morning_is_too_late_it_moves_to_the_evening_before() -> None:
    assert local(meeting_reminders(hki(27, 8, 15), MONDAY)) == ["Wed 08:15", "Thu 20:59"]


def test_at_short_notice_one_reminder_goes_at_once() -> None:
    now = hki(27, 12)
    assert meeting_reminders(hki(27, 13, 30), now) == [now]
    assert meeting_reminders(hki(27, 12, 20), now) == [], "too close to be worth a reminder"
    assert local(meeting_reminders(hki(28, 10), now)) == ["Sat 08:00"]


def test_quiet_hours_across_midnight_and_within_a_day() -> None:
    quiet = QuietHours()
    assert quiet.contains(hki(27, 21)) and quiet.contains(hki(27, 3)) and not quiet.contains(hki(27, 8))
    daytime = QuietHours(time(12), time(13))
    assert daytime.contains(hki(27, 12, 30)) and not daytime.contains(hki(27, 13))
    assert parse_quiet_hours("21-08") == quiet
    assert parse_quiet_hours("22:30–07:00") == QuietHours(time(22, 30), time(7))


def test_checkin_the_evening_before_a_promise_is_due() -> None:
    assert checkin_time(date(2026, 11, 27), MONDAY) == hki(26, 17)
    assert checkin_time(date(2026, 11, 27), hki(26, 18)) == hki(27, 10)
    assert checkin_time(date(2026, 11, 27), hki(27, 11)) is None


def test_reminders_keep_wall_clock_time_over_the_daylight_saving_change() -> None:
    meeting = datetime(2027, 3, 29, 12, 0, tzinfo=HELSINKI)  # the Monday after the spring change
    reminders = meeting_reminders(meeting, datetime(2027, 3, 20, tzinfo=UTC))
    assert [at.astimezone(HELSINKI).strftime("%d %H:%M") for at in reminders] == ["27 12:00", "29 10:00"]
    offsets = [at.astimezone(HELSINKI).utcoffset() for at in reminders]
    assert offsets == [timedelta(hours=2), timedelta(hours=3)], "winter time, then summer time"


@pytest.mark.parametrize(("text", "expected"), [
    ("48h,2h", (timedelta(hours=48), timedelta(hours=2))), ("2h, 2d", (timedelta(days=2), timedelta(hours=2))),
    ("30m", (timedelta(minutes=30),)),
])
def test_offsets(text: str, expected: tuple[timedelta, ...]) -> None:
    assert parse_offsets(text) == expected


@pytest.mark.parametrize("text", ["", "2x", "h", "0h", "-2h"])
def test_bad_offsets_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_offsets(text)


def test_a_meeting_time_read_back_in_utc_still_keeps_wall_clock_reminders() -> None:
    """Stored times come back in UTC; the day-based reminder still lands at the same local time."""
    meeting = datetime(2026, 3, 30, 14, 0, tzinfo=HELSINKI).astimezone(UTC)  # the Monday after the change
    reminders = meeting_reminders(meeting, datetime(2026, 3, 20, tzinfo=UTC))
    assert [at.astimezone(HELSINKI).strftime("%d %H:%M") for at in reminders] == ["28 14:00", "30 12:00"]
