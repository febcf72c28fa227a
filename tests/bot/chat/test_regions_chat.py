"""Chat services of several regions (#14), through the real Application on a controlled clock (Friday 12:00).

A young person picks the region first (unless the entry point names a service), in their language, with the
crisis help as reachable as everywhere; /hours shows each region's services under its name. A worker's desk, a
coordinator's rota and statistics show their region's services only, a forged button for another region's
service or chat is refused as stale, and an anonymous chat of the south is answered by the south's shift only.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.i18n import Catalogs
from bot.keys import user_key
from flows.chat.schedule import load_services
from flows.core.messages import Msg
from storage.ports import RegionRow, RotaRow, StaffRow, UserRow
from tests.bot.chat.test_shift_chat import flush, texts_to
from tests.bot.harness import Bot, TgUser, joined
from tests.conftest import Clock

REGIONS_FILE = Path(__file__).resolve().parents[2] / "data" / "chat_services_regions.toml"
NORTH, SOUTH_A, SOUTH_B = load_services(REGIONS_FILE)
NAMES = {"north": RegionRow("north", "Pohjoinen", "Norra", "North"),
         "south": RegionRow("south", "Etelä", "Södra", "South")}
STAFF = {("north", "worker"): 555200001, ("north", "coordinator"): 555200002,
         ("south", "worker"): 555200011, ("south", "coordinator"): 555200012}
YOUNG = 700200001


@pytest.fixture
def chat_services() -> Path:
    return REGIONS_FILE


async def seed(bot: Bot, clock: Clock) -> dict[tuple[str, str], TgUser]:
    """Both regions, each with a worker on its Friday service's rota and a coordinator."""
    people = {}
    async with bot.services.store.transaction() as work:
        for row in NAMES.values():
            await work.regions.add(row)
        for (region, role), telegram_id in STAFF.items():
            key = user_key(bot.services.secret, "tg", telegram_id)
            await work.users.save(UserRow(key, "en", clock.now, clock.now))
            staff_id = await work.staff.add(StaffRow(f"{role.title()}-{region}", "", "Org", role == "coordinator",
                                                     role == "worker", clock.now, key, region=region))
            if role == "worker":
                service = NORTH if region == "north" else SOUTH_A
                await work.schedules.add_rota(RotaRow(service.id, "fri 12:00", staff_id))
    for (region, role), telegram_id in STAFF.items():
        people[region, role] = bot.user(telegram_id, "en", f"{role.title()}-{region}")
        await people[region, role].send("/start")
    await flush(bot)  # the Friday shifts start, with their rota on duty
    return people


def stale(catalogs: Catalogs, language: str = "en") -> str:
    return catalogs.text(language, Msg("error.stale"))


async def forged(user: TgUser, value: str) -> str:
    question = user.last_question()
    step = user.buttons(question)[0]["callback_data"].split("|", 1)[0]
    return joined(await user.tap_data(f"{step}|{value}", question))


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
async def test_a_young_person_picks_the_region_then_its_service(
    bot: Bot, clock: Clock, catalogs: Catalogs, language: str,
) -> None:
    await seed(bot, clock)
    young = bot.user(YOUNG, language, "Nuori")
    await young.send("/start")
    calls = await young.send("/chat")
    assert catalogs.text(language, Msg("chat.choose_region")) in joined(calls)
    names = {code: {"fi": row.name_fi, "sv": row.name_sv, "en": row.name_en}[language] for code, row in NAMES.items()}
    assert set(young.labels()) >= set(names.values())
    assert not {NORTH.name.get(language), SOUTH_A.name.get(language)} & set(young.labels())
    # Crisis words while choosing: the help comes first, as everywhere, and the choice is asked again.
    text = joined(await young.send("en jaksa enää, haluan kuolla"))
    assert "112" in text and catalogs.text(language, Msg("chat.choose_region")) in text
    assert stale(catalogs, language) in await forged(young, "region:nowhere")
    assert stale(catalogs, language) in await forged(young, SOUTH_A.id), "a service is chosen after its region"
    # The south has two services: a choice of those two only.
    await young.tap(names["south"])
    assert set(young.labels()) >= {SOUTH_A.name.get(language), SOUTH_B.name.get(language)}
    assert NORTH.name.get(language) not in young.labels()
    assert stale(catalogs, language) in await forged(young, NORTH.id)
    await young.tap(catalogs.text(language, Msg("chat.back_to_menu")))
    # The north has one: straight to it.
    await young.send("/chat")
    calls = await young.tap(names["north"])
    assert NORTH.opening.get(language) in joined(calls)


