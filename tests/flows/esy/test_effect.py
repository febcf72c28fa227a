"""The effect report's arithmetic: medians, shares, the small-number rule and what it hides beside it, periods."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flows.core.dates import HELSINKI
from flows.esy.effect import (
    ALL,
    COMPLEMENT,
    GROUP,
    SERVICE,
    SMALL_CELL,
    Cell,
    Period,
    Person,
    last_months,
    masked,
    parse_period,
    people_from_circles,
    people_from_records,
    report,
    span_of,
)
from storage.ports import AssessmentRow, EffectRecordRow

NO_LABELS: tuple[dict[str, frozenset[str]], frozenset[str]] = ({}, frozenset())


def person(number: int, first: float | None, latest: float | None, services: tuple[str, ...] = (),
           groups: tuple[str, ...] = ()) -> Person:
    return Person(f"p{number}", {"health": first}, {"health": latest}, {"health": frozenset(services)},
                  frozenset(groups))


def cells_of(cells: list[Cell], dimension: str) -> dict[str, Cell]:
    return {cell.label: cell for cell in cells if cell.dimension == dimension}


def test_median_and_share_improved_per_area() -> None:
    people = [person(1, 1.0, 2.0), person(2, 2.0, 2.0), person(3, 3.0, 2.5), person(4, 1.0, 3.0),
              person(5, 2.0, 2.25), person(6, None, 3.0)]  # skipped the area the first time: not counted
    [total] = report(people, ["health"])
    assert total == Cell("health", ALL, "", 5, 0.25, 0.6)  # changes -0.5, 0, 0.25, 1, 2: median 0.25, 3 of 5 up


def test_an_even_count_takes_the_middle_two_and_no_change_is_not_improving() -> None:
    people = [person(n, 2.0, 2.0 + change) for n, change in enumerate((0.0, 0.0, 0.5, 1.0, -1.0, 0.0))]
    [total] = report(people, ["health"])
    assert (total.n, total.median, total.improved) == (6, 0.0, round(2 / 6, 3))


def test_fewer_than_five_are_hidden_with_no_figures_at_all() -> None:
    people = [person(n, 1.0, 2.0, ("Ohjaamo",), ("Woimala",)) for n in range(4)]
    cells = report(people, ["health"])
    assert cells == [Cell("health", ALL, "", None, None, None, SMALL_CELL),
                     Cell("health", SERVICE, "Ohjaamo", None, None, None, SMALL_CELL),
                     Cell("health", GROUP, "Woimala", None, None, None, SMALL_CELL)]


def test_five_are_shown() -> None:
    people = [person(n, 1.0, 2.0, ("Ohjaamo",)) for n in range(5)]
    cells = report(people, ["health"])
    assert cells_of(cells, SERVICE)["Ohjaamo"] == Cell("health", SERVICE, "Ohjaamo", 5, 1.0, 1.0)


def test_a_hidden_cell_cannot_be_had_back_by_subtracting_the_shown_ones_from_the_total() -> None:
    """Total 12 = Ohjaamo 9 + Kela 3: showing Ohjaamo beside the total would give Kela's 3 back, so it goes too."""
    people = [person(n, 1.0, 2.0 if n % 2 else 1.0, ("Ohjaamo",)) for n in range(9)]
    people += [person(10 + n, 2.0, 1.0, ("Kela",)) for n in range(3)]
    cells = report(people, ["health"])
    assert cells[0].n == 12
    services = cells_of(cells, SERVICE)
    assert services["Kela"].hidden == SMALL_CELL
    assert services["Ohjaamo"] == Cell("health", SERVICE, "Ohjaamo", None, None, None, COMPLEMENT)


def test_people_without_a_label_count_as_what_subtraction_would_reveal() -> None:
    """Total 7 with Ohjaamo 5: the two without any service would be the difference, so Ohjaamo is hidden."""
    people = [person(n, 1.0, 2.0, ("Ohjaamo",)) for n in range(5)] + [person(5, 1.0, 1.0), person(6, 2.0, 1.0)]
    assert cells_of(report(people, ["health"]), SERVICE)["Ohjaamo"].hidden == COMPLEMENT


def labelled(counts: dict[str, int], unlabelled: int) -> list[Person]:
    people = [person(100 * index + n, 1.0, 2.0, (label,))
              for index, (label, count) in enumerate(counts.items()) for n in range(count)]
    return people + [person(10_000 + n, 1.0, 2.0) for n in range(unlabelled)]


def test_the_smallest_shown_cell_goes_first_and_only_as_many_as_needed() -> None:
    # C (4) and the 3 unlabelled make 7 left over: that is not below five, so A and B stay.
    services = cells_of(report(labelled({"A": 6, "B": 5, "C": 4}, 3), ["health"]), SERVICE)
    assert [services[label].hidden for label in "ABC"] == ["", "", SMALL_CELL]
    # C (3) and 1 unlabelled make 4: B, the smallest shown, goes too (then 9 are left over), A stays.
    services = cells_of(report(labelled({"A": 6, "B": 5, "C": 3}, 1), ["health"]), SERVICE)
    assert [services[label].hidden for label in "ABC"] == ["", COMPLEMENT, SMALL_CELL]
    assert services["A"].n == 6


