"""Rights that changed under a screen already shown, through the real Application: a client card opened before
the client ended the work or withdrew consent (b), a pair worker forging "end the work", and a staff account
opening a client's invitation. Nothing is shown, sent or ended; the worker gets a clear answer."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from flows.core.messages import Msg
from flows.identity.consent import end_client_work
from storage.ports import AssessmentRow, ConsentRow, ShareRow
from tests.bot.fakeapi import Call
from tests.bot.harness import TgUser, bot_settings, joined, start_bot
from tests.bot.test_role_matrix import TG, World, seed
from tests.conftest import Clock

LINK = re.compile(r"https://t\.me/kaari_test_bot\?start=([0-9A-Z]+)")
# What a worker may get for a tap on an out-of-date card: the card no longer offers it (an old question),
# or the action itself refuses.
REFUSALS = ("error.stale", "clients.no_access", "clients.not_linked")


@pytest.fixture
async def world(tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer) -> AsyncIterator[World]:
    bot = await start_bot(bot_settings(tmp_path / "k.sqlite3"), clock, catalogs, drawer)
    try:
        world = await seed(bot, clock)
        async with bot.services.store.transaction() as work:  # a circle the client shared with the workers
            assessment = await work.assessments.add(AssessmentRow(
                world.keys["client"], "kaari-esy-default", 1, clock.now, {"a": 3}, {"rhythm": 3.0}, {}))
            await work.shares.add(ShareRow(assessment, world.client_id, clock.now))
        yield world
    finally:
        await bot.stop()


def t(catalogs: Catalogs, key: str, nickname: str | None = None) -> str:
    return catalogs.text("en", Msg(key, {"nickname": nickname} if nickname else {}))


async def open_card(world: World, catalogs: Catalogs, role: str) -> tuple[TgUser, Call]:
    worker = world.bot.user(TG[role], "en", role.title())
    await worker.send("/clients")
    calls = await worker.tap(t(catalogs, "clients.item_linked", nickname="client"))
    assert t(catalogs, "clients.back") in worker.labels(), joined(calls)  # the card, not the list
    return worker, worker.last_question()


def refused(catalogs: Catalogs, calls: list[Call]) -> bool:
    return any(t(catalogs, key) in joined(calls) for key in REFUSALS)


async def end_by_client(world: World, clock: Clock) -> None:
    async with world.bot.services.store.transaction() as work:
        client = await work.clients.get(world.client_id)
        assert client is not None
        await end_client_work(work, client, clock.now, world.bot.services.hooks)


@pytest.mark.parametrize("action", ["clients.export", "clients.show_circles", "clients.message",
                                    "clients.end_work"])
async def test_an_old_card_after_the_client_ended_the_work(
    world: World, catalogs: Catalogs, clock: Clock, action: str,
) -> None:
    worker, card = await open_card(world, catalogs, "responsible")
    assert t(catalogs, action) in worker.labels(card)
    await end_by_client(world, clock)
    calls = await worker.tap(t(catalogs, action), question=card)
    if action == "clients.message" and not refused(catalogs, calls):
        calls = await worker.send("Hei, miten menee?")
    if action == "clients.end_work" and not refused(catalogs, calls):
        calls = await worker.tap(t(catalogs, "clients.end_yes"))
    assert refused(catalogs, calls), joined(calls)
    assert not [c for c in calls if c.method in ("sendDocument", "sendPhoto")]
    async with world.bot.services.store.transaction() as work:
        audit = [row.action for row in await work.audit.recent(100)]
        assert not {"client.export", "client.circles.view", "client.message", "client.work_ended"} & set(audit)
        kinds = {row.kind for row in await work.outbox.for_recipient(world.keys["client"])}
        assert "worker_message" not in kinds


async def test_an_old_card_after_consent_b_was_withdrawn_shows_the_pair_no_circles(
    world: World, catalogs: Catalogs, clock: Clock,
) -> None:
    worker, card = await open_card(world, catalogs, "pair")
    assert t(catalogs, "clients.show_circles") in worker.labels(card)
    async with world.bot.services.store.transaction() as work:
        await work.consents.add(ConsentRow(world.client_id, "exchange", 1, "withdrawn", clock.now, "tg"))
    calls = await worker.tap(t(catalogs, "clients.show_circles"), question=card)
    assert refused(catalogs, calls), joined(calls)
    assert not [c for c in calls if c.method == "sendPhoto"]
    # The responsible worker still sees what the client shared.
    responsible, card = await open_card(world, catalogs, "responsible")
    calls = await responsible.tap(t(catalogs, "clients.show_circles"), question=card)
    assert [c.method for c in calls if c.method == "sendPhoto"] == ["sendPhoto"]


async def test_only_the_responsible_worker_ends_the_work(world: World, catalogs: Catalogs) -> None:
    pair, card = await open_card(world, catalogs, "pair")
    assert t(catalogs, "clients.end_work") not in pair.labels(card)
    step = pair.buttons(card)[0]["callback_data"].split("|", 1)[0]
    calls = await pair.tap_data(f"{step}|end", card)  # forged: the pair worker's card has no such button
    if not refused(catalogs, calls):
        calls = await pair.tap(t(catalogs, "clients.end_yes"))
    assert refused(catalogs, calls), joined(calls)
    async with world.bot.services.store.transaction() as work:
        client = await work.clients.get(world.client_id)
        assert client is not None and client.ended_at is None and client.user_key == world.keys["client"]


async def test_a_staff_account_cannot_open_a_client_invitation(world: World, catalogs: Catalogs) -> None:
    worker = world.bot.user(TG["responsible"], "en", "Responsible")
    await worker.send("/newclient")
    await worker.send("Kettu")
    calls = await worker.tap(t(catalogs, "staff.no_pair"))
    found = LINK.search(joined(calls))
    assert found, joined(calls)
    for role in ("unrelated", "coordinator", "removed"):
        calls = await world.bot.user(TG[role], "en", role).send(f"/start {found.group(1)}")
        assert t(catalogs, "invite.staff_not_client") in joined(calls), role
    async with world.bot.services.store.transaction() as work:
        staff = await work.staff.by_user(world.keys["responsible"])
        assert staff is not None and staff.id is not None
        kettu = [c for c in await work.clients.for_staff(staff.id) if c.nickname == "Kettu"]
        assert len(kettu) == 1 and kettu[0].user_key is None


def en(catalogs: Catalogs, key: str, **params: str | int | Msg) -> str:
    return catalogs.text("en", Msg(key, params))


def listed(name: str, title: str) -> Msg:
    """A staff member as the coordinator's list shows them."""
    return Msg("staff.label_short", {"name": name, "title": title})


