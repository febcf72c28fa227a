"""A worker's own ESY reading beside the client's shared circle (#12 §1), through the real Application: the
worker gives it from the card without seeing the client's answers, the client is told, both see one picture with
both lines and the areas to talk about, comments go both ways; a pair worker without consent (b) is refused, an
old card after consent changed too; /forget, withdrawing consent (c) and ending the work delete it all."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.bootstrap import bootstrap
from bot.console import Console
from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.keys import user_key
from flows.core.messages import Lines, Msg, Number
from flows.esy.instrument import Instrument
from flows.esy.scoring import area_scores
from flows.identity.consent_texts import load_consent_texts
from storage.ports import (
    AssessmentRow,
    ClientRow,
    ConsentRow,
    PairRow,
    ReadingCommentRow,
    ReadingRow,
    ShareRow,
    StaffRow,
    UserRow,
)
from tests.bot.esy.test_circle_picture import RecordingDrawer
from tests.bot.fakeapi import Call
from tests.bot.harness import TgUser, bot_settings, joined, said, sent_files, start_bot
from tests.bot.identity.test_identity import deliver
from tests.bot.test_console import saved_pictures
from tests.bot.test_role_matrix import TG, World, seed
from tests.conftest import Clock

# The client's circle: "not at all" in the first two areas, "mostly" elsewhere. The worker: "mostly" in the
# first, "not at all" in the second (so both agree there) and in the third, "completely" in the fourth (one
# point apart: not listed).
CLIENT_POINTS = {0: 1, 1: 1}
WORKER_POINTS = {0: 4, 1: 1, 2: 1, 3: 5}
WISH = "a quiet place of my own"


@pytest.fixture
async def world(tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer) -> AsyncIterator[World]:
    bot = await start_bot(bot_settings(tmp_path / "k.sqlite3"), clock, catalogs, RecordingDrawer(drawer))
    try:
        yield await seed(bot, clock)
    finally:
        await bot.stop()


def t(catalogs: Catalogs, key: str, **params: object) -> str:
    return catalogs.text("en", Msg(key, params))  # type: ignore[arg-type]


def ratings(instrument: Instrument, points: dict[int, int], default: int = 4) -> dict[str, int | None]:
    return {statement.id: points.get(index, default) for index, area in enumerate(instrument.areas)
            for statement in area.statements}


async def share_circle(world: World, instrument: Instrument, clock: Clock) -> int:
    """The client's circle, shared with their workers, with a wish the worker must not see while reading."""
    given = ratings(instrument, CLIENT_POINTS)
    async with world.bot.services.store.transaction() as work:
        circle = await work.assessments.add(AssessmentRow(
            world.keys["client"], instrument.id, instrument.version, clock.now - timedelta(days=1), given,
            area_scores(instrument, given), {instrument.areas[0].id: WISH}))
        await work.shares.add(ShareRow(circle, world.client_id, clock.now - timedelta(days=1)))
    return circle


async def open_card(world: World, catalogs: Catalogs, role: str, nickname: str = "client") -> TgUser:
    worker = world.bot.user(TG[role], "en", role.title())
    await worker.send("/clients")
    await worker.tap(t(catalogs, "clients.item_linked", nickname=nickname))
    return worker


async def give_reading(worker: TgUser, catalogs: Catalogs, instrument: Instrument) -> list[Call]:
    """From the card: "My reading", begin, and every statement rated; returns what the last tap brought."""
    calls = await worker.tap(t(catalogs, "clients.reading"))
    assert said(catalogs, "reading.intro", joined(calls), ("en",)), joined(calls)
    calls = await worker.tap(t(catalogs, "reading.begin"))
    seen = list(calls)
    for index, area in enumerate(instrument.areas):
        for _ in area.statements:
            calls = await worker.tap(instrument.scale[WORKER_POINTS.get(index, 4) - 1].label.get("en"))
            seen += calls
    # Nothing of the client's answers while reading: no picture until the end, never their wish.
    assert [c.method for c in seen].count("sendPhoto") == 1 and seen[-1] in calls
    assert WISH not in joined(seen)
    return calls


