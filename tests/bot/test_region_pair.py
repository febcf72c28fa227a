"""A pair worker from another region (#14), through the real Application: the client's region's coordinator
invites a worker of another region for one client who has not joined yet (so the client sees the whole pair
before consenting); the worker then sees that one client of the region, and nothing else of it. A deployment
with one region offers none of this."""

from __future__ import annotations

import json

from bot.admin import add_coordinator
from bot.i18n import Catalogs
from flows.core.messages import Msg
from storage.ports import ClientRow, PairRow
from tests.bot import test_region_matrix
from tests.bot.chat.test_shift_chat import texts_to
from tests.bot.harness import Bot, joined, sent_files
from tests.bot.identity.test_identity import COORDINATOR, LINK, deliver
from tests.bot.test_region_matrix import World, forged, name, nobody_of, stale
from tests.conftest import Clock

world = test_region_matrix.world  # the same fixture: the two regions of tests/bot/test_region_matrix.py


def t(catalogs: Catalogs, key: str, **params: object) -> str:
    return catalogs.text("en", Msg(key, params))  # type: ignore[arg-type]


async def test_a_coordinator_invites_a_pair_worker_from_another_region_for_one_client(
    world: World, clock: Clock, catalogs: Catalogs,
) -> None:
    async with world.bot.services.store.transaction() as work:
        waiting = await work.clients.add(ClientRow("Waiting-south", world.staff["south", "worker"], clock.now,
                                                   region="south"))
        await work.clients.set_pair(PairRow(waiting, world.staff["south", "worker"], True))
    await world.user("south", "worker").send("/start")  # has opened the bot: can be written to
    coordinator = world.user("south", "coordinator")
    await coordinator.send("/workers")
    calls = await coordinator.tap(t(catalogs, "workers.pair_elsewhere"))
    assert t(catalogs, "workers.pair_choose_client") in joined(calls)
    labels = coordinator.labels()
    assert "Waiting-south" in labels and name("south", "client") not in labels, "only who has not joined yet"
    assert stale(catalogs) in await forged(coordinator, f"waiting:{world.clients['south']}")
    calls = await coordinator.tap("Waiting-south")
    found = LINK.search(joined(calls))
    assert found, joined(calls)

    # Someone who is not a worker cannot use it; the north's worker can.
    stranger = world.bot.user(700300001, "en", "Someone")
    assert t(catalogs, "invite.pair_for_workers") in joined(await stranger.send(f"/start {found.group(1)}"))
    north = world.user("north", "worker")
    text = joined(await north.send(f"/start {found.group(1)}"))
    assert "Waiting-south" in text and "south en" in text and name("south", "coordinator") in text
    text = joined(await north.tap(t(catalogs, "invite.accept")))
    assert t(catalogs, "invite.pair_welcome", client="Waiting-south") in text

    # The north's worker sees their own clients and that one client of the south, nothing else of it.
    await north.send("/clients")
    shown = " ".join(north.labels())
    assert name("north", "client") in shown and "Waiting-south" in shown
    assert name("south", "client") not in shown
    assert stale(catalogs) in await forged(north, str(world.clients["south"]))
    await deliver(world.bot)  # the client's own worker hears who joined them
    told = t(catalogs, "notify.pair_joined", worker=Msg("staff.label", {
        "name": name("north", "worker"), "title": Msg("staff.title_worker"), "organisation": "Org"}),
        client="Waiting-south")
    assert told in texts_to(world.bot, world.user("south", "worker").id)
    assert told not in texts_to(world.bot, north.id)
    async with world.bot.services.store.transaction() as work:
        pairs = {(pair.staff_id, pair.responsible) for pair in await work.clients.pairs(waiting)}
    assert pairs == {(world.staff["south", "worker"], True), (world.staff["north", "worker"], False)}
    # The south's log says who joined the client's pair; the north's coordinator sees no south client at all.
    rows = json.loads(sent_files(await coordinator.send("/audit"))["json"])["rows"]
    assert {"action": "client.pair_joined", "subject": f"client:{waiting}"}.items() <= next(
        row for row in rows if row["action"] == "client.pair_joined").items()
    files = sent_files(await world.user("north", "coordinator").send("/audit"))
    assert "pair_joined" not in files["json"].decode()
    nobody_of("south", files["txt"].decode())
    # The code is used: a second worker of the north gets the answer any used code gets.
    assert t(catalogs, "invite.invalid") in joined(await world.user("north", "pair").send(f"/start {found.group(1)}"))


async def test_one_region_offers_no_pair_worker_from_elsewhere(bot: Bot, catalogs: Catalogs) -> None:
    await add_coordinator(bot.services, telegram_id=COORDINATOR, console_user=None, name="Kaisa", title="",
                          organisation="Demo", also_worker=False)
    coordinator = bot.user(COORDINATOR, "en", "Kaisa")
    await coordinator.send("/workers")
    assert t(catalogs, "workers.pair_elsewhere") not in coordinator.labels()
