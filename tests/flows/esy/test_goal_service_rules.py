"""The rules of the services linked to a goal (#12 §3–4): the answer in force, when a follow-up is due, what an
answer may be."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from flows.esy.goal_service_rules import answer, followup_due, in_force
from storage.ports import GoalServiceRow, ServiceFollowUpRow

LINKED = datetime(2027, 1, 10, 12, tzinfo=UTC)
LINK = GoalServiceRow(1, "ohjaamo", LINKED, id=1)


def said(at: datetime, reached: str = "not_yet", row_id: int = 1) -> ServiceFollowUpRow:
    return ServiceFollowUpRow(1, reached, None, "worker", at, id=row_id)


def test_the_latest_answer_is_in_force() -> None:
    early, late = said(LINKED, "no", 2), said(LINKED + timedelta(days=1), "yes", 1)
    assert in_force([late, early]) == late
    same_time = said(LINKED, "yes", 3)
    assert in_force([early, same_time]) == same_time  # at the same moment, the one stored last
    assert in_force([]) is None


def test_no_follow_up_before_the_by_when_day_or_a_new_circle() -> None:
    now = LINKED + timedelta(days=5)
    assert not followup_due(LINK, [], None, None, now)
    assert not followup_due(LINK, [], date(2027, 2, 1), None, now)  # the day has not come
    assert not followup_due(LINK, [], None, LINKED - timedelta(days=1), now)  # a circle from before the link


def test_the_by_when_day_makes_a_follow_up_due_until_someone_answers() -> None:
    due = date(2027, 2, 1)
    day_before = datetime(2027, 1, 31, 21, 59, tzinfo=UTC)  # 23:59 in Helsinki
    assert not followup_due(LINK, [], due, None, day_before)
    assert followup_due(LINK, [], due, None, day_before + timedelta(minutes=1))  # midnight in Helsinki
    later = day_before + timedelta(days=3)
    assert followup_due(LINK, [said(LINKED + timedelta(days=2))], due, None, later)  # answered before the day
    assert not followup_due(LINK, [said(later - timedelta(hours=1))], due, None, later)


def test_a_new_circle_since_the_link_makes_a_follow_up_due() -> None:
    circle = LINKED + timedelta(days=90)
    now = circle + timedelta(days=1)
    assert followup_due(LINK, [], None, circle, now)
    assert not followup_due(LINK, [said(circle + timedelta(hours=2))], None, circle, now)
    assert followup_due(LINK, [said(circle - timedelta(days=30))], None, circle, now)


def test_a_by_when_day_before_the_link_is_no_reason_to_ask() -> None:
    assert not followup_due(LINK, [], date(2027, 1, 1), None, LINKED + timedelta(days=1))


def test_an_answer_asks_helped_only_of_a_service_reached() -> None:
    now = LINKED
    assert answer(1, "yes", "somewhat", "young", now) == ServiceFollowUpRow(1, "yes", "somewhat", "young", now)
    assert answer(1, "not_yet", "yes", "worker", now).helped is None
    with pytest.raises(ValueError):
        answer(1, "maybe", None, "young", now)
    with pytest.raises(ValueError):
        answer(1, "yes", "a lot", "young", now)