async def test_a_worker_gives_a_reading_the_client_is_told_and_both_see_and_comment(
    world: World, catalogs: Catalogs, instrument: Instrument, clock: Clock,
) -> None:
    circle = await share_circle(world, instrument, clock)
    client = world.bot.user(TG["client"], "en", "Client")
    await client.send("/start")  # Kaari has their chat to write to, and they rest in the menu
    worker = await open_card(world, catalogs, "responsible")
    intro = await worker.tap(t(catalogs, "clients.reading"))
    assert t(catalogs, "reading.intro_unseen") in joined(intro)  # give it before opening the shared circles
    worker = await open_card(world, catalogs, "responsible")
    calls = await give_reading(worker, catalogs, instrument)
    text = joined(calls)
    names = [area.name.get("en") for area in instrument.areas]
    # Far apart in the first and the third area (3 points): talk about them; not the second and the fourth.
    talk = Lines((t(catalogs, "compare.talk_line", area=names[0]), t(catalogs, "compare.talk_line", area=names[2])))
    assert catalogs.text("en", Msg("compare.talk", {"lines": talk, "points": Number(1.5)})) in text
    assert t(catalogs, "compare.talk_line", area=names[1]) not in text
    assert t(catalogs, "compare.talk_line", area=names[3]) not in text
    assert t(catalogs, "reading.saved", nickname="client") in text
    recorder = world.bot.services.drawer
    assert isinstance(recorder, RecordingDrawer)
    picture = recorder.pictures[-1]
    assert [label for label, _ in picture.series] == ["client", t(catalogs, "compare.line_worker")]
    assert picture.series[0][1][:4] == (1.0, 1.0, 4.0, 4.0) and picture.series[1][1][:4] == (4.0, 1.0, 1.0, 5.0)
    async with world.bot.services.store.transaction() as work:
        [reading] = await work.readings.for_client(world.client_id)
        worker_row = await work.staff.by_user(world.keys["responsible"])
    assert worker_row is not None and reading.staff_id == worker_row.id and not reading.saw_circle
    assert reading.area_scores[instrument.areas[3].id] == 5.0

    # The client is told, and the comparison opens for them with the same picture and list.
    before = len(world.bot.api.sent(TG["client"]))
    await deliver(world.bot)
    pushed = joined(world.bot.api.sent(TG["client"])[before:])
    assert t(catalogs, "notify.reading_given", worker="Responsible") in pushed
    assert catalogs.text("en", Msg("compare.talk", {"lines": talk, "points": Number(1.5)})) in pushed
    assert [c.method for c in world.bot.api.sent(TG["client"])[before:]].count("sendPhoto") == 1
    # their own copy calls their line "you", and its title is theirs
    assert [label for label, _ in recorder.pictures[-1].series] == [t(catalogs, "compare.line_you"),
                                                                      t(catalogs, "compare.line_worker")]
    assert recorder.pictures[-1].title == t(catalogs, "compare.title_own")

    # A line from each side, each shown to both and told to the other.
    await client.tap(t(catalogs, "compare.comment_on", area=names[0]))
    calls = await client.send("I sleep better than it looks")
    assert t(catalogs, "compare.comment_saved") in joined(calls)
    assert "I sleep better than it looks" in joined(calls)
    await deliver(world.bot)
    assert t(catalogs, "notify.reading_comment_client", client="client", area=names[0]) in joined(
        world.bot.api.sent(TG["responsible"]))
    worker = await open_card(world, catalogs, "responsible")
    await worker.tap(t(catalogs, "clients.reading"))
    calls = await worker.tap(t(catalogs, "reading.compare"))
    assert "I sleep better than it looks" in joined(calls)
    await worker.tap(t(catalogs, "compare.comment_other"))
    await worker.tap(names[5])
    calls = await worker.send("Shall we talk about money on Friday?")
    assert t(catalogs, "compare.comment_line", area=names[5], who="Responsible",
             text="Shall we talk about money on Friday?") in joined(calls)
    await deliver(world.bot)
    assert t(catalogs, "notify.reading_comment_worker", worker="Responsible", area=names[5]) in joined(
        world.bot.api.sent(TG["client"]))
    # Written again, the latest line wins.
    await client.send("/circle")
    await client.tap(t(catalogs, "esy.see_reading"))
    await client.tap(t(catalogs, "compare.comment_on", area=names[0]))
    calls = await client.send("Actually, not so well")
    assert "Actually, not so well" in joined(calls) and "I sleep better than it looks" not in joined(calls)
    async with world.bot.services.store.transaction() as work:
        comments = await work.readings.comments(reading.id or 0)
    assert [(c.assessment_id, c.area_id, c.side, c.text) for c in comments] == [
        (circle, instrument.areas[0].id, "client", "Actually, not so well"),
        (circle, instrument.areas[5].id, "worker", "Shall we talk about money on Friday?")]


