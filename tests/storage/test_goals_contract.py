"""The goals' contract (#12 ESY phase 2): the memory fake and SQLite keep goals and their history alike.

Beside tests/storage/test_contract.py (whose helpers it uses), in its own module so the goals' rules read
together.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import cast

import pytest

from storage.ports import GoalRevisionRow, GoalRow, Store, UnknownRow, UnknownUser
from tests.storage.test_contract import T0, client_row, seed_users, staff_row


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def store(request: pytest.FixtureRequest) -> Store:
    return cast(Store, request.getfixturevalue(f"{request.param}_store"))


def goal(user_key: str = "u1", client_id: int | None = None, text: str = "Herään kouluun ajoissa") -> GoalRow:
    return GoalRow(user_key=user_key, area_id="health", goal=text, created_at=T0, updated_at=T0,
                   client_id=client_id)


async def test_a_goal_round_trips_every_field(store: Store) -> None:
    await seed_users(store, "u1")
    full = replace(goal(), sign="Olen pirteämpi ✨", step="Herätys klo 7", helper="Äiti", due=date(2027, 1, 31),
                   status="reached", version=3, agreed_version=2)
    async with store.transaction() as work:
        goal_id = await work.goals.add(full)
    async with store.transaction() as work:
        assert await work.goals.get(goal_id) == replace(full, id=goal_id)
        assert await work.goals.get(goal_id + 1) is None


async def test_saving_a_goal_rewrites_it_but_keeps_created_at(store: Store) -> None:
    await seed_users(store, "u1")
    async with store.transaction() as work:
        goal_id = await work.goals.add(goal())
    later = T0 + timedelta(days=2)
    async with store.transaction() as work:
        row = await work.goals.get(goal_id)
        assert row is not None
        await work.goals.save(replace(row, goal="Uusi", sign=None, due=None, version=2, agreed_version=1,
                                      updated_at=later, created_at=later))
    async with store.transaction() as work:
        saved = await work.goals.get(goal_id)
    assert saved is not None
    assert (saved.goal, saved.version, saved.agreed_version, saved.updated_at, saved.created_at) == (
        "Uusi", 2, 1, later, T0)


async def test_saving_a_goal_without_a_stored_row_is_refused(store: Store) -> None:
    await seed_users(store, "u1")
    with pytest.raises(UnknownRow):
        async with store.transaction() as work:
            await work.goals.save(replace(goal(), id=99))
    with pytest.raises(ValueError):
        async with store.transaction() as work:
            await work.goals.save(goal())


async def test_goals_are_the_users_oldest_first_and_by_client(store: Store) -> None:
    await seed_users(store, "u1", "u2")
    async with store.transaction() as work:
        staff_id = await work.staff.add(staff_row())
        client_id = await work.clients.add(client_row(created_by=staff_id, user_key="u1"))
        late = await work.goals.add(replace(goal(client_id=client_id), created_at=T0 + timedelta(hours=1)))
        early = await work.goals.add(goal())  # written before they were linked: theirs alone
        await work.goals.add(goal("u2"))
    async with store.transaction() as work:
        assert [row.id for row in await work.goals.for_user("u1")] == [early, late]
        assert [row.id for row in await work.goals.for_client(client_id)] == [late]
        assert await work.goals.for_user("nobody") == []


async def test_a_goal_of_an_unknown_user_or_client_is_refused(store: Store) -> None:
    with pytest.raises(UnknownUser):
        async with store.transaction() as work:
            await work.goals.add(goal("ghost"))
    await seed_users(store, "u1")
    with pytest.raises(UnknownRow):
        async with store.transaction() as work:
            await work.goals.add(goal(client_id=404))


async def test_an_unknown_status_is_refused(store: Store) -> None:
    await seed_users(store, "u1")
    with pytest.raises(ValueError):
        async with store.transaction() as work:
            await work.goals.add(replace(goal(), status="maybe"))


async def test_revisions_are_the_goals_history_in_order(store: Store) -> None:
    await seed_users(store, "u1")
    async with store.transaction() as work:
        goal_id = await work.goals.add(goal())
        other = await work.goals.add(goal())
        first = GoalRevisionRow(goal_id, 1, "young", "goal", "Herään ajoissa", T0)
        await work.goals.add_revision(first)
        await work.goals.add_revision(GoalRevisionRow(goal_id, 1, "worker", "agreed", None, T0))
        await work.goals.add_revision(GoalRevisionRow(other, 1, "young", "goal", "x", T0))
    async with store.transaction() as work:
        history = await work.goals.revisions(goal_id)
    assert [(row.changed_by, row.what, row.value) for row in history] == [
        ("young", "goal", "Herään ajoissa"), ("worker", "agreed", None)]
    assert replace(history[0], id=None) == first


async def test_a_revision_of_a_missing_goal_or_by_someone_else_is_refused(store: Store) -> None:
    await seed_users(store, "u1")
    with pytest.raises(UnknownRow):
        async with store.transaction() as work:
            await work.goals.add_revision(GoalRevisionRow(77, 1, "young", "goal", "x", T0))
    async with store.transaction() as work:
        goal_id = await work.goals.add(goal())
    with pytest.raises(ValueError):
        async with store.transaction() as work:
            await work.goals.add_revision(GoalRevisionRow(goal_id, 1, "stranger", "goal", "x", T0))


async def test_deleting_a_users_goals_takes_their_history_and_nobody_elses(store: Store) -> None:
    await seed_users(store, "u1", "u2")
    async with store.transaction() as work:
        mine = await work.goals.add(goal())
        await work.goals.add(goal())
        await work.goals.add_revision(GoalRevisionRow(mine, 1, "young", "goal", "x", T0))
        theirs = await work.goals.add(goal("u2"))
    async with store.transaction() as work:
        assert await work.goals.delete_for_user("u1") == 2
        assert await work.goals.delete_for_user("u1") == 0
    async with store.transaction() as work:
        assert await work.goals.revisions(mine) == []
        assert [row.id for row in await work.goals.for_user("u2")] == [theirs]


async def test_forgetting_the_user_or_deleting_the_client_takes_the_goals(store: Store) -> None:
    await seed_users(store, "u1", "u2")
    async with store.transaction() as work:
        staff_id = await work.staff.add(staff_row())
        client_id = await work.clients.add(client_row(created_by=staff_id, user_key="u2"))
        mine = await work.goals.add(goal())
        await work.goals.add_revision(GoalRevisionRow(mine, 1, "young", "goal", "x", T0))
        await work.goals.add(goal("u2", client_id))
    async with store.transaction() as work:
        await work.users.delete("u1")
        await work.clients.delete(client_id)
    async with store.transaction() as work:
        assert await work.goals.for_user("u1") == []
        assert await work.goals.revisions(mine) == []
        assert await work.goals.for_user("u2") == []
