"""The rules of network meetings apart from any conversation (flows/meetings/rules.py): which meeting is current,
what makes one held and what follows it, the memo and who gets which copy, join links, the recording window,
and a promise's state changes."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from flows.core.dates import HELSINKI, as_day
from flows.core.messages import Lines, Msg, When
from flows.meetings.rules import (
    carried_over,
    checkin_until,
    current_meeting,
    follow_up,
    held,
    last_held,
    link_expires,
    link_usable,
    marked,
    memo,
    memo_document,
    next_statuses,
    recording_open,
    sees_topics,
    shown_to,
    took_place,
    work_ended,
)
from storage.ports import MeetingRow, ParticipantRow, PromiseRow

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=HELSINKI)
STARTS = datetime(2026, 11, 27, 14, 0, tzinfo=HELSINKI)


def meeting(status: str = "planned", id_: int = 1, next_at: datetime | None = None,
            ended_on: date | None = None) -> MeetingRow:
    return MeetingRow(3, 9, NOW - timedelta(days=7), STARTS, "office", "Kauppakatu 1", status=status,
                      next_at=next_at, ended_on=ended_on, id=id_)


def person(id_: int, name: str, role: str, key: str | None = None) -> ParticipantRow:
    return ParticipantRow(1, name, role, user_key=key, id=id_)


def test_the_current_meeting_is_the_latest_planned_and_the_last_held_the_latest_held() -> None:
    rows = [meeting("held", id_=1), meeting("cancelled", id_=2), meeting("held", id_=3), meeting("planned", id_=4),
            meeting("planned", id_=5)]
    assert current_meeting(rows) is rows[4] and last_held(rows) is rows[2]
    assert current_meeting(rows[:3]) is None and last_held(rows[3:]) is None
    assert not work_ended(rows) and work_ended([*rows, meeting("held", ended_on=date(2026, 12, 1))])


def test_a_meeting_is_held_with_the_next_meeting_or_the_end_of_the_work_and_nothing_else() -> None:
    row = meeting()
    nxt = STARTS + timedelta(days=28)
    assert held(row, nxt, None) == meeting("held", next_at=nxt)
    assert held(row, None, date(2026, 11, 27)) == meeting("held", ended_on=date(2026, 11, 27))
    assert row.status == "planned", "the stored row is not changed in place"
    with pytest.raises(ValueError):
        held(row, None, None)


def test_a_record_written_before_the_meeting_does_not_say_it_took_place() -> None:
    assert not took_place(meeting(), NOW)
    assert took_place(meeting(), STARTS) and took_place(meeting(), STARTS + timedelta(hours=1))


def test_the_follow_up_is_at_the_agreed_time_in_the_same_place_and_follows_this_one() -> None:
    nxt = STARTS + timedelta(days=28)
    later = NOW + timedelta(days=8)
    row = follow_up(held(meeting(id_=7), nxt, None), later)
    assert row == MeetingRow(3, 9, later, nxt, "office", "Kauppakatu 1", follows=7)
    assert follow_up(held(meeting(), None, date(2026, 11, 27)), later) is None, "the work ended: nothing follows"


def test_the_follow_up_has_the_same_people_without_their_join_links() -> None:
    old = ParticipantRow(1, "Mummo", "other", "grandmother", "sv", None, "key-m", False, "hash", NOW, id=4)
    assert carried_over(old, 8) == ParticipantRow(8, "Mummo", "other", "grandmother", "sv", None, "key-m", False)


def test_a_join_link_works_until_the_day_after_the_meeting_and_a_working_one_is_not_made_again() -> None:
    assert link_expires(meeting()) == STARTS + timedelta(days=1)
    given = ParticipantRow(1, "Mummo", "other", join_hash="h", join_expires_at=STARTS + timedelta(days=1))
    assert link_usable(given, NOW) and not link_usable(given, STARTS + timedelta(days=1))
    assert not link_usable(ParticipantRow(1, "Mummo", "other"), NOW), "never handed out"
    assert link_usable(ParticipantRow(1, "Mummo", "other", join_hash="h"), NOW), "no expiry: still works"


def test_the_memo_lists_who_was_there_their_promises_what_comes_next_and_the_topics() -> None:
    nxt = STARTS + timedelta(days=28)
    people = [person(1, "Aino", "client"), person(2, "Sanna", "worker")]
    promises = [PromiseRow(1, 1, "Call the school", date(2026, 12, 4), NOW),
                PromiseRow(1, 5, "Someone gone", date(2026, 12, 5), NOW)]
    text = memo(held(meeting(), nxt, None), people, promises, ["The rent"])
    assert text.key == "meeting.memo"
    assert text.params["when"] == When(STARTS) and text.params["people"] == "Aino, Sanna"
    assert text.params["next"] == Msg("meeting.memo_next", {"when": When(nxt)})
    assert text.params["topics"] == Lines(("• The rent",))
    assert text.params["promises"] == Lines((
        Msg("meeting.memo_promise", {"who": "Aino", "promise": "Call the school", "due": as_day(date(2026, 12, 4))}),
        Msg("meeting.memo_promise", {"who": "?", "promise": "Someone gone", "due": as_day(date(2026, 12, 5))})))


def test_a_memo_that_ends_the_work_names_the_end_date_and_an_empty_one_says_so() -> None:
    text = memo(held(meeting(), None, date(2026, 11, 30)), [], [], [])
    assert text.params["next"] == Msg("meeting.memo_ended", {"date": as_day(date(2026, 11, 30))})
    assert text.params["promises"] == Msg("meeting.no_promises") and text.params["topics"] == "-"


def test_only_the_clients_and_the_workers_copies_carry_the_young_persons_topics() -> None:
    assert sees_topics(person(1, "Aino", "client")) and sees_topics(person(2, "Sanna", "worker"))
    assert not sees_topics(person(3, "Mummo", "other"))


def test_the_memo_document_says_held_only_once_the_meeting_began() -> None:
    people = [person(1, "Aino", "client")]
    promises = [PromiseRow(1, 1, "Call the school", date(2026, 12, 4), NOW)]
    row = held(meeting(), None, date(2026, 11, 30))
    data = memo_document(row, people, promises, "Aino", NOW)
    assert data["held"] is False and data["ended_on"] == "2026-11-30" and data["next_at"] is None
    assert data["promises"] == [["Aino", "Call the school", "2026-12-04"]]
    assert data["participants"] == [["Aino", "client", "", True]]
    assert memo_document(row, people, promises, "Aino", STARTS)["held"] is True


def test_a_check_in_is_useful_until_the_due_day_is_over_in_helsinki() -> None:
    assert checkin_until(date(2026, 12, 4)) == datetime(2026, 12, 5, 0, 0, tzinfo=HELSINKI)


def test_promises_can_be_written_down_from_an_hour_before_a_planned_meeting_to_its_evening() -> None:
    row = meeting()
    assert not recording_open(row, STARTS - timedelta(hours=1, minutes=1))
    assert recording_open(row, STARTS - timedelta(hours=1)) and recording_open(row, STARTS + timedelta(hours=11))
    assert not recording_open(row, STARTS + timedelta(hours=12))
    assert not recording_open(meeting("held"), STARTS) and not recording_open(meeting("cancelled"), STARTS)


def test_an_open_promise_is_marked_done_or_help_and_a_marked_one_can_go_back_to_open() -> None:
    assert next_statuses("open") == ("done", "help")
    assert next_statuses("done") == ("open",)
    assert next_statuses("help") == ("done", "open"), "asked for help, and then did it after all"


def test_marking_a_promise_keeps_its_text_and_says_when() -> None:
    promise = PromiseRow(1, 2, "Call the school", date(2026, 12, 4), NOW, id=6)
    later = NOW + timedelta(days=2)
    assert marked(promise, "done", later) == PromiseRow(1, 2, "Call the school", date(2026, 12, 4), NOW, "done",
                                                        updated_at=later, id=6)
    assert promise.status == "open", "the stored row is not changed in place"
    with pytest.raises(ValueError):
        marked(promise, "lost", later)


def test_the_young_person_sees_every_promise_and_another_participant_only_their_own() -> None:
    mummo = person(3, "Mummo", "other", "key-m")
    assert shown_to(mummo, "key-a", viewer_is_client=True) and shown_to(None, "key-a", viewer_is_client=True)
    assert shown_to(mummo, "key-m", viewer_is_client=False)
    assert not shown_to(mummo, "key-x", viewer_is_client=False) and not shown_to(None, "key-m", False)
