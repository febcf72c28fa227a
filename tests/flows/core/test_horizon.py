"""Typed dates are bounded: two years ahead at most (a year like 9999 used to overflow the reminder arithmetic)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flows.core.dates import HORIZON, as_day, too_far
from flows.core.messages import Msg
from tests.conftest import Clock

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def far_off(clock: Clock) -> Msg:
    """The answer to a date beyond the horizon, as the tests expect it (the last allowed day named)."""
    return Msg("date.too_far", {"last": as_day(clock.now.date() + HORIZON)})


def test_the_horizon_is_two_years_and_names_the_last_day() -> None:
    assert too_far(date(2028, 11, 19), NOW) is None
    assert too_far(date(2028, 11, 20), NOW) == Msg("date.too_far", {"last": as_day(date(2028, 11, 19))})
    assert too_far(date(9999, 12, 31), NOW) == Msg("date.too_far", {"last": as_day(date(2028, 11, 19))})
