"""The fake Bot API itself: it refuses what Telegram refuses, a refused call fails the test even though the
bot only logs it, and it answers Telegram's faults on request so the retry and give-up paths run."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from telegram import Bot as PtbBot
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.telegram_app import pusher
from bot.ticker import deliver_all
from flows.core.messages import Msg
from tests.bot import fakeapi
from tests.bot.fakeapi import FakeBotAPI, UnknownMethod, Violation
from tests.bot.harness import Bot, bot_settings, catalog_pattern, joined, said, start_bot
from tests.bot.identity.test_rights import linked_client
from tests.conftest import Clock

GROUP_ID = -100555
GROUP = {"id": GROUP_ID, "type": "group", "title": "Kaverit"}


async def ptb_bot(api: FakeBotAPI) -> PtbBot:
    bot = PtbBot("123456:TEST-TOKEN", request=api, get_updates_request=api)
    await bot.initialize()
    return bot


async def test_unknown_methods_raise_and_are_violations() -> None:
    api = FakeBotAPI()
    with pytest.raises(UnknownMethod):
        await api.do_request("https://api.telegram.org/bot1:x/sendTelepathy", "POST")
    assert api.calls[-1].method == "sendTelepathy"
    with pytest.raises(AssertionError, match="sendTelepathy"):
        api.check()
    assert api.take_violations() == ["sendTelepathy: a method the fake does not know"]
    api.check()


@pytest.mark.parametrize(("text", "ok"), [
    ("x" * 4096, True), ("x" * 4097, False), ("", False), ("   ", False),
    ("😀" * 2048, True), ("😀" * 2049, False),  # an emoji is two UTF-16 units
])
async def test_message_text_is_one_to_4096_utf16_units(text: str, ok: bool) -> None:
    api = FakeBotAPI()
    bot = await ptb_bot(api)
    if ok:
        await bot.send_message(1, text)
    else:
        with pytest.raises(BadRequest):
            await bot.send_message(1, text)
        assert len(api.take_violations()) == 1
    api.check()


@pytest.mark.parametrize(("data", "ok"), [
    ("x" * 64, True), ("x" * 65, False), ("ä" * 32, True), ("ä" * 33, False),  # UTF-8 bytes, not characters
])
async def test_callback_data_is_at_most_64_utf8_bytes(data: str, ok: bool) -> None:
    api = FakeBotAPI()
    bot = await ptb_bot(api)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Nappi", callback_data=data)]])
    if ok:
        await bot.send_message(1, "Kysymys", reply_markup=markup)
    else:
        with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
            await bot.send_message(1, "Kysymys", reply_markup=markup)
        assert api.take_violations()
    api.check()


async def test_captions_are_at_most_1024_and_documents_keep_their_file_name() -> None:
    api = FakeBotAPI()
    bot = await ptb_bot(api)
    message = await bot.send_document(1, document=b"{}", filename="kaari-tiedot.json", caption="c" * 1024)
    assert message.document is not None and message.document.file_name == "kaari-tiedot.json"
    assert api.calls[-1].file_names == {"document": "kaari-tiedot.json"}
    with pytest.raises(BadRequest):
        await bot.send_photo(1, photo=b"png", caption="c" * 1025)
    assert len(api.take_violations()) == 1


async def test_a_group_stays_a_group() -> None:
    api = FakeBotAPI()
    api.see({"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": GROUP, "text": "hei"}})
    bot = await ptb_bot(api)
    sent = await bot.send_message(GROUP_ID, "Vain yksityisesti")
    assert sent.chat.type == "group" and sent.chat.title == "Kaverit"
    assert (await bot.send_message(5, "hei")).chat.type == "private"  # a chat never seen is a private one


async def test_a_refused_call_fails_the_test_though_the_bot_only_logs_it(bot: Bot) -> None:
    """A fake that refuses every sendMessage used to let /start pass: the channel logged and went on."""

    def refuse(params: dict[str, Any]) -> dict[str, Any]:
        raise Violation("message text is empty")

    bot.api.api_sendMessage = refuse  # type: ignore[method-assign]
    user = bot.user(language="en")
    with pytest.raises(AssertionError, match="would refuse"):
        await user.send("/start")
    assert not bot.errors  # the bot itself only logged it and went on
    violations = bot.api.take_violations()
    assert violations and set(violations) == {"sendMessage: message text is empty"}


async def test_the_fixture_checks_every_fake_made_in_the_test() -> None:
    """What the ticker pushes never passes through the harness: the autouse fixture checks every fake."""
    api = FakeBotAPI()
    assert [api] == fakeapi.LIVE
    bot = await ptb_bot(api)
    with pytest.raises(BadRequest):
        await bot.send_message(1, "")
    with pytest.raises(AssertionError):
        api.check()
    api.take_violations()


async def test_faults_on_request() -> None:
    api = FakeBotAPI()
    bot = await ptb_bot(api)
    api.fail_next("sendMessage", kind="429", retry_after=7)
    with pytest.raises(RetryAfter) as too_many:
        await bot.send_message(1, "hei")
    assert too_many.value.retry_after in (7, timedelta(seconds=7))
    api.fail_next("sendMessage", kind="5xx", times=2)
    for _ in range(2):
        with pytest.raises(NetworkError):
            await bot.send_message(1, "hei")
    api.fail_next("sendMessage", kind="timeout")
    with pytest.raises(TimedOut):
        await bot.send_message(1, "hei")
    api.fail_next("editMessageText", kind="not_modified")
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("hei", chat_id=1, message_id=5)
    api.fail_next("answerCallbackQuery", kind="query_too_old")
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query("q1")
    assert [c.fault for c in api.failed()] == ["429", "5xx", "5xx", "timeout", "not_modified", "query_too_old"]
    await bot.send_message(1, "hei")  # the faults were used up
    assert [c.params["text"] for c in api.sent()] == ["hei"]
    api.check()  # a fault is Telegram's doing, not a violation


# --- the bot's own retry and give-up paths, through the real Application ------------------------------
async def test_a_reply_survives_one_5xx_and_after_two_waits_for_the_outbox_retry(
    bot: Bot, catalogs: Catalogs, clock: Clock,
) -> None:
    user = bot.user(language="en")
    bot.api.fail_next("sendMessage", kind="5xx")
    calls = await user.send("/start")
    assert [c.fault for c in calls] == ["5xx", ""]
    assert user.last_question().params["text"] == calls[-1].params["text"]
    bot.api.fail_next("sendMessage", kind="5xx", times=2)
    calls = await user.send("/help")
    assert [c.fault for c in calls] == ["5xx", "5xx"]  # retried once at once; the rest waits, not given up
    assert not bot.errors
    failed_text = calls[0].params["text"]
    assert await deliver_all(bot.services, *pusher(bot.application)) == 0  # not before its retry is due
    clock.advance(seconds=2)
    assert await deliver_all(bot.services, *pusher(bot.application)) == 1
    assert bot.api.sent(user.id)[-1].params["text"] == failed_text  # the same reply, now delivered


async def test_a_reply_waits_out_429_with_the_limits_off(bot: Bot, clock: Clock) -> None:
    """Without the bot-wide limiter (which waits out a 429 itself) a 429 was a reply lost for good."""
    user = bot.user(language="en")
    bot.api.fail_next("sendMessage", kind="429", retry_after=5, times=2)
    calls = await user.send("/start")
    assert [c.fault for c in calls] == ["429", "429"]
    clock.advance(seconds=4)
    assert await deliver_all(bot.services, *pusher(bot.application)) == 0  # Telegram asked for five seconds
    clock.advance(seconds=1)
    assert await deliver_all(bot.services, *pusher(bot.application)) == 1
    assert bot.api.sent(user.id)[-1].params["text"] == calls[0].params["text"]


async def test_a_reply_waits_out_429_with_the_default_limits(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    bot = await start_bot(bot_settings(tmp_path / "k.sqlite3", rate_per_second=30.0), clock, catalogs, drawer)
    try:
        user = bot.user(language="en")
        bot.api.fail_next("sendMessage", kind="429", retry_after=1)
        calls = await user.send("/start")
        assert [c.fault for c in calls] == ["429", ""]
        assert calls[1].at - calls[0].at >= 1.0  # PTB's limiter waited as Telegram asked
        assert calls[1].params["text"] == calls[0].params["text"]
    finally:
        await bot.stop()


async def test_a_too_old_query_and_an_unmodified_message_still_get_the_answer(
    bot: Bot, catalogs: Catalogs,
) -> None:
    user = bot.user(language="en")
    await user.send("/start")
    bot.api.fail_next("answerCallbackQuery", kind="query_too_old")
    bot.api.fail_next("editMessageText", kind="not_modified")
    bot.api.fail_next("editMessageReplyMarkup", kind="not_modified")
    calls = await user.tap("English")
    assert [c.fault for c in calls if c.fault] == ["query_too_old", "not_modified"]
    assert catalogs.text("en", Msg("menu.esy")) in user.labels()
    assert not bot.errors


async def test_an_export_document_keeps_its_file_name(bot: Bot, catalogs: Catalogs) -> None:
    client = await linked_client(bot, catalogs)
    calls = await client.send("/mydata")
    documents = [c for c in calls if c.method == "sendDocument"]
    assert documents and all(d.file_names["document"] == d.result["document"]["file_name"] for d in documents)
    assert all(d.file_names["document"].endswith((".json", ".txt", ".csv", ".pdf")) for d in documents)
    assert joined(calls)


def test_said_finds_a_catalog_text_whatever_its_placeholders_and_language(catalogs: Catalogs) -> None:
    fi = catalogs.text("fi", Msg("meeting.memo_next", {"when": "pe 18.12. klo 14"}))
    assert said(catalogs, "meeting.memo_next", f"Muistio\n{fi}\nKiitos")
    assert not said(catalogs, "meeting.memo_next", fi, ("en",))
    assert not said(catalogs, "meeting.memo_ended", fi)
    pattern = catalog_pattern(catalogs, "meeting.memo_next", "en")
    assert pattern.fullmatch("Next meeting: Fri 18 Dec, 14:00.") and not pattern.fullmatch("Next meeting.")
