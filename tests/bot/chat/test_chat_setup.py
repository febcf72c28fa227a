"""One organisation's chat comes from one place: the services and the desk's quick replies it was wired with
(`ChatSetup`, from the settings' files) are what the flows show, not a file read anywhere else."""

from __future__ import annotations

from pathlib import Path

from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from flows.chat.quick_replies import load_quick_replies
from flows.core.messages import Msg
from tests.bot.chat.test_shift_chat import SERVICE, Y1, add_workers, flush, label, open_chat, texts_to
from tests.bot.harness import bot_settings, start_bot
from tests.conftest import TWO_SERVICES, Clock

OWN_REPLIES = """
[[replies]]
id = "youth_house"
title = { fi = "Nuorisotalo Kaleva", sv = "Ungdomsgården Kaleva", en = "Kaleva youth house" }
[replies.text]
fi = "Kalevan nuorisotalo on auki ma-pe 14-20."
sv = "Ungdomsgården Kaleva är öppen mån-fre 14-20."
en = "Kaleva youth house is open Mon-Fri 2-8 pm."
"""


async def test_the_desk_offers_the_organisations_own_quick_replies(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    replies = tmp_path / "replies.toml"
    replies.write_text(OWN_REPLIES, encoding="utf-8")
    settings = bot_settings(tmp_path / "k.sqlite3", chat_services=TWO_SERVICES, quick_replies=replies)
    bot = await start_bot(settings, clock, catalogs, drawer)
    try:
        assert bot.services.chat.replies == load_quick_replies(replies)
        assert bot.services.chat.services[0] == SERVICE
        aino, _ = await add_workers(bot, clock)
        young = bot.user(Y1, "en", "A")
        await open_chat(young, catalogs)
        await young.send("Hi")
        await flush(bot)
        await aino.send("/desk")
        await aino.tap(catalogs.text("fi", Msg("desk.take", {"waiting": 1})))
        assert label(catalogs, "chat.label", 1) in str(aino.last_question().params["text"])
        await aino.tap(catalogs.text("fi", Msg("desk.quick")))
        assert aino.labels() == ["Nuorisotalo Kaleva", catalogs.text("fi", Msg("desk.back_to_chat"))]
        await aino.tap("Nuorisotalo Kaleva")
        mark = len(bot.api.calls)
        await flush(bot)
        assert "Kaleva youth house is open Mon-Fri 2-8 pm." in texts_to(bot, Y1, mark)
    finally:
        await bot.stop()
