"""Staff see only their region (#14), through the real Application and the fake Bot API.

Two regions, each with a coordinator, two workers, a linked client and a group. For every staff screen that
lists rows (the staff list, the client list, a new client's pair worker, the groups), staff of one region see
nothing of the other's, and a forged button carrying the other region's ids is refused as stale, as an old
question is. What staff create (a worker, a client, a group) is of their own region.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.keys import user_key
from flows.core.messages import Msg
from flows.esy.instrument import Instrument
from flows.identity.consent_texts import load_consent_texts
from storage.ports import (
    AssessmentRow,
    ClientRow,
    ConsentRow,
    EffectRecordRow,
    GroupRow,
    MeetingRow,
    MemberRow,
    PairRow,
    RegionRow,
    StaffRow,
    UserRow,
)
from tests.bot.fakeapi import Call
from tests.bot.harness import Bot, TgUser, bot_settings, joined, sent_files, start_bot
from tests.conftest import Clock

REGIONS = ("north", "south")
ROLES = ("coordinator", "worker", "pair", "client")
OTHER = {"north": "south", "south": "north"}


def tg(region: str, role: str) -> int:
    return 555100000 + 100 * REGIONS.index(region) + ROLES.index(role)


def name(region: str, role: str) -> str:
    """Every person's name says whose region they are of, so a leak shows in any text."""
    return f"{role.title()}-{region}"


@dataclass
class World:
    bot: Bot
    staff: dict[tuple[str, str], int]
    clients: dict[str, int]
    groups: dict[str, int]

    def user(self, region: str, role: str) -> TgUser:
        return self.bot.user(tg(region, role), "en", name(region, role))


async def seed(bot: Bot, clock: Clock) -> World:
    now = clock.now
    staff: dict[tuple[str, str], int] = {}
    clients: dict[str, int] = {}
    groups: dict[str, int] = {}
    async with bot.services.store.transaction() as work:
        for region in REGIONS:
            await work.regions.add(RegionRow(region, f"{region} fi", f"{region} sv", f"{region} en"))
            keys = {role: user_key(bot.services.secret, "tg", tg(region, role)) for role in ROLES}
            for role in ROLES:
                await work.users.save(UserRow(keys[role], "en", now, now))
            for role in ROLES[:3]:
                staff[region, role] = await work.staff.add(StaffRow(
                    name(region, role), "", "Org", role == "coordinator", role != "coordinator", now, keys[role],
                    region=region))
            client = await work.clients.add(ClientRow(name(region, "client"), staff[region, "worker"],
                                                      now - timedelta(days=3), keys["client"],
                                                      now - timedelta(days=2), region=region))
            clients[region] = client
            for item in load_consent_texts():
                await work.consents.add(ConsentRow(client, item.id, item.version, "yes", now - timedelta(days=2),
                                                   "tg"))
            await work.clients.set_pair(PairRow(client, staff[region, "worker"], True))
            await work.clients.set_pair(PairRow(client, staff[region, "pair"], False))
            await work.meetings.add(MeetingRow(client, staff[region, "worker"], now, now + timedelta(days=7),
                                               "office", f"Street-{region}"))
            groups[region] = await work.groups.add(GroupRow(
                f"Group-{region}", date(2026, 12, 1), date(2027, 2, 28), staff[region, "worker"], now,
                f"hash-{region}", f"salt-{region}", region=region))
    return World(bot, staff, clients, groups)


@pytest.fixture
async def world(tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer) -> AsyncIterator[World]:
    bot = await start_bot(bot_settings(tmp_path / "k.sqlite3"), clock, catalogs, drawer)
    try:
        yield await seed(bot, clock)
    finally:
        await bot.stop()


def step_of(question: Call) -> str:
    return str(TgUser.buttons(question)[0]["callback_data"].split("|", 1)[0])


async def forged(user: TgUser, value: str) -> str:
    """Tap a button that was never offered (``value``) on the last question; what the person is told."""
    question = user.last_question()
    return joined(await user.tap_data(f"{step_of(question)}|{value}", question))