async def test_renewing_and_revoking_a_worker_invitation(world: World, catalogs: Catalogs) -> None:
    coordinator = world.bot.user(TG["coordinator"], "en", "Coordinator")
    await coordinator.send("/newworker")
    await coordinator.send("Aino Virtanen")
    await coordinator.send("sosiaaliohjaaja")
    first = LINK.search(joined(await coordinator.tap(en(catalogs, "staff.role_worker"))))
    assert first
    await coordinator.send("/workers")
    await coordinator.tap(en(catalogs, "workers.item_invited", who=listed("Aino Virtanen", "sosiaaliohjaaja")))
    renewed = LINK.search(joined(await coordinator.tap(en(catalogs, "clients.new_invitation"))))
    assert renewed and renewed.group(1) != first.group(1)
    card = coordinator.last_question()
    calls = await world.bot.user(555000900, "en").send(f"/start {first.group(1)}")
    assert en(catalogs, "invite.invalid") in joined(calls), "the renewed code replaced the first"
    calls = await coordinator.tap(en(catalogs, "clients.revoke"), question=card)
    assert en(catalogs, "clients.revoked") in joined(calls)
    assert en(catalogs, "clients.revoke") not in coordinator.labels(), "nothing open is left to revoke"
    calls = await world.bot.user(555000901, "en").send(f"/start {renewed.group(1)}")
    assert en(catalogs, "invite.invalid") in joined(calls), "revoking ended the renewed code"
    async with world.bot.services.store.transaction() as work:
        aino = next(s for s in await work.staff.all() if s.name == "Aino Virtanen")
        assert aino.user_key is None


async def test_removing_the_responsible_worker_hands_the_clients_to_the_pair(
    world: World, catalogs: Catalogs,
) -> None:
    coordinator = world.bot.user(TG["coordinator"], "en", "Coordinator")
    await coordinator.send("/workers")
    await coordinator.tap(en(catalogs, "workers.item_linked", who=listed("Responsible", "ohjaaja")))
    await coordinator.tap(en(catalogs, "workers.remove"))
    calls = await coordinator.tap(en(catalogs, "consent.confirm_yes"))
    assert en(catalogs, "workers.removed", name="Responsible") in joined(calls)
    async with world.bot.services.store.transaction() as work:
        pair = await work.staff.by_user(world.keys["pair"])
        assert pair is not None
        for role in ("client", "client_work_only"):
            client = await work.clients.by_user(world.keys[role])
            assert client is not None and client.id is not None
            responsible = [p.staff_id for p in await work.clients.pairs(client.id) if p.responsible]
            assert pair.id in responsible, role
            told = [row.message for row in await work.outbox.for_recipient(world.keys[role])]
            assert any(m.get("key") == "notify.worker_left" for m in told), role
    # The pair worker now has what the responsible one had: preparing, meetings and ending the work.
    worker, card = await open_card(world, catalogs, "pair")
    assert {en(catalogs, "clients.prepare"), en(catalogs, "clients.meeting"),
            en(catalogs, "clients.end_work")} <= set(worker.labels(card))
    assert en(catalogs, "error.not_available") in joined(await world.bot.user(
        TG["responsible"], "en").send("/clients")), "the removed worker sees no client"