async def test_having_opened_the_shared_circle_first_is_said_honestly(
    world: World, catalogs: Catalogs, instrument: Instrument, clock: Clock,
) -> None:
    await share_circle(world, instrument, clock)
    worker = await open_card(world, catalogs, "responsible")
    await worker.tap(t(catalogs, "clients.show_circles"))
    calls = await worker.tap(t(catalogs, "clients.reading"))
    assert t(catalogs, "reading.intro_seen") in joined(calls)
    await worker.tap(t(catalogs, "reading.begin"))
    calls = []
    for index, area in enumerate(instrument.areas):
        for _ in area.statements:
            calls = await worker.tap(instrument.scale[WORKER_POINTS.get(index, 4) - 1].label.get("en"))
    assert t(catalogs, "compare.seen") in joined(calls)
    async with world.bot.services.store.transaction() as work:
        [reading] = await work.readings.for_client(world.client_id)
    assert reading.saw_circle


async def test_the_pair_worker_reads_only_with_consent_b_and_an_old_screen_is_refused(
    world: World, catalogs: Catalogs, instrument: Instrument, clock: Clock,
) -> None:
    await share_circle(world, instrument, clock)
    pair = await open_card(world, catalogs, "pair")
    card = pair.last_question()
    assert t(catalogs, "clients.reading") in pair.labels(card)  # consent (b) given
    assert t(catalogs, "clients.prepare") not in pair.labels(card)  # the responsible worker's entries stay theirs
    calls = await pair.tap(t(catalogs, "clients.reading"))
    assert said(catalogs, "reading.intro", joined(calls), ("en",))
    # Consent (b) withdrawn while the pair worker reads: at the end they are told, and nothing is kept or sent.
    async with world.bot.services.store.transaction() as work:
        await work.consents.add(ConsentRow(world.client_id, "exchange", 1, "withdrawn", clock.now, "tg"))
    await pair.tap(t(catalogs, "reading.begin"))
    for area in instrument.areas:
        for _ in area.statements:
            calls = await pair.tap(instrument.scale[1].label.get("en"))
    assert t(catalogs, "reading.no_access") in joined(calls), joined(calls)
    assert not [c for c in calls if c.method == "sendPhoto"]
    # The card before the change no longer leads anywhere; opened afresh it has no such entry, and a forged
    # button is an old question: a clear answer, nothing opens.
    for question in (card, None):
        if question is None:
            pair = await open_card(world, catalogs, "pair")
            question = pair.last_question()
            assert t(catalogs, "clients.reading") not in pair.labels(question)
        step = question.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"].split("|", 1)[0]
        calls = await pair.tap_data(f"{step}|reading", question)
        assert said(catalogs, "error.stale", joined(calls), ("en",)), joined(calls)
        assert not said(catalogs, "reading.intro", joined(calls), ("en",))
    # The responsible worker still may; nothing was stored for the pair worker.
    responsible = await open_card(world, catalogs, "responsible")
    assert t(catalogs, "clients.reading") in responsible.labels()
    async with world.bot.services.store.transaction() as work:
        assert await work.readings.for_client(world.client_id) == []
        assert not [row for row in await work.outbox.for_recipient(world.keys["client"]) if row.kind == "notify"]


