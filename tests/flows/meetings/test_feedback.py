"""The feedback form's statements and how a form begun before they changed goes on (pure)."""

from __future__ import annotations

from flows.meetings import feedback

VERSION_1 = ("listened", "valued", "influence", "strengths", "change", "goals")


def test_influencing_content_time_and_place_are_three_statements_as_in_the_seed() -> None:
    """Seed 004's pilot feedback asks separately about the meetings' content, their time and their place."""
    assert feedback.STATEMENTS[2:5] == ("influence_content", "influence_time", "influence_place")
    assert all(statement in feedback.STATEMENT_TEXT for statement in feedback.STATEMENTS)


def test_a_form_begun_in_version_1_goes_on_at_the_same_statement_and_keeps_its_answers() -> None:
    """Nothing answered is lost or asked twice: a merged 'influence' answer stays (and still has words for the
    export), and the next question is the one that was next."""
    for index, statement in enumerate(VERSION_1):
        answers = {earlier: 4 for earlier in VERSION_1[:index]}
        migrated = feedback.migrate(1, "statement", {"index": index, "answers": answers})
        assert migrated is not None
        state, data = migrated
        expected = "influence_content" if statement == "influence" else statement
        assert state == "statement" and feedback.STATEMENTS[data["index"]] == expected
        assert data["answers"] == answers
    assert "influence" in feedback.STATEMENT_TEXT
    assert feedback.migrate(1, "comment", {"index": 5, "answers": {}}) is not None
    assert feedback.migrate(0, "statement", {"index": 0, "answers": {}}) is None
