"""ESY progress, pure: each area's series over all assessments of one instrument (versions matched by area id,
skipped areas as gaps), the change from the first score to the latest, the words, and the goals beside them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flows.core.messages import Lines, Msg, Number
from flows.core.results import Chart, Say
from flows.esy.instrument import Instrument
from flows.esy.progress import (
    GAP,
    area_line,
    change_words,
    progress,
    progress_results,
    progress_text,
)
from flows.esy.progress_goals import goal_notes
from storage.ports import AssessmentRow, GoalRow
from tests.flows.esy.test_scoring import make_instrument

START = datetime(2026, 3, 1, 12, tzinfo=UTC)


def row(scores: dict[str, float | None], months: int, instrument_id: str = "scoring", version: int = 1,
        ) -> AssessmentRow:
    return AssessmentRow("key", instrument_id, version, START + timedelta(days=30 * months), {}, scores, {})


def instrument() -> Instrument:
    return make_instrument(("home", 1), ("work", 1), ("health", 1))


def test_each_area_is_a_series_oldest_first_with_its_change() -> None:
    rows = [row({"home": 4.0, "work": 2.0, "health": 3.0}, 6), row({"home": 2.0, "work": 2.5, "health": 3.0}, 0),
            row({"home": 3.0, "work": 1.0, "health": 3.0}, 3)]
    data = progress(instrument(), rows)
    assert data.dates == (START, START + timedelta(days=90), START + timedelta(days=180))
    home, work, health = data.areas
    assert (home.area.id, home.scores, home.change) == ("home", (2.0, 3.0, 4.0), 2.0)
    assert (work.scores, work.change) == ((2.5, 1.0, 2.0), -0.5)  # first to latest, not the lowest
    assert health.change == 0.0


def test_a_skipped_area_is_a_gap_and_the_change_counts_the_scores_given() -> None:
    rows = [row({"home": None, "work": 2.0, "health": 1.0}, 0), row({"home": 3.0, "work": None, "health": 2.5}, 3),
            row({"home": 4.5, "work": None, "health": None}, 6)]
    home, work, health = progress(instrument(), rows).areas
    assert (home.scores, home.change) == ((None, 3.0, 4.5), 1.5)
    assert (work.scores, work.change) == ((2.0, None, None), None)  # one score: nothing to compare
    assert (health.scores, health.change) == ((1.0, 2.5, None), 1.5)


def test_versions_are_matched_by_area_id_and_other_instruments_left_out() -> None:
    old = row({"home": 2.0, "gone": 5.0}, 0, version=1)  # the old version had no "work" and an area since removed
    other = row({"home": 1.0, "work": 1.0, "health": 1.0}, 1, instrument_id="another")
    new = row({"home": 3.0, "work": 4.0, "health": 2.0}, 3, version=2)
    data = progress(instrument(), [new, other, old])
    assert data.dates == (old.completed_at, new.completed_at)
    assert [(s.area.id, s.scores) for s in data.areas] == [
        ("home", (2.0, 3.0)), ("work", (None, 4.0)), ("health", (None, 2.0))]


def test_the_words_name_every_score_with_a_dash_for_a_gap_and_the_change() -> None:
    rows = [row({"home": 2.0, "work": None, "health": 3.0}, 0), row({"home": 4.5, "work": 3.0, "health": 2.0}, 3)]
    data = progress(instrument(), rows)
    home, work, health = data.areas
    line = area_line(home)
    assert line.key == "esy.progress.line"
    assert line.params["scores"] == Lines((Number(2.0), Number(4.5)), " → ")
    assert line.params["change"] == Msg("esy.progress.up", {"change": Number(2.5)})
    assert area_line(work) == Msg("esy.progress.line_plain", {"area": work.area.name,
                                                               "scores": Lines((GAP, Number(3.0)), " → ")})
    assert area_line(health).params["change"] == Msg("esy.progress.down", {"change": Number(1.0)})
    assert change_words(0.0) == Msg("esy.progress.same")
    text = progress_text(instrument(), data)
    assert text.key == "esy.progress.text" and text.params["gaps"] == Msg("esy.progress.gaps", {"gap": GAP})
    assert (text.params["count"], text.params["dates"]) == (2, Msg("esy.progress.dates", {
        "first": rows[0].completed_at, "latest": rows[1].completed_at}))
    no_gaps = progress(instrument(), [row({"home": 1.0, "work": 1.0, "health": 1.0}, m) for m in (0, 3)])
    assert progress_text(instrument(), no_gaps).params["gaps"] == ""
    assert progress_text(instrument(), data, "Kettu").key == "esy.progress.text_client"


def test_goals_are_shown_under_their_area_in_words_and_in_the_picture() -> None:
    rows = [row({"home": 2.0, "work": 2.0, "health": 3.0}, m) for m in (0, 3)]
    agreed = Msg("goals.status.agreed")
    data = progress(instrument(), rows, {"work": [("Kesätyö", agreed)]})
    assert [s.goals for s in data.areas] == [(), (("Kesätyö", agreed),), ()]
    line = area_line(data.areas[1])
    assert line.key == "esy.progress.line_goals"
    assert line.params["goals"] == Lines((Msg("esy.progress.goal", {"title": "Kesätyö", "status": agreed}),))
    chart, _ = progress_results(instrument(), rows, goals={"work": [("Kesätyö", agreed)]})
    assert isinstance(chart, Chart)
    assert chart.trend.notes == ((), (Msg("esy.progress.goal", {"title": "Kesätyö", "status": agreed}),), ())


def test_two_assessments_give_a_picture_and_words_one_gives_a_kind_word() -> None:
    rows = [row({"home": 2.0, "work": 2.0, "health": 3.0}, m) for m in (0, 3)]
    chart, words = progress_results(instrument(), rows)
    assert isinstance(chart, Chart) and isinstance(words, Say)
    assert chart.trend.values == ((2.0, 2.0), (2.0, 2.0), (3.0, 3.0)) and chart.trend.nickname is None
    assert chart.trend.changes == (0.0, 0.0, 0.0)
    assert progress_results(instrument(), rows[:1]) == [
        Say(Msg("esy.progress.too_few", {"date": rows[0].completed_at}))]
    assert progress_results(instrument(), []) == [Say(Msg("esy.progress.none"))]
    assert progress_results(instrument(), rows[:1], nickname="Kettu") == [
        Say(Msg("esy.progress.too_few_client", {"nickname": "Kettu"}))]
    copy, _ = progress_results(instrument(), rows, nickname="Kettu")
    assert isinstance(copy, Chart) and copy.trend.title == Msg("esy.progress.title_client", {"nickname": "Kettu"})


def test_goal_notes_are_the_plans_goals_by_area_with_their_status() -> None:
    at = START
    rows = [GoalRow("key", "work", "Kesätyö", at, at, client_id=7),
            GoalRow("key", "home", "Oma huone", at, at, status="reached"),
            GoalRow("key", "work", "Ajokortti", at, at, client_id=7, version=2, agreed_version=2)]
    going = Msg("goals.status_going")
    assert goal_notes(rows) == {
        "work": [("Kesätyö", Msg("goals.state", {"status": going, "agreement": Msg("goals.draft")})),
                 ("Ajokortti", Msg("goals.state", {"status": going, "agreement": Msg("goals.agreed")}))],
        "home": [("Oma huone", Msg("goals.status_reached"))]}  # the person's own: no worker to agree it


def test_an_area_not_asked_is_left_out_and_only_a_skipped_one_is_a_gap() -> None:
    full = row({"home": 2.0, "work": 3.0, "health": 1.0}, 0)
    full.ratings = {"home.0": 2, "work.0": 3, "health.0": 1}
    session = row({"home": 4.0, "work": None, "health": None}, 1)  # a group session about home only
    session.ratings = {"home.0": 4}
    skipped = row({"home": 3.0, "work": None, "health": 2.0}, 3)  # work skipped, health answered
    skipped.ratings = {"home.0": 3, "work.0": None, "health.0": 2}
    data = progress(instrument(), [full, session, skipped])
    home, work, health = data.areas
    assert (home.asked, work.asked, health.asked) == ((True, True, True), (True, False, True), (True, False, True))
    assert home.shown == (2.0, 4.0, 3.0)
    assert work.shown == (3.0, None) and area_line(work).params["scores"] == Lines((Number(3.0), GAP), " → ")
    assert health.shown == (1.0, 2.0) and health.change == 1.0
    assert area_line(health).params["scores"] == Lines((Number(1.0), Number(2.0)), " → ")  # no dash: not asked
    chart, _ = progress_results(instrument(), [full, session, skipped])
    assert isinstance(chart, Chart) and chart.trend.asked == (home.asked, work.asked, health.asked)


def test_circles_all_filled_on_one_day_name_the_day_once() -> None:
    """Two circles on one day (Helsinki): "6.12.2026", not "6.12.2026–6.12.2026"."""
    morning = datetime(2026, 12, 6, 7, tzinfo=UTC)
    rows = [AssessmentRow("key", "scoring", 1, at, {}, {"home": 1.0}, {})
            for at in (morning, morning + timedelta(hours=12))]
    data = progress(instrument(), rows)
    assert progress_text(instrument(), data).params["dates"] == morning
    late = [*rows, AssessmentRow("key", "scoring", 1, morning + timedelta(hours=17), {}, {"home": 2.0}, {})]
    assert progress_text(instrument(), progress(instrument(), late)).params["dates"] == Msg("esy.progress.dates", {
        "first": morning, "latest": morning + timedelta(hours=17)}), "past midnight in Helsinki: another day"