def stale(catalogs: Catalogs) -> str:
    return catalogs.text("en", Msg("error.stale"))


def nobody_of(region: str, text: str) -> None:
    """No name of anyone of ``region`` appears in ``text``."""
    for role in ROLES:
        assert name(region, role) not in text, f"{name(region, role)} shown: {text!r}"
    assert f"Group-{region}" not in text, text
    assert f"Street-{region}" not in text, text


@pytest.mark.parametrize("region", REGIONS)
async def test_a_coordinator_lists_and_opens_only_their_regions_staff(
    world: World, catalogs: Catalogs, region: str,
) -> None:
    coordinator = world.user(region, "coordinator")
    calls = await coordinator.send("/workers")
    labels = " ".join(coordinator.labels())
    for role in ("coordinator", "worker", "pair"):
        assert name(region, role) in labels
    nobody_of(OTHER[region], joined(calls) + labels)
    for role in ("coordinator", "worker", "pair"):
        text = await forged(coordinator, str(world.staff[OTHER[region], role]))
        assert stale(catalogs) in text, text
        nobody_of(OTHER[region], text)


@pytest.mark.parametrize("region", REGIONS)
async def test_a_worker_lists_and_opens_only_their_clients(world: World, catalogs: Catalogs, region: str) -> None:
    for role in ("worker", "pair"):
        worker = world.user(region, role)
        calls = await worker.send("/clients")
        assert name(region, "client") in " ".join(worker.labels())
        nobody_of(OTHER[region], joined(calls) + " ".join(worker.labels()))
        text = await forged(worker, str(world.clients[OTHER[region]]))
        assert stale(catalogs) in text, text
        nobody_of(OTHER[region], text)


@pytest.mark.parametrize("region", REGIONS)
async def test_a_new_client_is_of_the_workers_region_with_a_pair_worker_of_it(
    world: World, catalogs: Catalogs, region: str,
) -> None:
    worker = world.user(region, "worker")
    await worker.send("/start")
    await worker.tap(catalogs.text("en", Msg("menu.new_client")))
    calls = await worker.send("Uusi")
    labels = " ".join(worker.labels())
    assert name(region, "pair") in labels
    nobody_of(OTHER[region], joined(calls) + labels)
    text = await forged(worker, str(world.staff[OTHER[region], "worker"]))
    assert stale(catalogs) in text, text
    await worker.tap(catalogs.text("en", Msg("staff.no_pair")))
    async with world.bot.services.store.transaction() as work:
        mine = await work.clients.for_staff(world.staff[region, "worker"])
    assert {row.nickname: row.region for row in mine} == {name(region, "client"): region, "Uusi": region}


@pytest.mark.parametrize("region", REGIONS)
async def test_a_new_worker_is_of_the_coordinators_region(world: World, catalogs: Catalogs, region: str) -> None:
    coordinator = world.user(region, "coordinator")
    await coordinator.send("/start")
    await coordinator.tap(catalogs.text("en", Msg("menu.new_worker")))
    await coordinator.send("Uusi")
    await coordinator.tap(catalogs.text("en", Msg("staff.no_title")))
    await coordinator.tap(catalogs.text("en", Msg("staff.role_worker")))
    async with world.bot.services.store.transaction() as work:
        [new] = [row for row in await work.staff.all() if row.name == "Uusi"]
    assert new.region == region


@pytest.mark.parametrize("region", REGIONS)
async def test_a_worker_sees_and_creates_groups_of_their_region_only(
    world: World, catalogs: Catalogs, region: str,
) -> None:
    worker = world.user(region, "worker")
    calls = await worker.send("/groups")
    assert f"Group-{region}" in " ".join(worker.labels())
    nobody_of(OTHER[region], joined(calls) + " ".join(worker.labels()))
    text = await forged(worker, f"group:{world.groups[OTHER[region]]}")
    assert stale(catalogs) in text, text
    await worker.tap(catalogs.text("en", Msg("groups.new")))
    await worker.send("Uusi ryhmä")
    await worker.send("1.12.2026")
    await worker.send("28.2.2027")
    async with world.bot.services.store.transaction() as work:
        rows = await work.groups.for_staff(world.staff[region, "worker"])
    assert {row.name: row.region for row in rows} == {f"Group-{region}": region, "Uusi ryhmä": region}


