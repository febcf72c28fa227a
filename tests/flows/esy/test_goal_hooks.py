"""The goals' cross-room duties (#12 §2): the card shows only goals written as a client, the list nudges only the
responsible worker and only after the interval, ending the work deletes the goals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flows.core.hooks import Hooks
from flows.esy import goal_hooks
from flows.esy.goal_hooks import GoalParts
from flows.esy.instrument import Instrument
from storage.memory import MemoryStore
from storage.ports import (
    AssessmentRow,
    ClientRow,
    GoalRevisionRow,
    GoalRow,
    PairRow,
    ShareRow,
    StaffRow,
    UnitOfWork,
    UserRow,
)

NOW = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)


async def setup(work: UnitOfWork) -> tuple[ClientRow, int, int]:
    """Kettu, linked, with a responsible worker and a pair worker, and a circle shared at NOW."""
    for key in ("kettu", "aino", "pekka"):
        await work.users.save(UserRow(key, "fi", NOW, NOW))
    responsible = await work.staff.add(StaffRow("Aino", "", "Org", False, True, NOW, user_key="aino"))
    pair = await work.staff.add(StaffRow("Pekka", "", "Org", False, True, NOW, user_key="pekka"))
    client = ClientRow("Kettu", responsible, NOW, user_key="kettu", linked_at=NOW)
    client.id = await work.clients.add(client)
    await work.clients.set_pair(PairRow(client.id, responsible, True))
    await work.clients.set_pair(PairRow(client.id, pair, False))
    assessment = await work.assessments.add(AssessmentRow("kettu", "esy", 1, NOW, {}, {}, {}))
    await work.shares.add(ShareRow(assessment, client.id, NOW))
    return client, responsible, pair


async def test_the_card_shows_the_goals_written_as_a_client_and_never_the_anonymous_ones(
    memory_store: MemoryStore, instrument: Instrument,
) -> None:
    parts = GoalParts(instrument)
    async with memory_store.transaction() as work:
        client, _, _ = await setup(work)
        assert [msg.key for msg in await parts.card(work, client, NOW)] == ["clients.no_goals"]
        await work.goals.add(GoalRow("kettu", "health", "Written before joining", NOW, NOW))
        assert [msg.key for msg in await parts.card(work, client, NOW)] == ["clients.no_goals"]
        await work.goals.add(GoalRow("kettu", "health", "Written as a client", NOW, NOW, client_id=client.id))
        (section,) = await parts.card(work, client, NOW)
    assert section.key == "clients.goals" and "Written as a client" in repr(section)
    assert "Written before joining" not in repr(section)


async def test_only_the_responsible_worker_is_nudged_and_only_after_the_interval(
    memory_store: MemoryStore, instrument: Instrument,
) -> None:
    parts = GoalParts(instrument, nudge_days=14)
    async with memory_store.transaction() as work:
        client, responsible, pair = await setup(work)
        assert client.id is not None
        later = NOW + timedelta(days=14)
        assert await parts.marks(work, responsible, [client], NOW + timedelta(days=13)) == set()
        assert await parts.marks(work, responsible, [client], later) == {client.id}
        assert await parts.marks(work, pair, [client], later) == set()
        await work.goals.add(GoalRow("kettu", "health", "x", later, later, client_id=client.id))
        assert await parts.marks(work, responsible, [client], later) == set()


async def test_ending_the_work_deletes_the_goals_with_their_history(
    memory_store: MemoryStore, instrument: Instrument,
) -> None:
    hooks = Hooks()
    goal_hooks.register(hooks, instrument)
    async with memory_store.transaction() as work:
        client, _, _ = await setup(work)
        goal_id = await work.goals.add(GoalRow("kettu", "health", "x", NOW, NOW, client_id=client.id))
        await work.goals.add_revision(GoalRevisionRow(goal_id, 1, "young", "goal", "x", NOW))
        for ended in hooks.work_ended:
            await ended(work, client, "kettu", NOW)
        assert await work.goals.for_user("kettu") == []
        assert await work.goals.revisions(goal_id) == []
