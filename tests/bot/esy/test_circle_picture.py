"""What the circle picture carries, through the real Application: the young person's own copy with their
wishes, and the worker's copy of a shared circle with the client's nickname and wishes."""

from __future__ import annotations

from pathlib import Path

from bot.circle import CirclePicture
from bot.drawing import ProcessDrawer
from bot.effect_chart import EffectChart
from bot.i18n import Catalogs
from bot.pdf import PdfLayout
from bot.progress_chart import ProgressPicture
from flows.core.messages import Msg
from flows.esy.instrument import Instrument
from tests.bot.fakeapi import Call
from tests.bot.harness import Bot, BrokenDrawer, TgUser, bot_settings, joined, start_bot
from tests.bot.identity.test_identity import WORKER, deliver, t
from tests.bot.identity.test_rights import linked_client
from tests.conftest import Clock


class RecordingDrawer:
    """The real drawer, remembering every picture it was asked for."""

    def __init__(self, drawer: ProcessDrawer) -> None:
        self.drawer = drawer
        self.pictures: list[CirclePicture] = []

    async def draw(self, picture: CirclePicture) -> bytes:
        self.pictures.append(picture)
        return await self.drawer.draw(picture)

    async def progress(self, picture: ProgressPicture) -> bytes:
        return await self.drawer.progress(picture)

    async def pdf(self, layout: PdfLayout) -> bytes:
        return await self.drawer.pdf(layout)

    async def chart(self, chart: EffectChart) -> bytes:
        return await self.drawer.chart(chart)

    async def close(self) -> None:
        """The session's drawer is closed by its fixture."""


async def circle_with_wishes(client: TgUser, catalogs: Catalogs, instrument: Instrument,
                             wishes: dict[int, str]) -> None:
    """Fill the circle in English, writing a wish for the areas in ``wishes`` and skipping the rest."""
    await client.tap(t(catalogs, "en", "menu.esy"))
    await client.tap(t(catalogs, "en", "esy.begin"))
    for index, area in enumerate(instrument.areas):
        for _ in area.statements:
            await client.tap(instrument.scale[3].label.get("en"))
        if index in wishes:
            await client.send(wishes[index])
        else:
            await client.tap(t(catalogs, "en", "esy.skip_wish"))


async def worker_opens_the_shared_circles(bot: Bot, catalogs: Catalogs) -> list[Call]:
    """The responsible worker (in Finnish) opens Kettu's card and taps the shared circles."""
    worker = bot.user(WORKER, "fi")
    await worker.send("/start")
    await worker.tap(t(catalogs, "fi", "menu.clients"))
    await worker.tap(catalogs.text("fi", Msg("clients.item_linked", {"nickname": "Kettu"})))
    return await worker.tap(t(catalogs, "fi", "clients.show_circles"))


async def test_own_copy_shows_the_wishes_and_the_workers_copy_names_the_client(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, instrument: Instrument, drawer: ProcessDrawer,
) -> None:
    recorder = RecordingDrawer(drawer)
    bot = await start_bot(bot_settings(tmp_path / "k.sqlite3"), clock, catalogs, recorder)
    try:
        client = await linked_client(bot, catalogs)
        await circle_with_wishes(client, catalogs, instrument, {2: "My own room", 8: "A summer job"})
        own = recorder.pictures[-1]
        assert own.title == catalogs.text("en", Msg("esy.circle.title", {"date": clock.now}))
        assert own.nickname is None
        assert own.wishes == ((instrument.areas[2].name.get("en"), "My own room"),
                              (instrument.areas[8].name.get("en"), "A summer job"))
        assert own.wishes_title == t(catalogs, "en", "esy.circle.wishes")
        await client.tap(t(catalogs, "en", "esy.share_yes"))
        await deliver(bot)

        calls = await worker_opens_the_shared_circles(bot, catalogs)
        assert [c.method for c in calls].count("sendPhoto") == 1
        copy = recorder.pictures[-1]
        assert copy.title == catalogs.text("fi", Msg("esy.circle.title_client",
                                                     {"nickname": "Kettu", "date": clock.now}))
        assert copy.nickname == "Kettu"
        assert copy.wishes == ((instrument.areas[2].name.get("fi"), "My own room"),
                               (instrument.areas[8].name.get("fi"), "A summer job"))
        assert copy.wishes_title == t(catalogs, "fi", "esy.circle.wishes_client")
        assert "My own room" not in joined(calls)  # the wishes go in the picture, not as a loose message
    finally:
        await bot.stop()


async def test_a_worker_whose_copy_cannot_be_drawn_is_not_told_about_their_own_answers(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, instrument: Instrument,
) -> None:
    bot = await start_bot(bot_settings(tmp_path / "k.sqlite3"), clock, catalogs, BrokenDrawer())
    try:
        client = await linked_client(bot, catalogs)
        await circle_with_wishes(client, catalogs, instrument, {})
        await client.tap(t(catalogs, "en", "esy.share_yes"))
        await deliver(bot)
        calls = await worker_opens_the_shared_circles(bot, catalogs)
        assert t(catalogs, "fi", "esy.circle.failed_copy") in joined(calls)
        assert t(catalogs, "fi", "esy.circle.failed") not in joined(calls)  # "your answers are saved, in words"
    finally:
        await bot.stop()