@pytest.mark.parametrize("region", REGIONS)
async def test_a_coordinator_reads_their_regions_audit_log_only(
    world: World, catalogs: Catalogs, region: str,
) -> None:
    for each in REGIONS:  # each region's worker looks at their client's card: one audit row in each log
        worker = world.user(each, "worker")
        await worker.send("/clients")
        await worker.tap(str(world.clients[each]))
    files = sent_files(await world.user(region, "coordinator").send("/audit"))
    rows = json.loads(files["json"])["rows"]
    theirs = {f"staff:{world.staff[OTHER[region], role]}" for role in ("coordinator", "worker", "pair")}
    assert {"action": "client.card.view", "subject": f"client:{world.clients[region]}",
            "actor": f"staff:{world.staff[region, 'worker']}"}.items() <= next(
        row for row in rows if row["action"] == "client.card.view").items()
    other_client = f"client:{world.clients[OTHER[region]]}"
    assert not [row for row in rows if row["actor"] in theirs or row["subject"] == other_client]
    nobody_of(OTHER[region], files["txt"].decode())


async def circles_in_group(world: World, clock: Clock, region: str, people: int) -> None:
    """``people`` anonymous members of the region's group, each with two circles: health up by a half."""
    async with world.bot.services.store.transaction() as work:
        for number in range(people):
            key = f"{region}-member-{number}"
            await work.users.save(UserRow(key, "fi", clock.now, clock.now))
            await work.groups.join(MemberRow(world.groups[region], key, clock.now))
            for days_ago, step in ((80, 0.0), (10, 0.5)):
                await work.assessments.add(AssessmentRow(key, "kaari-esy-default", 1,
                                                         clock.now - timedelta(days=days_ago), {},
                                                         {"health": 2.0 + step}, {}))


@pytest.mark.parametrize("region", REGIONS)
async def test_a_coordinator_reads_their_regions_effect_report_only(
    world: World, clock: Clock, catalogs: Catalogs, instrument: Instrument, region: str,
) -> None:
    await circles_in_group(world, clock, "north", 6)
    await circles_in_group(world, clock, "south", 7)
    async with world.bot.services.store.transaction() as work:  # records kept after deletions, of each region
        await work.effect_records.add(EffectRecordRow("n1", "kaari-esy-default", "2026-09", "2026-11",
                                                      {"health": 2.0}, {"health": 3.0}, region="north"))
    coordinator = world.user(region, "coordinator")
    await coordinator.send("/effect")
    calls = await coordinator.tap(catalogs.text("en", Msg("effect.last_months", {"months": 6})))
    [document] = [c for c in calls if c.method == "sendDocument"]
    rows = list(csv.reader(io.StringIO(document.files["document"].decode())))
    health = instrument.areas[[area.id for area in instrument.areas].index("health")].name.en
    everyone = catalogs.text("en", Msg("effect.dimension.all"))
    [row] = [row for row in rows if row[0] == health and row[1] == everyone]
    assert row[3] == "7", row  # the north: six members and the record kept; the south: seven members
    groups = [row for row in rows if row[0] == health and row[2].startswith("Group-")]
    assert [row[2] for row in groups] == [f"Group-{region}"], groups


@pytest.mark.parametrize("region", REGIONS)
async def test_a_worker_opens_the_meetings_of_their_own_clients_only(
    world: World, catalogs: Catalogs, region: str,
) -> None:
    worker = world.user(region, "worker")
    await worker.send("/clients")
    await worker.tap(str(world.clients[region]))
    text = joined(await worker.tap(catalogs.text("en", Msg("clients.meeting"))))
    assert f"Street-{region}" in text, text
    nobody_of(OTHER[region], text)