async def test_without_consent_c_a_reading_is_not_stored_and_the_worker_is_told(
    world: World, catalogs: Catalogs, instrument: Instrument, clock: Clock,
) -> None:
    worker = await open_card(world, catalogs, "responsible", nickname="client_work_only")
    calls = await worker.tap(t(catalogs, "clients.reading"))
    assert said(catalogs, "reading.needs_storage", joined(calls), ("en",)), joined(calls)
    # Withdrawn while the worker was reading: nothing is stored at the end either.
    await share_circle(world, instrument, clock)
    worker = await open_card(world, catalogs, "responsible")
    await worker.tap(t(catalogs, "clients.reading"))
    await worker.tap(t(catalogs, "reading.begin"))
    async with world.bot.services.store.transaction() as work:
        await work.consents.add(ConsentRow(world.client_id, "storage", 1, "withdrawn", clock.now, "tg"))
    calls = []
    for area in instrument.areas:
        for _ in area.statements:
            calls = await worker.tap(instrument.scale[2].label.get("en"))
    assert said(catalogs, "reading.needs_storage", joined(calls), ("en",)), joined(calls)
    assert not [c for c in calls if c.method == "sendPhoto"]
    async with world.bot.services.store.transaction() as work:
        assert await work.readings.for_client(world.client_id) == []
        assert not [row for row in await work.outbox.for_recipient(world.keys["client"]) if row.kind == "notify"]


async def reading_with_a_comment(world: World, instrument: Instrument, clock: Clock) -> int:
    """Straight into the store: the responsible worker's reading and a line by the client."""
    circle = await share_circle(world, instrument, clock)
    given = ratings(instrument, WORKER_POINTS)
    async with world.bot.services.store.transaction() as work:
        staff = await work.staff.by_user(world.keys["responsible"])
        assert staff is not None and staff.id is not None
        reading = await work.readings.add(ReadingRow(world.client_id, staff.id, instrument.id, instrument.version,
                                                     clock.now, given, area_scores(instrument, given), False))
        await work.readings.comment(ReadingCommentRow(reading, circle, instrument.areas[0].id, "client",
                                                      "my line", clock.now))
    return reading


async def test_mydata_tells_the_readings_in_words_and_forget_deletes_them(
    world: World, catalogs: Catalogs, instrument: Instrument, clock: Clock,
) -> None:
    reading = await reading_with_a_comment(world, instrument, clock)
    client = world.bot.user(TG["client"], "en", "Client")
    files = sent_files(await client.send("/mydata"))
    text = files["txt"].decode()
    assert t(catalogs, "mydata.readings", count=1) in text
    assert t(catalogs, "mydata.reading_comment", area=instrument.areas[0].name.get("en"),
             who=Msg("mydata.reading_you"), text="my line") in text
    data = json.loads(files["json"])
    assert data["client"]["esy_readings"][0]["comments"][0]["text"] == "my line"
    await client.send("/forget")
    await client.tap(t(catalogs, "forget.yes"))
    async with world.bot.services.store.transaction() as work:
        assert await work.readings.get(reading) is None
        assert await work.readings.comments(reading) == []


async def test_withdrawing_consent_c_or_ending_the_work_deletes_the_readings(
    world: World, catalogs: Catalogs, instrument: Instrument, clock: Clock,
) -> None:
    reading = await reading_with_a_comment(world, instrument, clock)
    client = world.bot.user(TG["client"], "en", "Client")
    await client.send("/consent")
    await client.tap(t(catalogs, "consent.withdraw_item", title="Saving things"))
    calls = await client.tap(t(catalogs, "consent.confirm_yes"))
    assert t(catalogs, "consent.deleted_readings", count=1) in joined(calls)
    async with world.bot.services.store.transaction() as work:
        assert await work.readings.get(reading) is None and await work.readings.comments(reading) == []
        await work.consents.add(ConsentRow(world.client_id, "storage", 1, "yes", clock.now, "tg"))
    reading = await reading_with_a_comment(world, instrument, clock)
    worker = await open_card(world, catalogs, "responsible")
    await worker.tap(t(catalogs, "clients.end_work"))
    await worker.tap(t(catalogs, "clients.end_yes"))
    async with world.bot.services.store.transaction() as work:
        assert await work.readings.get(reading) is None
        assert await work.readings.for_client(world.client_id) == []


