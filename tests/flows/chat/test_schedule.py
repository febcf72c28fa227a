"""Opening hours as data: weekly slots, across midnight, closed days, extra slots, daylight saving."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flows.chat.schedule import ScheduleError, load_services, parse_services
from flows.core.dates import HELSINKI

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


def test_the_shipped_file_is_the_seeds_one_regional_chat_on_fridays_12_to_14() -> None:
    (service,) = load_services()  # the commented example service is not loaded
    assert service.id == "social-work" and service.weekly_keys() == ("fri 12:00",)
    assert (service.closed, service.extra) == (frozenset(), ())
    # Regional: it answers whatever the young person's home municipality, and says so in every language.
    assert "riippumatta kotikunnastasi" in service.opening.fi
    assert "oberoende av vilken kommun" in service.opening.sv and "home municipality" in service.opening.en
    # Four weeks of an ordinary November: the four Fridays, 12-14.
    assert local(service.openings(helsinki(2026, 11, 2, 0), helsinki(2026, 11, 30, 0))) == [
        (f"Fri {day}.11. 12:00", f"Fri {day}.11. 14:00") for day in ("06", 13, 20, 27)]


@pytest.mark.parametrize("holiday", [
    (2026, 12, 25), (2027, 1, 1), (2027, 3, 26), (2027, 6, 25), (2028, 4, 14), (2028, 6, 23), (2027, 12, 24)])
def test_the_shipped_chat_is_closed_on_the_public_holidays_that_fall_on_a_friday(
    holiday: tuple[int, int, int],
) -> None:
    (service,) = load_services()
    year, month, day = holiday
    assert helsinki(year, month, day, 0).weekday() == 4
    assert service.openings(helsinki(year, month, day, 0), helsinki(year, month, day, 23)) == []
    two_weeks_before = helsinki(year, month, day, 13) - timedelta(days=14)  # an ordinary Friday
    assert service.open_at(two_weeks_before.astimezone(UTC)) is not None


def test_holidays_close_a_service_in_every_year_and_only_the_named_ones() -> None:
    named = SERVICE.replace("exceptions = [", 'closed_on_holidays = ["good_friday"]\nexceptions = [')
    (service,) = parse_services(named, "test.toml")
    assert service.holidays == {"good_friday"}
    for good_friday in (helsinki(2027, 3, 26, 13), helsinki(2028, 4, 14, 13), helsinki(2031, 4, 11, 13)):
        assert service.open_at(good_friday.astimezone(UTC)) is None
    assert service.open_at(helsinki(2027, 6, 25, 13).astimezone(UTC)) is not None  # Midsummer Eve is not named


def test_an_unknown_holiday_is_named() -> None:
    broken = SERVICE.replace("exceptions = [", 'closed_on_holidays = ["good_friday", "vappu"]\nexceptions = [')
    with pytest.raises(ScheduleError, match=r"org.toml: services\[0\].closed_on_holidays\[1\]: expected one of"):
        parse_services(broken, "org.toml")
    with pytest.raises(ScheduleError, match="expected a list"):
        parse_services(SERVICE.replace("exceptions = [", 'closed_on_holidays = "all"\nexceptions = ['), "org.toml")


def test_a_service_is_of_the_default_region_unless_the_file_names_one() -> None:
    """Several regions (#14): `region` names the region whose staff answer the service."""
    (plain,) = parse_services(SERVICE, "org.toml")
    assert plain.region == "default"
    (north,) = parse_services(SERVICE.replace('id = ', 'region = "north-1"\nid = ', 1), "org.toml")
    assert north.region == "north-1"
    for wrong in ('"North"', '"-x"', "3", '""'):
        with pytest.raises(ScheduleError, match=r"org.toml: services\[0\].region: expected") as error:
            parse_services(SERVICE.replace('id = ', f"region = {wrong}\nid = ", 1), "org.toml")
        assert "region" in str(error.value)