def test_nothing_is_hidden_for_a_split_that_covers_everyone() -> None:
    people = [person(n, 1.0, 2.0, (), ("Woimala",)) for n in range(5)]
    people += [person(10 + n, 1.0, 1.5, (), ("Oulunkaari",)) for n in range(6)]
    groups = cells_of(report(people, ["health"]), GROUP)
    assert (groups["Woimala"].n, groups["Oulunkaari"].n) == (5, 6)
    assert (groups["Woimala"].median, groups["Oulunkaari"].median) == (1.0, 0.5)


def test_no_labels_leave_only_the_per_area_rows() -> None:
    people = [Person(f"p{n}", {"health": 1.0, "home": 2.0}, {"health": 2.0, "home": 1.0}) for n in range(5)]
    cells = report(people, ["health", "home"])
    assert [(cell.area, cell.dimension, cell.median) for cell in cells] == [("health", ALL, 1.0),
                                                                            ("home", ALL, -1.0)]


def circle(key: str, when: datetime, health: float | None, instrument: str = "esy") -> AssessmentRow:
    return AssessmentRow(key, instrument, 1, when, {}, {"health": health}, {"health": "wish in words"})


def test_people_from_circles_take_the_first_and_latest_and_leave_the_key_behind() -> None:
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    rows = [circle("key-a", t0, 1.0), circle("key-a", t0 + timedelta(days=40), 1.5),
            circle("key-a", t0 + timedelta(days=90), 3.0), circle("key-b", t0, 2.0),  # one circle: no change
            circle("key-c", t0, 2.0), circle("key-c", t0 + timedelta(days=1), 9.0, "other")]
    people = people_from_circles(rows, "esy", lambda key: ({"health": frozenset({f"service of {key}"})}, frozenset()))
    assert people == [Person("h1", {"health": 1.0}, {"health": 3.0}, {"health": frozenset({"service of key-a"})})]
    assert "key" not in people[0].id


def test_an_area_filled_in_a_group_session_of_its_own_counts_from_the_circles_that_scored_it() -> None:
    """A group filling one area per session: each area's first and latest score come from different circles."""
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    rows = [AssessmentRow("key", "esy", 1, t0 + timedelta(days=day), {}, scores, {})
            for day, scores in ((0, {"health": 1.0, "home": None}), (7, {"health": None, "home": 2.0}),
                                (90, {"health": 2.5, "home": None}), (97, {"health": None, "home": 1.5}),
                                (120, {"health": None, "home": None, "money": 3.0}))]
    span = span_of(rows, "esy")
    assert span is not None
    assert (span.first, span.latest) == ({"health": 1.0, "home": 2.0}, {"health": 2.5, "home": 1.5})
    assert (span.first_at, span.latest_at) == (t0, t0 + timedelta(days=97))  # money, scored once, not used
    assert span_of(rows[-1:], "esy") is None


def test_people_from_records_keep_only_the_instruments_and_not_the_record_id() -> None:
    records = [EffectRecordRow("r-secret", "esy", "2026-01", "2026-04", {"health": 1.0}, {"health": 2.0},
                               {"health": ["Kela"]}, ["Woimala"]),
               EffectRecordRow("r-other", "other", "2026-01", "2026-04", {}, {})]
    assert people_from_records(records, "esy") == [
        Person("k1", {"health": 1.0}, {"health": 2.0}, {"health": frozenset({"Kela"})}, frozenset({"Woimala"}))]


def test_last_months_end_with_this_month_in_helsinki() -> None:
    period = last_months(date(2026, 12, 6), 6)
    assert period == Period(date(2026, 7, 1), date(2027, 1, 1))
    assert period.months == ("2026-07", "2026-12")
    assert period.start_at == datetime(2026, 7, 1, tzinfo=HELSINKI)
    assert period.end_at.astimezone(UTC) == datetime(2026, 12, 31, 22, 0, tzinfo=UTC)  # midnight in Helsinki
    assert last_months(date(2026, 1, 31), 12) == Period(date(2025, 2, 1), date(2026, 2, 1))


def test_a_typed_period_is_two_months_in_either_form_and_order() -> None:
    today = date(2026, 12, 6)
    expected = Period(date(2026, 1, 1), date(2026, 7, 1))
    assert parse_period("1.2026-6.2026", today) == expected
    assert parse_period("2026-06 – 2026-01", today) == expected
    assert parse_period(" 01/2026 06/2026 ", today) == expected
    assert parse_period("11.2026-3.2027", today) == Period(date(2026, 11, 1), date(2027, 1, 1))  # up to now


def test_an_unreadable_or_future_period_is_refused() -> None:
    today = date(2026, 12, 6)
    for text in ("last spring", "1.2026", "13.2026-2.2027", "1.2026-2.2026-3.2026", "1.2027-3.2027", "6.20266"):
        assert parse_period(text, today) is None, text


def test_a_count_of_one_to_four_people_is_not_shown_either() -> None:
    assert [masked(count) for count in (0, 1, 4, 5, 12)] == [0, None, None, 5, 12]


def test_a_service_counts_only_in_the_area_of_the_goal_it_was_linked_to() -> None:
    """Kela linked to five people's goals about money: a Kela row under money, none under health."""
    people = [Person(f"p{n}", {"health": 1.0, "money": 1.0}, {"health": 2.0, "money": 3.0},
                     {"money": frozenset({"kela"})}) for n in range(5)]
    cells = report(people, ["health", "money"])
    assert [(cell.area, cell.label, cell.n) for cell in cells if cell.dimension == SERVICE] == [("money", "kela", 5)]
