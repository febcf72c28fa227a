"""When ESY's follow-up offer is due: the interval at the same wall-clock time, never in quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flows.core.dates import HELSINKI
from flows.core.quiet import QuietHours
from flows.esy import esy, followup
from flows.esy.followup import reassess_at


def helsinki(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=HELSINKI)


def test_due_after_the_interval_at_the_same_wall_clock_time_over_a_dst_change() -> None:
    finished = helsinki(2026, 3, 1, 14, 30)  # winter time, UTC+2
    due = reassess_at(finished, 90)
    assert due.astimezone(HELSINKI).replace(tzinfo=None) == datetime(2026, 5, 30, 14, 30)  # summer time, UTC+3
    assert due.astimezone(UTC) == datetime(2026, 5, 30, 11, 30, tzinfo=UTC)


def test_the_interval_is_a_setting() -> None:
    finished = helsinki(2026, 11, 20, 12, 0)
    assert reassess_at(finished, 30) == finished + timedelta(days=30)
    assert reassess_at(finished) == finished + timedelta(days=followup.DEFAULT_DAYS) == finished + timedelta(days=90)


def test_an_offer_falling_in_quiet_hours_waits_for_their_end() -> None:
    late = helsinki(2026, 11, 20, 22, 40)  # finished late in the evening
    assert reassess_at(late, 90) == helsinki(2027, 2, 19, 8, 0)
    early = helsinki(2026, 11, 20, 6, 15)  # or before the quiet hours end
    assert reassess_at(early, 90) == helsinki(2027, 2, 18, 8, 0)


def test_the_organisations_quiet_hours_are_used() -> None:
    quiet = QuietHours(time(20, 0), time(9, 30))
    assert reassess_at(helsinki(2026, 11, 20, 20, 5), 90, quiet) == helsinki(2027, 2, 19, 9, 30)
    assert reassess_at(helsinki(2026, 11, 20, 19, 55), 90, quiet) == helsinki(2027, 2, 18, 19, 55)


def test_the_offer_opens_the_esy_flow() -> None:
    assert followup.FLOW == esy.NAME
