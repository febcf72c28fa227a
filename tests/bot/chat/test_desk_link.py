"""/web (#13): a worker's one-time link to the desk in a browser, through the real Application and the terminal.

The link goes out without a link preview (a preview fetcher would open it), only the token's hash is stored,
and the asking is in the audit log."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.admin import add_coordinator
from bot.bootstrap import bootstrap
from bot.console import Console
from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from flows.core.codes import token_hash
from flows.core.messages import Msg
from tests.bot import rows
from tests.bot.fakeapi import FakeBotAPI
from tests.bot.harness import Bot, bot_settings, joined, said, start_bot
from tests.conftest import Clock

WEB_URL = "https://kaari.example.fi"
LINK = re.compile(re.escape(WEB_URL) + r"/desk/login\?t=([A-Za-z0-9_-]{43})")
WORKER_TG = 555000900


@pytest.fixture
async def bot(tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer) -> AsyncIterator[Bot]:
    running = await start_bot(bot_settings(tmp_path / "k.sqlite3", web_url=WEB_URL), clock, catalogs, drawer)
    try:
        yield running
    finally:
        await running.stop()


async def test_a_worker_gets_a_one_time_link_without_a_preview_and_only_its_hash_is_kept(
    bot: Bot, catalogs: Catalogs,
) -> None:
    await add_coordinator(bot.services, telegram_id=WORKER_TG, console_user=None, name="Kaisa", title="ohjaaja",
                          organisation="Oulunkaari", also_worker=True)
    worker = bot.user(WORKER_TG, "fi", "Kaisa")
    calls = await worker.send("/web")
    (sent,) = [call for call in calls if call.method == "sendMessage"]
    assert said(catalogs, "web.desk.link", sent, ("fi",)), joined(calls)
    found = LINK.search(sent.params["text"])
    assert found, sent.params["text"]
    assert FakeBotAPI.preview_disabled(sent), "a preview fetcher would open the one-time link"
    assert isinstance(sent.result.get("link_preview_options"), dict)
    # Other texts keep Telegram's previews (a crisis line's web page, say): only the link asks for none.
    help_calls = await worker.send("/help")
    assert not any(FakeBotAPI.preview_disabled(call) for call in help_calls if call.method == "sendMessage")

    token = found.group(1)
    async with bot.services.store.transaction() as work:
        link = await work.desk_logins.find(token_hash(token))
        assert link is not None and link.used_at is None
        assert (link.expires_at - link.created_at).total_seconds() == 10 * 60
        actions = [row.action for row in await work.audit.recent(5)]
    assert "desk.link_created" in actions
    await bot.services.store.flush()
    db = bot.services.settings.db_path
    dumped = "\n".join(repr(row) for table in rows.tables(db) for row in rows.table(db, table))
    assert token not in dumped, "the token itself is nowhere in the database (the sent reply was forgotten too)"


async def test_two_links_are_two_tokens(bot: Bot) -> None:
    await add_coordinator(bot.services, telegram_id=WORKER_TG, console_user=None, name="Kaisa", title="ohjaaja",
                          organisation="Oulunkaari", also_worker=True)
    worker = bot.user(WORKER_TG, "en", "Kaisa")
    first = LINK.search(joined(await worker.send("/web")))
    second = LINK.search(joined(await worker.send("/web")))
    assert first and second and first.group(1) != second.group(1)


async def test_a_coordinator_who_is_not_a_worker_and_a_young_person_get_no_link(bot: Bot, catalogs: Catalogs) -> None:
    await add_coordinator(bot.services, telegram_id=WORKER_TG, console_user=None, name="Kaisa", title="ohjaaja",
                          organisation="Oulunkaari", also_worker=False)
    for person in (bot.user(WORKER_TG, "en", "Kaisa"), bot.user(424242, "en")):
        text = joined(await person.send("/web"))
        assert not LINK.search(text) and said(catalogs, "error.not_available", text), text
    async with bot.services.store.transaction() as work:
        assert "desk.link_created" not in [row.action for row in await work.audit.recent(20)]


async def test_without_kaari_web_url_the_worker_is_told_the_desk_is_not_in_use(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    bot = await start_bot(bot_settings(tmp_path / "k.sqlite3"), clock, catalogs, drawer)
    try:
        await add_coordinator(bot.services, telegram_id=WORKER_TG, console_user=None, name="Kaisa",
                              title="ohjaaja", organisation="Oulunkaari", also_worker=True)
        text = joined(await bot.user(WORKER_TG, "sv", "Kaisa").send("/web"))
        assert said(catalogs, "web.desk.link_off", text) and "/desk/login" not in text
    finally:
        await bot.stop()


async def test_kaari_chat_shows_the_same_link(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    services = await bootstrap(bot_settings(tmp_path / "k.sqlite3", web_url="http://localhost:8080"),
                               drawer=drawer, clock=clock, catalogs=catalogs)
    try:
        await add_coordinator(services, telegram_id=None, console_user="kaisa", name="Kaisa", title="ohjaaja",
                              organisation="Oulunkaari", also_worker=True)
        out = io.StringIO()
        await Console(services, out, tmp_path, "kaisa").run(io.StringIO("/web\n"), "en")
        found = re.search(r"http://localhost:8080/desk/login\?t=([A-Za-z0-9_-]{43})", out.getvalue())
        assert found, out.getvalue()
        assert catalogs.text("en", Msg("web.desk.link", {"url": found.group(0), "minutes": 10})) in out.getvalue()
        async with services.store.transaction() as work:
            assert await work.desk_logins.find(token_hash(found.group(1))) is not None
    finally:
        await services.store.close()  # the drawing pool is the test session's


async def test_a_message_joined_from_texts_shows_no_preview_if_one_of_them_asked_for_none(
    catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    from bot.render import TextOut, render
    from flows.core.results import Ask, Option, Reply, Say

    link = Say(Msg("web.desk.link", {"url": WEB_URL + "/desk/login?t=x", "minutes": 10}), preview=False)
    notice = Say(Msg("web.desk.link_off"))
    ask = Ask(Msg("desk.refresh"), (Option("x", Msg("desk.menu")),))
    joined_out = await render(Reply("fi", [notice, link, ask]), catalogs, drawer)
    alone = await render(Reply("fi", [notice, ask]), catalogs, drawer)
    flushed = await render(Reply("fi", [link]), catalogs, drawer)
    assert [out.preview for out in joined_out if isinstance(out, TextOut)] == [False]
    assert [out.preview for out in alone if isinstance(out, TextOut)] == [True]
    assert [out.preview for out in flushed if isinstance(out, TextOut)] == [False]
