"""Stable ids in the shared preparation draft (#9): a version 1 draft gets ids that keep its buttons' meaning."""

from __future__ import annotations

from flows.meetings.preparation import migrate, with_ids


def test_a_version_1_draft_gets_its_positions_as_ids_and_the_next_id_after_them() -> None:
    old = {"works": "x", "people": [{"name": "Sanna", "invite": True}, {"name": "Mr Koski", "invite": False}],
           "topics": ["The rent", "Sleep", "Money"]}
    draft = with_ids(old)
    assert [person["id"] for person in draft["people"]] == [0, 1]
    assert draft["topic_ids"] == [0, 1, 2] and draft["next_id"] == 3
    assert draft["topics"] == old["topics"] and draft["works"] == "x", "the words stay as they were"
    assert "id" not in old["people"][0], "the stored row is not changed in place"
    assert with_ids(draft) == draft, "ids already there are kept"


def test_ids_already_given_are_kept_and_new_ones_never_reuse_them() -> None:
    draft = with_ids({"people": [{"name": "Mummo", "id": 7}], "topics": ["Money"], "topic_ids": [4],
                      "next_id": 2})
    assert draft["next_id"] == 8


def test_a_version_1_conversation_goes_on_where_it_was() -> None:
    data = {"client_id": 3, "draft": {"people": [{"name": "Sanna"}], "topics": []}}
    migrated = migrate(1, "invite", data)
    assert migrated is not None and migrated[0] == "invite"
    assert migrated[1]["client_id"] == 3 and migrated[1]["draft"]["people"] == [{"name": "Sanna", "id": 0}]
    assert migrate(1, "hub", {"client_id": 3}) == ("hub", {"client_id": 3})
    assert migrate(2, "hub", {}) is None