async def test_the_young_persons_side_works_in_a_terminal(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, instrument: Instrument,
) -> None:
    services = await bootstrap(bot_settings(tmp_path / "k.sqlite3"), drawer=drawer, clock=clock, catalogs=catalogs)
    try:
        now, key = clock.now, user_key(services.secret, "console", "kettu")
        worker_ratings, client_ratings = ratings(instrument, WORKER_POINTS), ratings(instrument, CLIENT_POINTS)
        async with services.store.transaction() as work:
            for who in (key, "worker-key"):
                await work.users.save(UserRow(who, "en", now, now))
            staff = await work.staff.add(StaffRow("Aino", "ohjaaja", "Oulunkaari", False, True, now, "worker-key"))
            client = await work.clients.add(ClientRow("Kettu", staff, now, key, now))
            await work.clients.set_pair(PairRow(client, staff, True))
            for item in load_consent_texts():  # the texts in force: not asked again
                await work.consents.add(ConsentRow(client, item.id, item.version, "yes", now, "console"))
            scores = area_scores(instrument, client_ratings)
            circle = await work.assessments.add(AssessmentRow(key, instrument.id, instrument.version, now,
                                                              client_ratings, scores, {}))
            await work.shares.add(ShareRow(circle, client, now))
            reading = await work.readings.add(ReadingRow(
                client, staff, instrument.id, instrument.version, now, worker_ratings,
                area_scores(instrument, worker_ratings), False))
        out = io.StringIO()
        # The ESY intro offers the worker's reading second; the first area to talk about gets a line.
        keys = ["/circle", "2", "1", "We could talk about sleep"]
        await Console(services, out, tmp_path, "kettu").run(io.StringIO("\n".join(keys) + "\n"), "en")
        async with services.store.transaction() as work:
            comments = await work.readings.comments(reading)
    finally:
        await services.store.close()
    shown = out.getvalue()
    assert t(catalogs, "compare.comment_saved") in shown
    assert t(catalogs, "compare.talk_line", area=instrument.areas[0].name.get("en")) in shown
    assert saved_pictures(tmp_path) == 1, "the picture is saved as a file"
    assert [(c.area_id, c.side, c.text) for c in comments] == [
        (instrument.areas[0].id, "client", "We could talk about sleep")]


async def test_with_two_workers_readings_the_young_person_chooses_whose_to_see(
    world: World, catalogs: Catalogs, instrument: Instrument, clock: Clock,
) -> None:
    await share_circle(world, instrument, clock)
    given = ratings(instrument, WORKER_POINTS)
    async with world.bot.services.store.transaction() as work:
        for role in ("responsible", "pair"):
            staff = await work.staff.by_user(world.keys[role])
            assert staff is not None and staff.id is not None
            await work.readings.add(ReadingRow(world.client_id, staff.id, instrument.id, instrument.version,
                                               clock.now, given, area_scores(instrument, given), role == "pair"))
    client = world.bot.user(TG["client"], "en", "Client")
    await client.send("/circle")
    calls = await client.tap(t(catalogs, "esy.see_reading"))
    assert t(catalogs, "compare.pick") in joined(calls)
    assert client.labels() == ["Responsible", "Pair", t(catalogs, "compare.close")]
    calls = await client.tap("Pair")
    assert t(catalogs, "compare.seen") in joined(calls)  # the pair worker had seen the circle: said so
    assert said(catalogs, "compare.summary", joined(calls), ("en",)) and ", Pair (" in joined(calls)
    assert [c.method for c in calls].count("sendPhoto") == 1
