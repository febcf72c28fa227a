"""The invitation flow's version 2 (#12 §5): version 1's meeting offer goes on as the join offer, and a code
found by no capability in a version 1 conversation is the meeting's (the only one then)."""

from __future__ import annotations

from flows.identity.invitation import VERSION, join_offer


def test_a_version_1_meeting_offer_goes_on_as_the_join_offer() -> None:
    data = {"participant": 3, "offer": {"name": "Mari"}}
    assert VERSION == 2
    assert join_offer(1, "meeting_offer", data) == ("join_offer", data)
    assert join_offer(1, "consent", {"item": 1}) == ("consent", {"item": 1})
    assert join_offer(0, "ask_code", {}) is None
