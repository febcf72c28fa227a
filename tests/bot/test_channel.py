"""The Telegram channel's own duties: command menus, errors answered politely, webhook secret, privacy."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import httpx
import pytest

from bot.circle import CirclePicture
from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.keys import user_key
from bot.serve import start_channel, stop_channel
from flows.core.messages import Msg
from flows.esy.instrument import Instrument
from tests.bot.fakeapi import Call
from tests.bot.harness import Bot, BrokenDrawer, bot_settings, joined, sent_files, start_bot
from tests.conftest import Clock
from tests.ports import free_port


async def test_command_menu_is_set_in_every_language(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    bot = await start_bot(bot_settings(tmp_path / "k.sqlite3"), clock, catalogs, drawer)
    try:
        await start_channel(bot.services, bot.application)
        menus = {c.params.get("language_code"): c.params["commands"] for c in bot.api.calls
                 if c.method == "setMyCommands"}
        assert set(menus) == {"fi", "sv", "en", None}
        for language in ("fi", "sv", "en"):
            assert [c["command"] for c in menus[language]] == [
                "start", "chat", "help", "language", "cancel", "consent", "mydata", "forget", "hours"]
            assert menus[language][2]["description"] == catalogs.text(language, Msg("command.help"))
        assert menus[None] == menus["fi"]  # Finnish is the default
    finally:
        await stop_channel(bot.application)
        await bot.services.store.close()


async def test_a_failed_picture_still_gives_the_summary_and_keeps_the_answers(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, instrument: Instrument, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # even debug logs must not carry what the person wrote
    bot = await start_bot(bot_settings(tmp_path / "k.sqlite3"), clock, catalogs, BrokenDrawer())
    user = bot.user(language="sv")
    try:
        await user.send("/start")
        await user.tap("Svenska")
        await user.tap(catalogs.text("sv", Msg("menu.esy")))
        await user.tap(catalogs.text("sv", Msg("esy.begin")))
        calls: list[Call] = []
        for index, area in enumerate(instrument.areas):
            for _ in area.statements:
                await user.tap(instrument.scale[1].label.get("sv"))
            if index == 0:
                calls = await user.send("en hemlig önskan")
            else:
                calls = await user.tap(catalogs.text("sv", Msg("esy.skip_wish")))
        text = joined(calls)
        assert catalogs.text("sv", Msg("esy.circle.failed")) in text
        assert "en hemlig önskan" in text  # the summary still arrives
        assert not any(c.method == "sendPhoto" for c in calls)
        assert "hemlig" not in caplog.text, "logs carry ids and events, never message text"
        async with bot.services.store.transaction() as work:
            assert len(await work.assessments.for_user(user_key(bot.services.secret, "tg", user.id))) == 1
        # A PDF that cannot be made: the text and the JSON still come, and the person is told the PDF is missing.
        calls = await user.send("/mydata")
        assert catalogs.text("sv", Msg("document.pdf_failed")) in joined(calls)
        files = sent_files(calls)
        assert sorted(files) == ["json", "txt"] and "en hemlig önskan" in files["txt"].decode()
        assert next(c for c in calls if c.method == "sendDocument").params["caption"] == catalogs.text(
            "sv", Msg("mydata.caption"))
    finally:
        await bot.stop()


async def test_an_unexpected_error_gets_a_polite_localized_answer(
    bot: Bot, clock: Clock, catalogs: Catalogs, monkeypatch: pytest.MonkeyPatch,
) -> None:
    user = bot.user(language="en")
    await user.send("/start")

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(bot.services.engine, "handle", broken)
    bot.expect_errors = True
    calls = await user.send("hello there")
    assert [type(error) for error in bot.errors] == [RuntimeError]
    assert joined(calls) == catalogs.text("en", Msg("error.internal"))


async def test_webhook_checks_the_secret_token(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    port = free_port()
    settings = bot_settings(
        tmp_path / "k.sqlite3", mode="webhook", webhook_url="https://kaari.example/telegram",
        listen="127.0.0.1", port=port, webhook_secret="s3cret-token",
    )
    bot = await start_bot(settings, clock, catalogs, drawer)
    user = bot.user(language="en")
    update = user.message_update("/start")
    try:
        await start_channel(bot.services, bot.application)
        assert bot.api.webhook["secret_token"] == "s3cret-token"
        assert bot.api.webhook["url"] == "https://kaari.example/telegram"
        url = f"http://127.0.0.1:{port}/telegram"
        async with httpx.AsyncClient() as client:
            wrong = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "nope"})
            missing = await client.post(url, json=update)
            assert wrong.status_code == 403 and missing.status_code == 403
            assert not bot.api.sent(user.id)
            right = await client.post(url, json=update,
                                      headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"})
            assert right.status_code == 200
        for _ in range(200):
            if bot.api.sent(user.id):
                break
            await asyncio.sleep(0.02)
        assert catalogs.text("en", Msg("welcome.first")) in joined(bot.api.sent(user.id))
    finally:
        await stop_channel(bot.application)
        await bot.services.store.close()


def test_logging_of_the_token_is_silenced() -> None:
    from bot.cli import _setup_logging
    from bot.settings import Settings

    _setup_logging(Settings(), quiet=False)
    for name in ("httpx", "telegram", "aiosqlite"):
        assert logging.getLogger(name).getEffectiveLevel() >= logging.WARNING


async def test_taps_close_their_buttons_and_only_taken_answers_are_marked(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    user = bot.user(language="en")
    await user.send("/start")
    await user.tap("English")
    menu = user.last_question()
    label = catalogs.text("en", Msg("menu.esy"))
    calls = await user.tap(label)
    edit = next(c for c in calls if c.method == "editMessageText")
    assert edit.params["text"].endswith(f"→ {label}") and "reply_markup" not in edit.params
    calls = await user.tap(label, question=menu)  # the same, now stale, question again
    assert [c.method for c in calls if c.method.startswith("edit")] == ["editMessageReplyMarkup"]
    assert catalogs.text("en", Msg("error.stale")) in joined(calls)


async def test_edited_messages_are_not_answers_and_groups_are_pointed_to_a_private_chat(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    user = bot.user(language="sv")
    await user.send("/start")
    question = user.last_question()
    edited = user.message_update("Svenska")
    edited["edited_message"] = {**edited.pop("message"), "edit_date": 1}
    assert await user.process(edited) == []
    assert user.last_question() is question
    group = user.message_update("/start")
    group["message"]["chat"] = {"id": -100555, "type": "group", "title": "Kaverit"}
    calls = await user.process(group)
    assert joined(calls) == catalogs.text("sv", Msg("error.private_only"))
    async with bot.services.store.transaction() as work:
        assert await work.users.get(user_key(bot.services.secret, "tg", -100555)) is None


async def test_a_dead_drawing_worker_is_replaced(catalogs: Catalogs) -> None:
    drawer = ProcessDrawer(1)
    try:
        picture = CirclePicture("t", ("a", "b", "c"), 1, 5, ("1", "2", "3", "4", "5"), (("now", (1.0, 2.0, 3.0)),))
        assert (await drawer.draw(picture))[:4] == b"\x89PNG"
        for process in list(drawer._pool._processes.values()):  # simulate the OOM killer
            process.kill()
        await asyncio.sleep(0.2)
        assert (await drawer.draw(picture))[:4] == b"\x89PNG"
    finally:
        drawer.shutdown()


@pytest.mark.parametrize("data", [
    "²|x", "¹|menu.esy", "\u0661|menu.esy", "1²|x", " 1|x", "-1|x", "+1|x", "1_0|x", "1234567890123456789|x",
    "|x", "1|", "1", "", "1|" + "x" * 63, "1|" + "ä" * 40,
])
async def test_callback_data_kaari_did_not_write_is_a_stale_button_not_an_error(
    bot: Bot, catalogs: Catalogs, data: str,
) -> None:
    user = bot.user(language="en")
    await user.send("/start")
    question = user.last_question()
    calls = await user.tap_data(data, question)  # the harness fails the test on any error in a handler
    assert catalogs.text("en", Msg("error.stale")) in joined(calls)
    assert catalogs.text("en", Msg("error.internal")) not in joined(calls)
    shown = user.last_question()
    assert user.labels(shown) and (await user.tap(user.labels(shown)[0], question=shown))  # the flow goes on


def test_callback_data_is_parsed_strictly() -> None:
    from bot.telegram_app import callback_data, parse_callback
    from flows.core.inputs import Choice

    assert parse_callback(callback_data(12, "menu.esy")) == Choice(12, "menu.esy")
    assert parse_callback("179516880012345678|a|b") == Choice(179516880012345678, "a|b")
    assert parse_callback("1|" + "x" * 62) == Choice(1, "x" * 62), "64 bytes is Telegram's limit, still fine"
    for bad in ("²|x", "1|" + "x" * 63, "1|", "0x1|x", "1e3|x", "\u0661|x"):
        assert parse_callback(bad) is None, bad


async def test_buttons_from_a_group_are_refused_privately_and_nothing_is_stored(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    """A (forged) button in a group, from a worker who has never written to the bot in private: only the tapper
    is told to use a private chat; the group gets nothing and its chat id is never stored as a contact."""
    from storage.ports import StaffRow, UserRow

    worker = bot.user(555000999, "sv", "Aino")
    key = user_key(bot.services.secret, "tg", worker.id)
    async with bot.services.store.transaction() as work:
        await work.users.save(UserRow(key, "sv", clock.now, clock.now))
        await work.staff.add(StaffRow("Aino Virtanen", "socialhandledare", "Oulunkaari", False, True, clock.now, key))
    group = {"id": -100777, "type": "supergroup", "title": "Kaverit"}
    for number, data in enumerate(("0|menu.clients", "1|card:1", "0|ctl:help", "5|x")):
        message = {"message_id": 7, "date": 0, "chat": group, "text": "Kaari",
                   "from": {"id": 123456, "is_bot": True, "first_name": "Kaari"}}
        calls = await worker.process({"update_id": 990000 + number, "callback_query": {
            "id": f"q{number}", "from": worker.user_json(), "chat_instance": "ci", "data": data, "message": message}})
        assert [c.method for c in calls] == ["answerCallbackQuery"], data
        assert calls[0].params["text"] == catalogs.text("sv", Msg("error.private_only"))
        assert calls[0].params["show_alert"] is True
    async with bot.services.store.transaction() as work:
        assert await work.contacts.get(key) is None
        assert await work.users.get(user_key(bot.services.secret, "tg", -100777)) is None
    await worker.send("/start")  # in private the worker is served, and that chat becomes the contact
    async with bot.services.store.transaction() as work:
        contact = await work.contacts.get(key)
        assert contact is not None and bot.services.sealer.open(contact.sealed_chat) == worker.id
