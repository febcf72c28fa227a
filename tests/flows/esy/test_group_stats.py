"""A group's totals: the small-number rule at four and five, medians, the spread, the change between rounds."""

from __future__ import annotations

from flows.esy.group_stats import MIN_ANSWERS, AreaTotals, RoundTotals, band, group_totals, median, round_totals

AREAS = ("health", "home")


def answers(*scores: tuple[float | None, float | None]) -> list[dict[str, float | None]]:
    return [dict(zip(AREAS, pair, strict=True)) for pair in scores]


def test_four_answers_show_the_count_only_and_five_show_the_totals() -> None:
    four = answers((1, 2), (2, 2), (3, 3), (4, 4))
    assert round_totals(four, AREAS, 1, 4) == RoundTotals(4)
    assert not round_totals(four, AREAS, 1, 4).shown
    five = round_totals([*four, {"health": 4, "home": 1}], AREAS, 1, 4)
    assert five.shown and MIN_ANSWERS == 5
    assert five.areas == (AreaTotals("health", 5, 3.0, 1, 2, 2), AreaTotals("home", 5, 2.0, 1, 3, 1))


def test_an_area_fewer_than_five_rated_is_hidden_even_when_the_round_is_shown() -> None:
    rows = answers((1, None), (2, 2), (3, 3), (4, 4), (2.5, 1))
    totals = round_totals(rows, AREAS, 1, 4)
    assert [area.area for area in totals.areas] == ["health"]
    assert totals.hidden == ("home",)


def test_median_of_an_even_count_is_the_mean_of_the_middle_two_to_one_decimal() -> None:
    assert median([1, 2, 3, 4, 4, 4]) == 3.5
    assert median([1.25, 1.5]) == 1.4  # rounded like the circle's own scores
    assert median([2.0]) == 2.0


def test_bands_are_thirds_of_the_scale() -> None:
    assert [band(score, 1, 4) for score in (1, 1.9, 2, 3, 3.1, 4)] == ["low", "low", "middle", "middle", "high",
                                                                       "high"]


def test_a_later_round_shows_the_change_of_the_median_from_the_last_shown_round() -> None:
    start = answers((1, 2), (1, 2), (2, 2), (2, 3), (3, 3))
    small = answers((4, 4), (4, 4))  # a session few came to: shown as a count, and no baseline
    later = answers((2, 2), (2, 3), (3, 3), (3, 3), (4, 3))
    first, second, third = group_totals([(start, AREAS), (small, ("health",)), (later, AREAS)], 1, 4)
    assert [area.change for area in first.areas] == [None, None]
    assert second == RoundTotals(2)
    assert [(area.area, area.median, area.change) for area in third.areas] == [("health", 3.0, 1.0),
                                                                               ("home", 3.0, 1.0)]


def test_an_area_round_counts_only_its_area() -> None:
    rows = answers((1, None), (2, None), (3, None), (4, None), (4, None))
    totals = round_totals(rows, ("health",), 1, 4)
    assert [area.area for area in totals.areas] == ["health"] and totals.hidden == ()


def test_the_totals_grow_five_answers_at_a_time_so_one_more_answer_changes_nothing() -> None:
    """A sixth answer leaves the totals as they were (over the oldest five); a tenth brings the next five in."""
    five = [{"health": 4.0, "home": 1.0}] * 5
    before = round_totals(five, AREAS, 1, 4)
    low = {"health": 1.0, "home": 1.0}
    six = round_totals([*five, low], AREAS, 1, 4)
    assert six.answered == 6 and six.counted == 5
    assert six.areas == before.areas  # the sixth member's band cannot be read from a change
    ten = round_totals([*five, *[low] * 5], AREAS, 1, 4)
    assert ten.counted == 10 and ten.areas[0].low == 5
