"""Opening hours as data: weekly slots, across midnight, closed days, extra slots, daylight saving."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flows.schedule import HELSINKI, ScheduleError, load_services, parse_services

SERVICE = """
[[services]]
id = "night"
name = { fi = "Yö", sv = "Natt", en = "Night" }
opening = { fi = "Vastaa", sv = "Svarar", en = "Answers" }
slots = [
    { day = "fri", start = "12:00", end = "14:00" },
    { day = "sat", start = "22:00", end = "04:00" },
    { day = "sun", start = "02:30", end = "05:00" },
]
exceptions = [
    { date = "2026-12-25", closed = true },
    { date = "2026-12-30", start = "10:00", end = "12:00" },
]
"""


def helsinki(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=HELSINKI)


def local(periods: list[tuple[datetime, datetime]]) -> list[tuple[str, str]]:
    return [(a.astimezone(HELSINKI).strftime("%a %d.%m. %H:%M"), b.astimezone(HELSINKI).strftime("%a %d.%m. %H:%M"))
            for a, b in periods]


def test_a_weekly_slot_is_the_same_wall_clock_time_in_winter_and_summer() -> None:
    (service,) = parse_services(SERVICE, "test.toml")
    winter = service.next_openings(helsinki(2026, 11, 23, 8), count=1)
    summer = service.next_openings(helsinki(2026, 6, 1, 8), count=1)
    assert local(winter) == [("Fri 27.11. 12:00", "Fri 27.11. 14:00")]
    assert local(summer) == [("Fri 05.06. 12:00", "Fri 05.06. 14:00")]
    assert winter[0][0].hour == 10 and summer[0][0].hour == 9  # UTC+2 in winter, UTC+3 in summer


def test_a_slot_across_midnight_is_open_after_midnight() -> None:
    (service,) = parse_services(SERVICE, "test.toml")
    assert service.open_at(helsinki(2026, 11, 29, 1, 30).astimezone(UTC)) is not None  # Sat 22 - Sun 04
    assert service.open_at(helsinki(2026, 11, 29, 4, 10).astimezone(UTC)) is not None  # Sun 02:30 - 05
    assert service.open_at(helsinki(2026, 11, 29, 5, 10).astimezone(UTC)) is None


def test_the_night_the_clocks_go_forward_and_back() -> None:
    (service,) = parse_services(SERVICE, "test.toml")
    # 29 March 2026: 03:00 -> 04:00. Sat 22:00 - Sun 04:00 is five real hours that night, not six.
    spring = service.openings(helsinki(2026, 3, 28, 21), helsinki(2026, 3, 29, 12))
    saturday_night = next(p for p in spring if p[0].astimezone(HELSINKI).day == 28)
    assert saturday_night[1] - saturday_night[0] == timedelta(hours=5)
    # Sunday's 02:30 start is a real moment (before the change); its 05:00 end comes 1.5 real hours later.
    sunday = next(p for p in spring if p[0].astimezone(HELSINKI).day == 29)
    assert sunday[1] - sunday[0] == timedelta(hours=1, minutes=30)
    # 25 October 2026: 04:00 -> 03:00. The same Saturday slot lasts seven real hours.
    autumn = service.openings(helsinki(2026, 10, 24, 21), helsinki(2026, 10, 25, 12))
    saturday_night = next(p for p in autumn if p[0].astimezone(HELSINKI).day == 24)
    assert saturday_night[1] - saturday_night[0] == timedelta(hours=7)


def test_closed_days_and_extra_slots() -> None:
    (service,) = parse_services(SERVICE, "test.toml")
    christmas = service.openings(helsinki(2026, 12, 25, 0), helsinki(2026, 12, 26, 0))
    assert local(christmas) == []
    extra = service.openings(helsinki(2026, 12, 30, 0), helsinki(2026, 12, 31, 0))
    assert local(extra) == [("Wed 30.12. 10:00", "Wed 30.12. 12:00")]


def test_next_openings_start_with_the_one_open_now() -> None:
    (service,) = parse_services(SERVICE, "test.toml")
    now = helsinki(2026, 11, 27, 13).astimezone(UTC)
    assert local(service.next_openings(now, count=2)) == [
        ("Fri 27.11. 12:00", "Fri 27.11. 14:00"), ("Sat 28.11. 22:00", "Sun 29.11. 04:00")]


@pytest.mark.parametrize(("change", "problem"), [
    (lambda t: t.replace('day = "fri"', 'day = "friday"'), "expected one of"),
    (lambda t: t.replace('start = "12:00"', 'start = "noon"'), "not a time"),
    (lambda t: t.replace('end = "14:00"', 'end = "12:00"'), "start and end are the same time"),
    (lambda t: t.replace('date = "2026-12-25"', 'date = "25.12.2026"'), "expected a date"),
    (lambda t: t.replace("slots = [", "slotz = [").replace("]\nexceptions", "]\nexceptions"), "unknown key"),
])
def test_a_broken_file_names_the_place_and_the_problem(change: object, problem: str) -> None:
    assert callable(change)
    with pytest.raises(ScheduleError, match=problem) as error:
        parse_services(change(SERVICE), "org.toml")
    assert str(error.value).startswith("org.toml: services[0]")


def test_the_shipped_services_load() -> None:
    services = load_services()
    assert {service.id for service in services} == {"social-work", "housing"}
    for service in services:
        assert service.next_openings(datetime(2026, 11, 25, tzinfo=UTC))
