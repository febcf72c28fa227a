"""ESY arithmetic: area means, strongest and weakest areas, what moved between two assessments."""

from __future__ import annotations

import random

import pytest

from flows.core.messages import LocalText
from flows.esy.instrument import Area, Instrument, ScalePoint, Statement
from flows.esy.scoring import area_scores, changes, lowest, middle, strongest


def text(name: str) -> LocalText:
    return LocalText(name, name, name)


def make_instrument(*areas: tuple[str, int], reversed_ids: frozenset[str] = frozenset()) -> Instrument:
    """Areas given as (id, statement count) on a 1-5 scale; statements are named ``<area>.<n>``."""
    return Instrument(
        id="scoring", version=1, name=text("Scoring"),
        scale=tuple(ScalePoint(value, text(str(value))) for value in range(1, 6)),
        areas=tuple(
            Area(area_id, text(area_id), tuple(
                Statement(f"{area_id}.{n}", text(f"{area_id}.{n}"), f"{area_id}.{n}" in reversed_ids)
                for n in range(count)))
            for area_id, count in areas
        ),
    )


def test_area_scores_are_means_rounded_to_one_decimal() -> None:
    instrument = make_instrument(("home", 3), ("work", 2), ("health", 1))
    ratings = {"home.0": 1, "home.1": 2, "home.2": 2, "work.0": 5, "work.1": 4, "health.0": 3}
    assert area_scores(instrument, ratings) == {"home": 1.7, "work": 4.5, "health": 3.0}


def test_skipped_and_unanswered_statements_do_not_count() -> None:
    instrument = make_instrument(("home", 3), ("work", 2), ("health", 1))
    ratings: dict[str, int | None] = {"home.0": 4, "home.1": None, "work.0": None, "work.1": None}
    assert area_scores(instrument, ratings) == {"home": 4.0, "work": None, "health": None}


@pytest.mark.parametrize(("rating", "points"), [(1, 5), (2, 4), (3, 3), (5, 1)])
def test_a_reverse_statement_counts_from_the_other_end(rating: int, points: int) -> None:
    instrument = make_instrument(("mood", 2), reversed_ids=frozenset({"mood.1"}))
    assert area_scores(instrument, {"mood.1": rating}) == {"mood": float(points)}
    assert area_scores(instrument, {"mood.0": 5, "mood.1": rating}) == {"mood": (5 + points) / 2}


SCORES: dict[str, float | None] = {"a": 2.0, "b": 4.5, "c": None, "d": 4.5, "e": 1.0, "f": 3.0, "g": 2.0}


def test_strongest_are_best_first_ties_in_instrument_order_skipped_left_out() -> None:
    assert strongest(SCORES) == ["b", "d", "f"]
    assert strongest(SCORES, count=5) == ["b", "d", "f", "a", "g"]
    assert strongest({"x": None}) == []


def test_lowest_are_fewest_first_ties_in_instrument_order_strengths_left_out() -> None:
    assert lowest(SCORES) == ["e", "a", "g"]
    assert lowest(SCORES, exclude=["e", "a"]) == ["g", "f"]  # b has the most points: never "fewest"
    assert lowest(SCORES, exclude=strongest(SCORES), count=10) == ["e", "a", "g"]


def test_equal_scores_are_neither_strengths_nor_weak_spots() -> None:
    flat: dict[str, float | None] = {"a": 3.0, "b": 3.0, "c": None}
    assert strongest(flat) == [] and lowest(flat) == []
    assert middle(flat, shown=[]) == ["a", "b"]


def test_middle_holds_what_strengths_and_weak_spots_left_out() -> None:
    top = strongest(SCORES)
    bottom = lowest(SCORES, exclude=top)
    assert middle(SCORES, shown=[*top, *bottom]) == []
    assert middle(SCORES, shown=["b", "e"]) == ["d", "f", "a", "g"]


def test_changes_sort_by_size_of_change_and_ignore_missing_or_unchanged() -> None:
    before: dict[str, float | None] = {"a": 3.0, "b": 2.0, "c": 4.0, "d": None, "e": 2.5, "f": 1.0}
    now: dict[str, float | None] = {"a": 3.5, "b": 4.0, "c": 1.5, "d": 5.0, "e": 2.5, "f": None, "g": 5.0}
    assert changes(now, before) == [("c", -2.5, 4.0, 1.5), ("b", 2.0, 2.0, 4.0), ("a", 0.5, 3.0, 3.5)]


def test_changes_round_away_float_noise() -> None:
    assert changes({"a": 3.3}, {"a": 3.2}) == [("a", 0.1, 3.2, 3.3)]
    assert changes({"a": 0.1 + 0.2}, {"a": 0.3}) == []


def test_equal_changes_keep_instrument_order() -> None:
    moved = changes({"a": 2.0, "b": 4.0, "c": 3.0}, {"a": 3.0, "b": 3.0, "c": 1.0})
    assert [area for area, *_ in moved] == ["c", "a", "b"]


def groups(scores: dict[str, float | None]) -> tuple[list[str], list[str], list[str]]:
    """Strengths, the middle and the fewest points, as the summary makes them."""
    top = strongest(scores)
    bottom = lowest(scores, exclude=top)
    return top, middle(scores, shown=[*top, *bottom]), bottom


def test_equal_scores_are_never_split_between_groups() -> None:
    # The newcomer's case: "Koti ja asuminen 3,0" under fewest points, two other areas at 3,0 in the middle.
    scores: dict[str, float | None] = {"rhythm": 4.0, "health": 4.3, "home": 3.0, "money": 2.3, "mood": 5.0,
                                       "people": 3.0, "freetime": 3.0, "studywork": 1.7, "future": 3.7}
    top, between, bottom = groups(scores)
    assert top == ["mood", "health", "rhythm"]
    assert bottom == ["studywork", "money"]  # three at 3,0 would make five: they stay together in the middle
    assert between == ["future", "home", "people", "freetime"]


def test_a_top_score_shared_by_more_areas_than_are_shown_is_named_whole() -> None:
    scores: dict[str, float | None] = {"a": 4.0, "b": 4.0, "c": 4.0, "d": 4.0, "e": 2.0, "f": 3.0}
    assert strongest(scores) == ["a", "b", "c", "d"]
    assert lowest(scores, exclude=strongest(scores)) == ["e", "f"]
    assert lowest({"a": 1.0, "b": 1.0, "c": 1.0, "d": 1.0, "e": 5.0}) == ["a", "b", "c", "d"]


def test_no_two_equal_scores_ever_land_in_different_groups() -> None:
    rng = random.Random(10)
    for _ in range(3000):
        areas = rng.randint(3, 10)
        scores: dict[str, float | None] = {
            f"a{i}": rng.choice([None, 1.0, 2.0, 2.3, 3.0, 3.0, 3.7, 4.0, 5.0]) for i in range(areas)}
        top, between, bottom = groups(scores)
        placed = {area: name for name, members in (("top", top), ("middle", between), ("bottom", bottom))
                  for area in members}
        rated = [area for area, score in scores.items() if score is not None]
        if len({scores[area] for area in rated}) > 1:
            assert sorted(placed) == sorted(rated), scores  # every rated area named once
        for first in rated:
            for second in rated:
                if scores[first] == scores[second] and first in placed:
                    assert placed[first] == placed.get(second), (scores, first, second)
        assert all(scores[a] > scores[b] for a in top for b in [*between, *bottom])  # type: ignore[operator]
        assert all(scores[a] > scores[b] for a in between for b in bottom)  # type: ignore[operator]
