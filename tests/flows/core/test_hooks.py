"""Cross-room duties go through hooks (#11): identity calls what the capabilities registered, in their order,
and each organisation has its own set (no module-level singleton)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.bootstrap import house_hooks
from bot.settings import Settings
from flows.chat.shifts import ChatSetup
from flows.core.hooks import CardLink, Hooks, WorkEnded
from flows.core.messages import Lines, Msg, Param
from flows.esy.group_joining import GroupJoining
from flows.esy.instrument import Instrument
from flows.identity.clients import clients_flow
from flows.identity.consent import delete_stored, end_client_work
from flows.meetings.joining import MeetingJoining
from storage.memory import MemoryStore
from storage.ports import ClientRow, OutboxRow, StaffRow, UnitOfWork, UserRow

NOW = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)


def test_each_organisation_gets_its_own_hooks_in_the_order_the_effects_run(instrument: Instrument) -> None:
    setup = ChatSetup(())
    first = house_hooks(instrument, "secret-a", Settings(), setup)
    second = house_hooks(instrument, "secret-b", Settings(), setup)
    assert first is not second and first.forget is not second.forget
    # ESY groups' codes and the meetings' join links, each with its organisation's secret.
    for hooks, secret in ((first, "secret-a"), (second, "secret-b")):
        groups, meetings = hooks.join_codes
        assert isinstance(groups, GroupJoining) and groups.secret == secret
        assert isinstance(meetings, MeetingJoining) and meetings.secret == secret
    # ESY's circles are deleted (and named) before the meetings' part, as before the hooks; the effect record a
    # client agreed to is kept before anything of theirs is deleted (goals too: it names their services).
    esy_first = ["flows.esy.effect_records", "flows.esy.hooks", "flows.esy.goal_hooks", "flows.meetings.hooks"]
    assert [hook.__module__ for hook in first.forgetting] == ["flows.esy.effect_records"]
    assert [hook.__module__ for hook in first.work_ended] == esy_first
    assert [hook.__module__ for hook in first.storage_withdrawn] == esy_first
    # The worker's own reading and the young person's goals (ESY phases 1 and 2) come before the meetings on the
    # card, as in the method; the reading is offered to the pair worker too (with consent b).
    assert [link.choice for link in first.card_links] == ["reading", "goals", "prepare", "meeting"]
    assert [link.pair for link in first.card_links] == [True, False, False, False]
    assert first.pictures is not None and len(first.forget) == len(first.staff_removed) == 1


async def add_client(work: UnitOfWork) -> ClientRow:
    await work.users.save(UserRow("key-aino", "fi", NOW, NOW))
    worker = await work.staff.add(StaffRow("Kaisa", "", "Demo", False, True, NOW))
    client = ClientRow("Aino", worker, NOW, user_key="key-aino", linked_at=NOW)
    client.id = await work.clients.add(client)
    return client


async def test_ending_the_work_unlinks_first_then_each_capability_deletes_its_part(
    memory_store: MemoryStore,
) -> None:
    seen: list[tuple[str, str | None, str | None, int]] = []

    def recording(name: str) -> WorkEnded:
        async def ended(work: UnitOfWork, client: ClientRow, key: str | None, now: datetime) -> None:
            seen.append((name, key, client.user_key, len(await work.outbox.for_recipient("key-aino"))))
        return ended

    hooks = Hooks(work_ended=[recording("first"), recording("second")])
    async with memory_store.transaction() as work:
        client = await add_client(work)
        await work.outbox.add(OutboxRow("key-aino", "reminder", {}, NOW))
        await end_client_work(work, client, NOW, hooks)
        stored = await work.clients.get(client.id or 0)
        assert stored is not None and stored.ended_at == NOW and stored.user_key is None
    # Every part learns the key the client had; the link and what was queued for the work are gone already.
    assert seen == [("first", "key-aino", None, 0), ("second", "key-aino", None, 0)]


async def test_withdrawing_storage_says_what_each_capability_deleted_in_order(memory_store: MemoryStore) -> None:
    async def circles(work: UnitOfWork, client: ClientRow, key: str, now: datetime) -> list[Param]:
        return [Msg("consent.deleted_circles", {"count": 2})]

    async def meetings(work: UnitOfWork, client: ClientRow, key: str, now: datetime) -> list[Param]:
        return [Msg("consent.deleted_meetings", {"count": 1}), Msg("consent.deleted_preparation")]

    async with memory_store.transaction() as work:
        client = await add_client(work)
        said = await delete_stored(work, client, "key-aino", NOW, Hooks(storage_withdrawn=[circles, meetings]))
        nothing = await delete_stored(work, client, "key-aino", NOW, Hooks())
    assert said == Msg("consent.storage_deleted", {"lines": Lines((
        Msg("consent.deleted_circles", {"count": 2}), Msg("consent.deleted_meetings", {"count": 1}),
        Msg("consent.deleted_preparation")))})
    assert nothing == Msg("consent.storage_deleted", {"lines": Msg("consent.deleted_nothing")})


def test_the_client_card_offers_what_the_capabilities_registered(instrument: Instrument) -> None:
    def card_choices(hooks: Hooks) -> list[str]:
        flow = clients_flow("secret", NOW - NOW, (), hooks)
        return [t["conditions"][0].__name__ for t in flow.transitions if t["source"] == "card"]

    registered = house_hooks(instrument, "secret", Settings(), ChatSetup(()))
    alone = Hooks(pictures=registered.pictures)
    assert "chose_prepare" in card_choices(registered) and "chose_meeting" in card_choices(registered)
    assert "chose_prepare" not in card_choices(alone)
    extra = Hooks(pictures=registered.pictures, card_links=[CardLink("later", "clients.meeting", "promises")])
    assert "chose_later" in card_choices(extra)
