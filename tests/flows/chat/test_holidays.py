"""Finnish public holidays, computed: the almanac's dates for 2026-2028, and the rules behind the moving ones."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from flows.chat.holidays import HOLIDAYS, easter_sunday, finnish_holidays, holidays_on

# From the Finnish almanac (Helsingin yliopiston almanakkatoimisto) for each year.
KNOWN = {
    2026: {"new_year": "1.1.", "epiphany": "6.1.", "good_friday": "3.4.", "easter_day": "5.4.",
           "easter_monday": "6.4.", "may_day": "1.5.", "ascension_day": "14.5.", "whit_sunday": "24.5.",
           "midsummer_eve": "19.6.", "midsummer_day": "20.6.", "all_saints_day": "31.10.",
           "independence_day": "6.12.", "christmas_eve": "24.12.", "christmas_day": "25.12.", "boxing_day": "26.12."},
    2027: {"new_year": "1.1.", "epiphany": "6.1.", "good_friday": "26.3.", "easter_day": "28.3.",
           "easter_monday": "29.3.", "may_day": "1.5.", "ascension_day": "6.5.", "whit_sunday": "16.5.",
           "midsummer_eve": "25.6.", "midsummer_day": "26.6.", "all_saints_day": "6.11.",
           "independence_day": "6.12.", "christmas_eve": "24.12.", "christmas_day": "25.12.", "boxing_day": "26.12."},
    2028: {"new_year": "1.1.", "epiphany": "6.1.", "good_friday": "14.4.", "easter_day": "16.4.",
           "easter_monday": "17.4.", "may_day": "1.5.", "ascension_day": "25.5.", "whit_sunday": "4.6.",
           "midsummer_eve": "23.6.", "midsummer_day": "24.6.", "all_saints_day": "4.11.",
           "independence_day": "6.12.", "christmas_eve": "24.12.", "christmas_day": "25.12.", "boxing_day": "26.12."},
}


def finnish(year: int, text: str) -> date:
    day, month = text.rstrip(".").split(".")
    return date(year, int(month), int(day))


@pytest.mark.parametrize("year", sorted(KNOWN))
def test_the_almanac_dates(year: int) -> None:
    assert dict(finnish_holidays(year)) == {name: finnish(year, text) for name, text in KNOWN[year].items()}
    assert set(KNOWN[year]) == set(HOLIDAYS)


@pytest.mark.parametrize(("year", "easter"), [(2000, date(2000, 4, 23)), (2008, date(2008, 3, 23)),
                                              (2011, date(2011, 4, 24)), (2038, date(2038, 4, 25)),
                                              (2285, date(2285, 3, 22))])
def test_easter_including_the_earliest_and_latest_possible(year: int, easter: date) -> None:
    assert easter_sunday(year) == easter


@pytest.mark.parametrize("year", range(2020, 2060))
def test_the_rules_hold_every_year(year: int) -> None:
    days = finnish_holidays(year)
    assert days["good_friday"].weekday() == 4 and days["easter_monday"].weekday() == 0
    assert days["ascension_day"].weekday() == 3  # a Thursday, 39 days after Easter
    assert days["midsummer_eve"].weekday() == 4 and date(year, 6, 19) <= days["midsummer_eve"] <= date(year, 6, 25)
    assert days["midsummer_day"] == days["midsummer_eve"] + timedelta(days=1)
    assert days["all_saints_day"].weekday() == 5
    assert date(year, 10, 31) <= days["all_saints_day"] <= date(year, 11, 6)


def test_a_day_with_two_holidays_and_a_day_with_none() -> None:
    assert holidays_on(date(2008, 5, 1)) == {"may_day", "ascension_day"}
    assert holidays_on(date(2027, 3, 26)) == {"good_friday"}
    assert holidays_on(date(2027, 3, 19)) == frozenset()
