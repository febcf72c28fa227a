"""Typed dates and times: the forms the bot prints are read back, and prompts' examples are never in the past."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from flows.chat.rota import parse_extra
from flows.core.dates import HELSINKI, example_day, example_moment, parse_day, read_day, read_moment
from flows.meetings.meeting import parse_when

TODAY = date(2026, 11, 25)  # a Wednesday


@pytest.mark.parametrize("text", [
    "27.11. klo 14.00", "27.11. kl. 14.00", "27.11. kl 14.00", "27.11. 14:00", "27.11. 14.00", "27.11.2026 klo 14",
    "pe 27.11. klo 14.00", "fre 27.11. kl. 14.00", "Fri 27 Nov, 14:00", "27 Nov 2026 14:00", "2026-11-27 14:00",
    "  27.11.   KLO 14.00 ",
])
def test_a_meeting_time_is_read_in_every_form_the_bot_prints_or_people_type(text: str) -> None:
    assert parse_when(text, TODAY) == datetime(2026, 11, 27, 14, tzinfo=HELSINKI)


def test_a_time_with_minutes_and_a_year_ahead() -> None:
    assert read_moment("27.11.2027 klo 9.30", TODAY) == (date(2027, 11, 27), time(9, 30))


@pytest.mark.parametrize("text", [
    "27.11.", "klo 14", "27.11. klo 25.00", "31.11. klo 14", "la 27.11. klo 14.00", "27 Xyz 14:00", "27.11.14.00",
])
def test_what_is_not_a_meeting_time_is_refused(text: str) -> None:
    assert parse_when(text, TODAY) is None, "a weekday that is not the date's is asked again, not guessed"


@pytest.mark.parametrize(("text", "expected"), [
    ("24.12.2026", date(2026, 12, 24)), ("24.12.", date(2026, 12, 24)), ("to 24.12.", date(2026, 12, 24)),
    ("24 Dec 2026", date(2026, 12, 24)), ("Thu 24 Dec", date(2026, 12, 24)), ("24 december", date(2026, 12, 24)),
    ("3.1.", date(2027, 1, 3)), ("2026-12-24", date(2026, 12, 24)), ("ke 24.12.", None), ("24.13.", None),
])
def test_a_day_is_read_as_the_bot_prints_it(text: str, expected: date | None) -> None:
    assert parse_day(text, TODAY) == expected
    assert read_day(text, TODAY) == expected


@pytest.mark.parametrize("now", [
    datetime(2026, 11, 25, 10, tzinfo=UTC), datetime(2026, 12, 31, 21, 59, tzinfo=UTC),  # 23.59 in Helsinki
    datetime(2027, 2, 26, 23, tzinfo=UTC),  # a Friday night: the example moves past the weekend
])
def test_examples_are_in_the_future_on_a_weekday_and_read_back(now: datetime) -> None:
    moment, day = example_moment(now, 3), example_day(now, 7)
    assert moment > now and day > now and moment.hour == 14
    assert moment.weekday() < 5 and day.weekday() < 5
    today = now.astimezone(HELSINKI).date()
    assert parse_when(f"{moment.day}.{moment.month}. klo 14.00", today) == moment, "the example is accepted"
    assert parse_day(f"{day.day}.{day.month}.{day.year}", today) == day.date()


@pytest.mark.parametrize("text", [
    "30.12.2026 10-12", "30.12. klo 10.00–12.00", "ke 30.12. kl. 10.00–12.00", "30 Dec 2026, 10:00–12:00",
    "Wed 30 Dec, 10:00 - 12:00",
])
def test_an_extra_opening_is_read_as_the_rota_prompt_shows_it(text: str) -> None:
    assert parse_extra(text, TODAY) == (date(2026, 12, 30), (time(10), time(12)))


@pytest.mark.parametrize("text", ["30.12.2026", "10-12", "to 30.12. 10-12", "30.12.2026 10-10"])
def test_an_extra_opening_needs_a_real_day_and_two_times(text: str) -> None:
    assert parse_extra(text, TODAY) is None
