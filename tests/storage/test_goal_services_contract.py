"""The goal services' contract (#12 ESY phase 3): the memory fake and SQLite keep the services linked to a goal
and their follow-ups alike, and both go with the goal.

Beside tests/storage/test_contract.py (whose helpers it uses), like the goals' own contract.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import cast

import pytest

from storage.ports import Conflict, GoalServiceRow, ServiceFollowUpRow, Store, UnknownRow
from tests.storage.test_contract import (
    T0,
    client_row,
    participant_row,
    promise_row,
    seed_meeting,
    seed_users,
    staff_row,
)
from tests.storage.test_goals_contract import goal


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def store(request: pytest.FixtureRequest) -> Store:
    return cast(Store, request.getfixturevalue(f"{request.param}_store"))


async def a_goal(store: Store, user_key: str = "u1", client_id: int | None = None) -> int:
    async with store.transaction() as work:
        return await work.goals.add(goal(user_key, client_id))


async def test_links_round_trip_oldest_first_per_goal(store: Store) -> None:
    await seed_users(store, "u1")
    goal_id, other = await a_goal(store), await a_goal(store)
    async with store.transaction() as work:
        late = await work.goal_services.link(GoalServiceRow(goal_id, "mieli", T0 + timedelta(hours=1)))
        early = await work.goal_services.link(GoalServiceRow(goal_id, "ohjaamo", T0))
        await work.goal_services.link(GoalServiceRow(other, "ohjaamo", T0))
    async with store.transaction() as work:
        links = await work.goal_services.for_goal(goal_id)
        assert [row.id for row in links] == [early, late]
        assert links[0] == GoalServiceRow(goal_id, "ohjaamo", T0, id=early)
        assert await work.goal_services.get(late) == GoalServiceRow(goal_id, "mieli", T0 + timedelta(hours=1),
                                                                    id=late)
        assert await work.goal_services.get(999) is None
        assert await work.goal_services.for_goal(999) == []


async def test_the_same_service_twice_on_one_goal_or_a_missing_goal_is_refused(store: Store) -> None:
    await seed_users(store, "u1")
    goal_id = await a_goal(store)
    async with store.transaction() as work:
        await work.goal_services.link(GoalServiceRow(goal_id, "mieli", T0))
    with pytest.raises(Conflict):
        async with store.transaction() as work:
            await work.goal_services.link(GoalServiceRow(goal_id, "mieli", T0))
    with pytest.raises(UnknownRow):
        async with store.transaction() as work:
            await work.goal_services.link(GoalServiceRow(404, "mieli", T0))


async def test_followups_are_kept_in_order_and_checked(store: Store) -> None:
    await seed_users(store, "u1")
    goal_id = await a_goal(store)
    async with store.transaction() as work:
        link = await work.goal_services.link(GoalServiceRow(goal_id, "mieli", T0))
        first = ServiceFollowUpRow(link, "not_yet", None, "worker", T0)
        await work.goal_services.add_followup(first)
        await work.goal_services.add_followup(ServiceFollowUpRow(link, "yes", "somewhat", "young",
                                                                 T0 + timedelta(days=30)))
    async with store.transaction() as work:
        history = await work.goal_services.followups(link)
    assert [(row.reached, row.helped, row.answered_by) for row in history] == [
        ("not_yet", None, "worker"), ("yes", "somewhat", "young")]
    assert replace(history[0], id=None) == first
    for bad in (replace(first, reached="maybe"), replace(first, helped="a lot"), replace(first, answered_by="x")):
        with pytest.raises(ValueError):
            async with store.transaction() as work:
                await work.goal_services.add_followup(bad)
    with pytest.raises(UnknownRow):
        async with store.transaction() as work:
            await work.goal_services.add_followup(replace(first, link_id=404))


async def test_unlinking_takes_the_followups_and_says_whether_there_was_a_link(store: Store) -> None:
    await seed_users(store, "u1")
    goal_id = await a_goal(store)
    async with store.transaction() as work:
        link = await work.goal_services.link(GoalServiceRow(goal_id, "mieli", T0))
        kept = await work.goal_services.link(GoalServiceRow(goal_id, "ohjaamo", T0))
        await work.goal_services.add_followup(ServiceFollowUpRow(link, "no", None, "worker", T0))
    async with store.transaction() as work:
        assert await work.goal_services.unlink(link) is True
        assert await work.goal_services.unlink(link) is False
    async with store.transaction() as work:
        assert await work.goal_services.followups(link) == []
        assert [row.id for row in await work.goal_services.for_goal(goal_id)] == [kept]


async def test_deleting_the_goal_the_user_or_the_client_takes_links_and_followups(store: Store) -> None:
    await seed_users(store, "u1", "u2", "u3")
    async with store.transaction() as work:
        staff_id = await work.staff.add(staff_row())
        client_id = await work.clients.add(client_row(created_by=staff_id, user_key="u2"))
    goals = [await a_goal(store), await a_goal(store, "u2", client_id), await a_goal(store, "u3")]
    links = []
    async with store.transaction() as work:
        for goal_id in goals:
            link = await work.goal_services.link(GoalServiceRow(goal_id, "mieli", T0))
            await work.goal_services.add_followup(ServiceFollowUpRow(link, "yes", "yes", "young", T0))
            links.append(link)
    async with store.transaction() as work:
        await work.users.delete("u1")
        await work.clients.delete(client_id)
        assert await work.goals.delete_for_user("u3") == 1
    async with store.transaction() as work:
        for goal_id, link in zip(goals, links, strict=True):
            assert await work.goal_services.for_goal(goal_id) == []
            assert await work.goal_services.get(link) is None
            assert await work.goal_services.followups(link) == []


async def test_a_promise_for_a_goal_is_found_by_the_goal_and_loses_the_link_when_the_goal_goes(store: Store) -> None:
    await seed_users(store, "u1")
    _, _, meeting_id = await seed_meeting(store)
    goal_id, other = await a_goal(store, "u1"), await a_goal(store, "u1")
    async with store.transaction() as work:
        kettu = await work.meetings.add_participant(participant_row(meeting_id, "Kettu", "client"))
        later = await work.meetings.add_promise(promise_row(meeting_id, kettu, due=date(2027, 2, 1), goal_id=goal_id))
        sooner = await work.meetings.add_promise(promise_row(meeting_id, kettu, goal_id=goal_id))
        plain = await work.meetings.add_promise(promise_row(meeting_id, kettu))
        row = await work.meetings.promise(plain)
        assert row is not None and row.goal_id is None
        await work.meetings.save_promise(replace(row, goal_id=other))
    async with store.transaction() as work:
        assert [row.id for row in await work.meetings.promises_for_goal(goal_id)] == [sooner, later]
        assert [row.id for row in await work.meetings.promises_for_goal(other)] == [plain]
        assert await work.meetings.promises_for_goal(999) == []
    with pytest.raises(UnknownRow):
        async with store.transaction() as work:
            await work.meetings.add_promise(promise_row(meeting_id, kettu, goal_id=404))
    async with store.transaction() as work:
        await work.goals.delete_for_user("u1")
    async with store.transaction() as work:
        kept = await work.meetings.promises(meeting_id)
    assert [row.id for row in kept] == [sooner, plain, later] and {row.goal_id for row in kept} == {None}
