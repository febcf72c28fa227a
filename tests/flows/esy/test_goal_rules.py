"""The goals' pure rules (#12 §2): which areas come first, at most three going, revisions and agreement."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from flows.esy.goal_rules import MAX_GOING, agree, area_order, free_areas, is_draft, new_goal, revise, set_status
from flows.esy.instrument import Instrument
from storage.ports import AssessmentRow, GoalRow

NOW = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)


def assessment(instrument: Instrument, scores: dict[str, float | None], wishes: dict[str, str]) -> AssessmentRow:
    return AssessmentRow("u1", instrument.id, instrument.version, NOW, {}, scores, wishes)


def stored(row: GoalRow, goal_id: int = 1) -> GoalRow:
    return replace(row, id=goal_id)


def test_areas_with_a_change_wish_come_first_then_the_fewest_points(instrument: Instrument) -> None:
    ids = [area.id for area in instrument.areas]
    scores: dict[str, float | None] = {area_id: 4.0 for area_id in ids}
    scores[ids[5]], scores[ids[2]], scores[ids[4]] = 1.5, 2.0, None
    order = area_order(instrument, assessment(instrument, scores, {ids[6]: "Enemmän kavereita", ids[1]: "x"}))
    # Wished-for areas in the instrument's order, then the lowest, the rest as in the file, unrated last.
    assert order[:4] == [ids[1], ids[6], ids[5], ids[2]]
    assert order[-1] == ids[4]
    assert sorted(order) == sorted(ids)


def test_without_an_assessment_the_instruments_order_is_kept(instrument: Instrument) -> None:
    assert area_order(instrument, None) == [area.id for area in instrument.areas]


def test_an_empty_wish_does_not_count_as_one(instrument: Instrument) -> None:
    ids = [area.id for area in instrument.areas]
    order = area_order(instrument, assessment(instrument, {i: 3.0 for i in ids}, {ids[3]: ""}))
    assert order == ids


def test_at_most_three_going_and_never_two_for_one_area() -> None:
    order = ["a", "b", "c", "d"]
    goals = [GoalRow("u1", "a", "x", NOW, NOW), replace(GoalRow("u1", "b", "y", NOW, NOW), status="reached")]
    assert free_areas(order, goals) == ["b", "c", "d"]  # a reached goal's area is free again
    full = [GoalRow("u1", area, "x", NOW, NOW) for area in order[:MAX_GOING]]
    assert MAX_GOING == 3 and free_areas(order, full) == []


def test_a_new_goal_is_a_draft_with_what_was_written_as_its_first_history() -> None:
    row, history = new_goal("u1", "health", {"goal": "Nukun enemmän", "sign": None, "step": "Puhelin pois klo 23",
                                             "helper": "Äiti", "due": date(2027, 1, 31)}, NOW, client_id=7)
    assert (row.goal, row.sign, row.step, row.helper, row.due, row.client_id) == (
        "Nukun enemmän", None, "Puhelin pois klo 23", "Äiti", date(2027, 1, 31), 7)
    assert row.version == 1 and row.agreed_version is None and is_draft(row) and row.status == "going"
    assert [(rev.what, rev.value, rev.changed_by, rev.version) for rev in history] == [
        ("goal", "Nukun enemmän", "young", 1), ("step", "Puhelin pois klo 23", "young", 1),
        ("helper", "Äiti", "young", 1), ("due", "2027-01-31", "young", 1)]


def test_agreeing_records_the_version_and_a_later_change_makes_it_a_draft_again() -> None:
    row = stored(new_goal("u1", "health", {"goal": "Nukun enemmän"}, NOW)[0])
    agreed = agree(row, NOW + timedelta(days=1))
    assert agreed is not None
    row, revision = agreed
    assert row.agreed_version == 1 and not is_draft(row)
    assert (revision.changed_by, revision.what, revision.version) == ("worker", "agreed", 1)
    assert agree(row, NOW) is None  # the same version is not agreed twice
    changed = revise(row, "step", "Herätys klo 7", NOW + timedelta(days=2))
    assert changed is not None
    row, revision = changed
    assert row.version == 2 and row.agreed_version == 1 and is_draft(row)
    assert (revision.what, revision.value, revision.version, revision.changed_by) == ("step", "Herätys klo 7", 2,
                                                                                      "young")


def test_a_new_status_keeps_the_agreement_and_the_version() -> None:
    row = stored(replace(new_goal("u1", "health", {"goal": "x"}, NOW)[0], agreed_version=1))
    changed = set_status(row, "reached", NOW)
    assert changed is not None
    assert changed[0].status == "reached" and not is_draft(changed[0]) and changed[0].version == 1
    assert (changed[1].what, changed[1].value) == ("status", "reached")
    assert set_status(changed[0], "reached", NOW) is None


def test_nothing_changes_for_the_same_words_and_the_goal_itself_cannot_be_emptied() -> None:
    row = stored(new_goal("u1", "health", {"goal": "x", "sign": "y"}, NOW)[0])
    assert revise(row, "sign", "y", NOW) is None
    assert revise(row, "goal", None, NOW) is None
    assert revise(row, "status", "reached", NOW) is None  # not a field of the goal's words
    cleared = revise(row, "sign", None, NOW)
    assert cleared is not None and cleared[0].sign is None and cleared[1].value is None
    dated = revise(row, "due", date(2027, 2, 1), NOW)
    assert dated is not None and dated[1].value == "2027-02-01"