async def test_the_south_chat_is_answered_by_the_souths_shift_only(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    people = await seed(bot, clock)
    young = bot.user(YOUNG, "en", "Nuori")
    await young.send("/start")
    await young.send("/chat")
    await young.tap("South")
    await young.tap(SOUTH_A.name.en)
    await young.send("Hi, I need advice about rent")
    await flush(bot)
    north, south = people["north", "worker"], people["south", "worker"]
    # The north's worker: on duty in the north only, nothing of the south to join, take or see.
    text = joined(await north.send("/desk"))
    assert NORTH.name.en in text and SOUTH_A.name.en not in text and SOUTH_B.name.en not in text
    assert catalogs.text("en", Msg("desk.take", {"waiting": 1})) not in north.labels()
    assert stale(catalogs) in await forged(north, f"on:{SOUTH_A.id}")
    async with bot.services.store.transaction() as work:
        [chat] = await work.chats.queued(SOUTH_A.id)
    assert stale(catalogs) in await forged(north, f"chat:{chat.id}")
    assert "rent" not in texts_to(bot, north.id)
    # The south's worker takes it.
    text = joined(await south.send("/desk"))
    assert SOUTH_A.name.en in text and NORTH.name.en not in text
    await south.tap(catalogs.text("en", Msg("desk.take", {"waiting": 1})))
    async with bot.services.store.transaction() as work:
        taken = await work.chats.get(chat.id or 0)
        assert taken is not None and taken.status == "open"
        worker = await work.staff.get(taken.staff_id or 0)
        assert worker is not None and worker.region == "south"


async def test_hours_shows_each_regions_services_under_its_name(bot: Bot, clock: Clock, catalogs: Catalogs) -> None:
    await seed(bot, clock)
    young = bot.user(YOUNG, "sv", "Nuori")
    await young.send("/start")
    text = joined(await young.send("/hours"))
    north, south = text.index("📍 Norra"), text.index("📍 Södra")
    assert north < text.index(NORTH.name.sv) < south < text.index(SOUTH_A.name.sv) < text.index(SOUTH_B.name.sv)


@pytest.mark.parametrize("region", ["north", "south"])
async def test_a_coordinator_plans_and_reads_their_regions_services_only(
    bot: Bot, clock: Clock, catalogs: Catalogs, region: str,
) -> None:
    people = await seed(bot, clock)
    coordinator = people[region, "coordinator"]
    other = "south" if region == "north" else "north"
    mine = [NORTH] if region == "north" else [SOUTH_A, SOUTH_B]
    theirs = [SOUTH_A, SOUTH_B] if region == "north" else [NORTH]
    text = joined(await coordinator.send("/rota")) + " ".join(coordinator.labels())
    assert any(service.name.en in text for service in mine)
    assert not any(service.name.en in text for service in theirs), text
    assert f"Worker-{other}" not in text
    if len(mine) > 1:
        assert stale(catalogs) in await forged(coordinator, theirs[0].id)
    text = joined(await coordinator.send("/stats"))
    assert all(service.name.en in text for service in mine)
    assert not any(service.name.en in text for service in theirs), text


async def test_the_desk_in_a_browser_shows_the_workers_region_only(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    """The browser desk goes by the same region as the Telegram desk: the south's chat is in the south's queue."""
    from bot.web.desk_live import desk_state, perform
    from bot.web.desk_protocol import Action

    await seed(bot, clock)
    young = bot.user(YOUNG, "en", "Nuori")
    await young.send("/start")
    await young.send("/chat")
    await young.tap("South")
    await young.tap(SOUTH_A.name.en)
    await young.send("Hi, I need advice about rent")
    async with bot.services.store.transaction() as work:
        north = await work.staff.by_user(user_key(bot.services.secret, "tg", STAFF["north", "worker"]))
        south = await work.staff.by_user(user_key(bot.services.secret, "tg", STAFF["south", "worker"]))
        assert north is not None and south is not None
        [chat] = await work.chats.queued(SOUTH_A.id)
        mine, theirs = await desk_state(work, bot.services, north, "en"), await desk_state(work, bot.services, south,
                                                                                            "en")
        assert mine["queue"] == [] and mine["take"] is None and mine["join"] == []
        assert [item["chat"] for item in theirs["queue"]] == [chat.id]
        # Taking it by its number from the north's desk does nothing: it is not in their queue.
        await perform(work, bot.services, north, Action("take", chat=chat.id))
        assert (await work.chats.get(chat.id or 0) or chat).status == "queued"


async def test_a_services_region_not_added_or_not_named_is_warned_of_at_start(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from bot.bootstrap import warn_of_unknown_regions
    from flows.chat.setup import ChatSetup
    from storage.memory import MemoryStore

    store = MemoryStore()
    async with store.transaction() as work:
        await work.regions.add(RegionRow("south", "", "", ""))
    with caplog.at_level("WARNING"):
        await warn_of_unknown_regions(store, ChatSetup(load_services(REGIONS_FILE)))
    lines = [record.getMessage() for record in caplog.records]
    assert [line.split(" ", 2)[1] for line in lines] == ["region=north", "region=south"], lines
    assert "is not added" in lines[0] and "has no name" in lines[1]
    caplog.clear()
    async with store.transaction() as work:
        await work.regions.add(NAMES["north"])
        await work.regions.save(NAMES["south"])
    with caplog.at_level("WARNING"):
        await warn_of_unknown_regions(store, ChatSetup(load_services(REGIONS_FILE)))
    assert not caplog.records


async def test_a_telegram_link_to_one_service_implies_its_region(bot: Bot, clock: Clock, catalogs: Catalogs) -> None:
    """t.me/<bot>?start=chat_<service>: straight to that service (here closed: its next opening), no region asked;
    a service that is not there asks the region, as /chat does."""
    await seed(bot, clock)
    young = bot.user(YOUNG, "en", "Nuori")
    text = joined(await young.send(f"/start chat_{SOUTH_B.id}"))
    assert SOUTH_B.name.en in text and catalogs.text("en", Msg("chat.choose_region")) not in text, text
    other = bot.user(YOUNG + 1, "sv", "Nuori")
    text = joined(await other.send("/start chat_nowhere"))
    assert catalogs.text("sv", Msg("chat.choose_region")) in text, text


async def test_a_worker_moved_to_another_region_leaves_its_chat_at_once(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    """`kaari admin add-coordinator --region` moves a staff member. The region they leave must not count them on
    duty any more: its young people would wait for someone whose desk no longer shows them. They leave its rota
    and running shift, their open chat there goes back to the queue, those waiting hear that nobody is on duty
    now, the worker is told, and the old region's audit log keeps a line of it."""
    from bot.admin import add_coordinator
    from flows.chat import shifts

    people = await seed(bot, clock)
    south = people["south", "worker"]
    talking, waiting = bot.user(YOUNG, "en", "Nuori"), bot.user(YOUNG + 1, "fi", "Toinen")
    for young in (talking, waiting):
        await young.send("/start")
        await young.send("/chat")
        await young.tap({"en": "South", "fi": "Etelä"}[young.language])
        await young.tap(SOUTH_A.name.get(young.language))
        await young.send("Hi, I need advice about rent")
        if young is talking:
            await south.send("/desk")
            await south.tap(catalogs.text("en", Msg("desk.take", {"waiting": 1})))
    await flush(bot)
    moved_key = user_key(bot.services.secret, "tg", STAFF["south", "worker"])
    async with bot.services.store.transaction() as work:
        staff = await work.staff.by_user(moved_key)
        assert staff is not None and staff.id is not None
        [chat] = await work.chats.open_for_staff(staff.id)
        assert await shifts.staffed_services(work, bot.services.chat, clock.now) == {NORTH.id, SOUTH_A.id}
    before = len(bot.api.calls)

    await add_coordinator(bot.services, telegram_id=STAFF["south", "worker"], console_user=None, name="Worker-south",
                          title="", organisation="Org", also_worker=False, region="north")
    await flush(bot)

    async with bot.services.store.transaction() as work:
        assert [row.staff_id for row in await work.schedules.rota(SOUTH_A.id)] == []
        assert await shifts.staffed_services(work, bot.services.chat, clock.now) == {NORTH.id}
        back = await work.chats.get(chat.id or 0)
        assert back is not None and back.status == "queued" and back.staff_id is None
        audit = [(row.action, row.region) for row in await work.audit.recent(2)]
        assert ("staff.left_region", "south") in audit
    # The young person they were talking with: back in the queue, messages kept.
    assert catalogs.text("en", Msg("chat.requeued")) in texts_to(bot, talking.id, before)
    # The one waiting: told at once that nobody is on duty now, and the next opening, not left in silence.
    nobody = catalogs.text("fi", Msg("chat.nobody_on_duty", {"service": SOUTH_A.name, "when": "@", "places": "",
                                                            "open_now": ""})).split("@")[0]
    assert nobody in texts_to(bot, waiting.id, before)
    # The worker: told what they left; their desk now shows the north only.
    assert catalogs.text("en", Msg("shift.left_region", {"service": SOUTH_A.name.en})) in texts_to(bot, south.id,
                                                                                                   before)
    text = joined(await south.send("/desk")) + " ".join(south.labels())
    assert SOUTH_A.name.en not in text, text
    # A young person asking now sees the south's chat closed.
    late = bot.user(YOUNG + 2, "en", "Myöhäinen")
    await late.send("/start")
    await late.send("/chat")
    await late.tap("South")
    text = joined(await late.tap(SOUTH_A.name.en))
    closed = catalogs.text("en", Msg("chat.closed", {"service": SOUTH_A.name, "when": "@", "places": "",
                                                     "open_now": ""})).split("@")[0]
    assert closed in text, text
    async with bot.services.store.transaction() as work:
        assert await work.chats.queued(SOUTH_A.id) != [] and not await shifts.available(work, SOUTH_A, clock.now)
