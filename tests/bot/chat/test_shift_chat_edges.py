"""The shift chat when things go sideways, through the real Application: a command or a restart mid-chat, bad
input, stale buttons, a worker removed or never linked, /forget mid-chat, going on and off duty by hand,
the offer of identified work, and the coordinator's statistics with their CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import time
from pathlib import Path

import pytest

from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.keys import user_key
from flows.core.dates import time_range
from flows.core.messages import Msg
from storage.ports import StaffRow
from tests.bot.chat.test_shift_chat import SERVICE, W1, W2, Y1, Y2, add_workers, flush, label, open_chat, texts_to
from tests.bot.fakeapi import Call
from tests.bot.harness import Bot, TgUser, bot_settings, joined, start_bot
from tests.bot.rows import traces
from tests.conftest import TWO_SERVICES, Clock


@pytest.fixture
def chat_services() -> Path:
    """This module's tests go by two chat services (a choice in /chat, a Tuesday slot): the test data file."""
    return TWO_SERVICES


async def chatting(bot: Bot, clock: Clock, catalogs: Catalogs, language: str = "fi") -> tuple[TgUser, TgUser]:
    """Aino has taken Y1's chat."""
    aino, _ = await add_workers(bot, clock)
    young = bot.user(Y1, language, "A")
    await open_chat(young, catalogs)
    await young.send("Hei")
    await aino.send("/desk")
    await aino.tap(catalogs.text("fi", Msg("desk.take", {"waiting": 1})))
    await flush(bot)
    return aino, young


async def test_a_command_mid_chat_comes_back_to_the_chat(bot: Bot, clock: Clock, catalogs: Catalogs) -> None:
    _, young = await chatting(bot, clock, catalogs)
    await young.send("/hours")
    assert catalogs.text("fi", Msg("chat.end")) in young.labels(), "back in the chat after /hours"
    mark = len(bot.api.calls)
    assert await young.send("vielä yksi kysymys") == []
    await flush(bot)
    assert "vielä yksi kysymys" in texts_to(bot, W1, mark)
    calls = await young.send("/nonsense")
    assert catalogs.text("fi", Msg("error.unknown_command")) in joined(calls)
    assert catalogs.text("fi", Msg("chat.end")) in young.labels()


async def test_bad_input_in_the_chat_and_at_the_desk(bot: Bot, clock: Clock, catalogs: Catalogs) -> None:
    aino, young = await chatting(bot, clock, catalogs)
    calls = await young.send("x" * 4001)
    assert catalogs.text("fi", Msg("error.too_long", {"max": 4000, "length": 4001})) in joined(calls)
    assert await young.send("ok " * 1300 + "🙂" * 50) == []
    mark = len(bot.api.calls)
    await flush(bot)
    pieces = [c for c in bot.api.calls[mark:] if c.params.get("chat_id") == W1]
    assert len(pieces) == 1 and "🙂" in str(pieces[0].params["text"]), "long but allowed: passed on whole"
    end_button = young.last_question()

    # The worker closes; the young person's old "End the chat" button and typed text get clear answers.
    await aino.tap(catalogs.text("fi", Msg("desk.back")))
    await aino.tap(label(catalogs, "chat.label", 1))
    await aino.tap(catalogs.text("fi", Msg("desk.close")))
    calls = await aino.send("oho")
    assert catalogs.text("fi", Msg("error.use_buttons")) in joined(calls)
    await aino.tap(catalogs.text("fi", Msg("desk.close_yes")))
    calls = await young.tap(catalogs.text("fi", Msg("chat.end")), end_button)
    assert catalogs.text("fi", Msg("error.stale")) in joined(calls)
    assert catalogs.text("fi", Msg("chat.rate_5")) in young.labels()
    calls = await young.send("viisi")
    assert catalogs.text("fi", Msg("error.use_buttons")) in joined(calls)
    await young.tap(catalogs.text("fi", Msg("chat.skip")))

    # An old chat button at the desk: the chat is gone, the desk says so.
    old = next(q for q in reversed(aino.questions()) if label(catalogs, "chat.label", 1) in aino.labels(q))
    calls = await aino.tap(label(catalogs, "chat.label", 1), old)
    assert catalogs.text("fi", Msg("error.stale")) in joined(calls)


async def test_a_restart_mid_chat_loses_nothing(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    settings = bot_settings(tmp_path / "k.sqlite3", chat_services=TWO_SERVICES)
    bot = await start_bot(settings, clock, catalogs, drawer)
    try:
        aino, young = await chatting(bot, clock, catalogs)
    finally:
        await bot.stop()
    bot = await start_bot(settings, clock, catalogs, drawer)
    try:
        young = bot.user(Y1, "fi", "A")
        aino = bot.user(W1, "fi", "Aino")
        assert await young.send("oletko vielä siellä?") == []
        assert joined(await aino.send("Olen!")) != ""
        mark = len(bot.api.calls)
        await flush(bot)
        assert "oletko vielä siellä?" in texts_to(bot, W1, mark) and "Olen!" in texts_to(bot, Y1, mark)
    finally:
        await bot.stop()


async def test_a_removed_worker_s_chat_goes_back_to_the_queue(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    from bot.admin import add_coordinator

    await chatting(bot, clock, catalogs)
    await add_coordinator(bot.services, telegram_id=555000999, console_user=None, name="Kaisa",
                          title="koordinaattori", organisation="Oulunkaari", also_worker=False)
    kaisa = bot.user(555000999, "fi", "Kaisa")
    await kaisa.send("/workers")
    await kaisa.tap(next(b for b in kaisa.labels() if "Aino" in b))
    await kaisa.tap(catalogs.text("fi", Msg("workers.remove")))
    await kaisa.tap(catalogs.text("fi", Msg("consent.confirm_yes")))
    mark = len(bot.api.calls)
    await flush(bot)
    assert catalogs.text("fi", Msg("chat.requeued")) in texts_to(bot, Y1, mark)
    bea = bot.user(W2, "fi", "Bea")
    await bea.send("/desk")
    calls = await bea.tap(catalogs.text("fi", Msg("desk.take", {"waiting": 1})))
    assert "Hei" in joined(calls)


async def test_a_worker_who_never_opened_the_bot_does_not_open_the_chat(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    from storage.ports import RotaRow

    async with bot.services.store.transaction() as work:
        staff_id = await work.staff.add(StaffRow("Cecilia", "ohjaaja", "Oulunkaari", False, True, clock.now))
        await work.schedules.add_rota(RotaRow(SERVICE.id, "fri 12:00", staff_id))
    young = bot.user(Y1, "fi", "A")
    await open_chat(young, catalogs)
    assert "112" in str(young.last_question().params["text"]), "nobody can answer: the closed view"


async def test_forget_mid_chat_ends_it_and_erases_what_was_written(
    bot: Bot, clock: Clock, catalogs: Catalogs, tmp_path: Path,
) -> None:
    _, young = await chatting(bot, clock, catalogs)
    await young.send("salaisuus 12345")
    await flush(bot)  # it reached the worker (their copy is theirs); Kaari's copy goes with /forget
    await young.send("/forget")
    await young.tap(catalogs.text("fi", Msg("forget.yes")))
    mark = len(bot.api.calls)
    await flush(bot)
    assert catalogs.text("fi", Msg("chat.closed_by_young", {"chat": Msg("chat.label", {"number": 1})})) in (
        texts_to(bot, W1, mark))
    async with bot.services.store.transaction() as work:
        assert await work.chats.messages(1) == []
        chat = await work.chats.get(1)
        assert chat is not None and chat.status == "closed" and chat.user_key is None
    assert traces(tmp_path / "k.sqlite3", "salaisuus 12345", {"chat_messages"}) == []


async def test_on_and_off_duty_by_hand_and_the_offer_of_identified_work(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    aino, _ = await add_workers(bot, clock, rota=False)
    young = bot.user(Y1, "en", "A")
    await open_chat(young, catalogs)
    assert "112" in str(young.last_question().params["text"]), "nobody on duty yet"
    await young.tap(catalogs.text("en", Msg("chat.back_to_menu")))
    await aino.send("/desk")
    calls = await aino.tap(catalogs.text("fi", Msg("desk.go_on", {"service": SERVICE.name})))
    assert catalogs.text("fi", Msg("desk.go_off")) in aino.labels()
    await open_chat(young, catalogs)
    assert SERVICE.opening.en in str(young.last_question().params["text"])
    mark = len(bot.api.calls)
    await young.send("I need help with my own case")
    await flush(bot)
    assert catalogs.text("fi", Msg("desk.new_in_queue", {"service": SERVICE.name, "waiting": 1})) in texts_to(
        bot, W1, mark), "a worker on duty hears of a new chat at once"
    assert texts_to(bot, W2, mark) == "", "one not on duty does not"
    await aino.tap(catalogs.text("fi", Msg("desk.take", {"waiting": 1})))
    await aino.tap(catalogs.text("fi", Msg("desk.back")))
    calls = await aino.tap(catalogs.text("fi", Msg("desk.go_off")))
    assert catalogs.text("fi", Msg("desk.close_first")) in joined(calls)
    await aino.tap(label(catalogs, "chat.label", 1))
    calls = await aino.tap(catalogs.text("fi", Msg("desk.offer")))
    assert catalogs.text("fi", Msg("desk.offer_sent")) in joined(calls)
    assert catalogs.text("fi", Msg("staff.ask_nickname")) in joined(calls), "straight on to the invitation"
    mark = len(bot.api.calls)
    await flush(bot)
    offer = texts_to(bot, Y1, mark)
    assert "won't be linked to you" in offer and "Aino (sosiaaliohjaaja)" in offer
    await aino.send("Nuori")
    calls = await aino.tap(catalogs.text("fi", Msg("staff.no_pair")))
    link = re.search(r"https://t\.me/kaari_test_bot\?start=[0-9A-Z]+", joined(calls))
    assert link and catalogs.text("fi", Msg("flow.resume")) in joined(calls), "back in the chat"
    assert catalogs.text("fi", Msg("desk.close")) in aino.labels()
    await aino.send(link.group(0))
    mark = len(bot.api.calls)
    await flush(bot)
    assert link.group(0) in texts_to(bot, Y1, mark)
    async with bot.services.store.transaction() as work:
        assert await work.clients.by_user(user_key(bot.services.secret, "tg", Y1)) is None, "nothing linked yet"
    await aino.tap(catalogs.text("fi", Msg("desk.close")))
    await aino.tap(catalogs.text("fi", Msg("desk.close_yes")))
    calls = await aino.tap(catalogs.text("fi", Msg("desk.go_off")))
    assert catalogs.text("fi", Msg("desk.now_off")) in joined(calls)
    assert catalogs.text("fi", Msg("desk.go_on", {"service": SERVICE.name})) in aino.labels()
    await flush(bot)
    await young.tap(catalogs.text("en", Msg("chat.skip")))
    await open_chat(young, catalogs)
    assert "112" in str(young.last_question().params["text"]), "off duty: closed again"


async def test_statistics_and_their_csv(bot: Bot, clock: Clock, catalogs: Catalogs) -> None:
    from bot.admin import add_coordinator

    aino, _ = await add_workers(bot, clock)
    first, second = bot.user(Y1, "fi", "A"), bot.user(Y2, "fi", "B")
    for young in (first, second):
        await open_chat(young, catalogs)
        await young.send("Hei")
    clock.advance(minutes=4)
    await aino.send("/desk")
    await aino.tap(catalogs.text("fi", Msg("desk.take", {"waiting": 2})))
    await aino.tap(catalogs.text("fi", Msg("desk.close")))
    await aino.tap(catalogs.text("fi", Msg("desk.close_yes")))
    await flush(bot)
    await first.tap(catalogs.text("fi", Msg("chat.rate_4")))
    await first.tap(catalogs.text("fi", Msg("chat.skip")))
    await second.tap(catalogs.text("fi", Msg("chat.end")))

    await add_coordinator(bot.services, telegram_id=555000999, console_user=None, name="Kaisa",
                          title="koordinaattori", organisation="Oulunkaari", also_worker=False)
    kaisa = bot.user(555000999, "fi", "Kaisa")
    calls = await kaisa.send("/stats")
    summary = joined(calls)
    assert "4 min" in summary or "4,0 min" in summary
    document = next(c for c in calls if c.method == "sendDocument")
    rows = list(csv.DictReader(io.StringIO(document.files["document"].decode())))
    social = [row for row in rows if row["service"] == SERVICE.id]
    assert len(social) == 1
    assert social[0]["answered"] == "1" and social[0]["unanswered"] == "1"
    assert social[0]["wait_p50_min"] == "4.0" and social[0]["rating_avg"] == "4.0" and social[0]["workers"] == "2"
    assert "Hei" not in document.files["document"].decode()

    young = bot.user(Y1, "fi", "A")
    calls = await young.send("/stats")
    assert catalogs.text("fi", Msg("error.not_available")) in joined(calls)
    assert user_key(bot.services.secret, "tg", Y1) not in summary


async def test_a_voice_message_does_not_open_a_chat(bot: Bot, clock: Clock, catalogs: Catalogs) -> None:
    await add_workers(bot, clock)
    young = bot.user(Y1, "fi", "A")
    await open_chat(young, catalogs)
    calls = await young.send_voice()
    assert catalogs.text("fi", Msg("chat.cannot_pass")) in joined(calls)
    assert SERVICE.opening.fi in str(young.last_question().params["text"]), "still at the opening text"
    async with bot.services.store.transaction() as work:
        assert await work.chats.queued(SERVICE.id) == []
    calls = await young.send_sticker()
    assert catalogs.text("fi", Msg("chat.waiting", {"place": 1})) in joined(calls), "a sticker is a message"


async def test_crisis_words_while_waiting_are_announced_to_the_workers(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    await add_workers(bot, clock)
    first, second = bot.user(Y1, "fi", "A"), bot.user(Y2, "fi", "B")
    for young in (first, second):
        await open_chat(young, catalogs)
        await young.send("moi")
    mark = len(bot.api.calls)
    calls = await second.send("en jaksa elää enää")
    assert "112" in joined(calls)
    await flush(bot)
    assert catalogs.text("fi", Msg("desk.new_crisis_in_queue", {"service": SERVICE.name, "waiting": 2})) in (
        texts_to(bot, W1, mark))
    aino = bot.user(W1, "fi", "Aino")
    await aino.send("/desk")
    calls = await aino.tap(catalogs.text("fi", Msg("desk.take", {"waiting": 2})))
    assert "en jaksa elää enää" in joined(calls), "the crisis chat is taken first"


async def test_writing_after_the_worker_closed_says_it_did_not_reach_them(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    aino, young = await chatting(bot, clock, catalogs)
    await aino.tap(catalogs.text("fi", Msg("desk.close")))
    await aino.tap(catalogs.text("fi", Msg("desk.close_yes")))
    calls = await young.send("odota, vielä yksi asia")  # before the notice reached them
    assert catalogs.text("fi", Msg("chat.has_ended")) in joined(calls)
    assert catalogs.text("fi", Msg("chat.rate_5")) in young.labels()
    mark = len(bot.api.calls)
    await flush(bot)
    assert catalogs.text("fi", Msg("chat.has_ended")) not in texts_to(bot, Y1, mark), "the poke says it once"


async def test_a_refused_voice_message_is_not_reported_as_sent(bot: Bot, clock: Clock, catalogs: Catalogs) -> None:
    aino, _ = await chatting(bot, clock, catalogs)
    calls = await aino.send_voice()
    assert catalogs.text("fi", Msg("chat.cannot_pass")) in joined(calls)
    assert "✓" not in joined(calls)


async def test_two_coordinators_changing_the_schedule_at_once(bot: Bot, clock: Clock, catalogs: Catalogs) -> None:
    from bot.admin import add_coordinator

    for telegram_id, name in ((555000991, "Kaisa"), (555000992, "Kalle")):
        await add_coordinator(bot.services, telegram_id=telegram_id, console_user=None, name=name,
                              title="koordinaattori", organisation="Oulunkaari", also_worker=False)
    kaisa, kalle = bot.user(555000991, "fi", "Kaisa"), bot.user(555000992, "fi", "Kalle")
    wednesday = catalogs.text("fi", Msg("rota.edit_slot", {"slot": Msg("rota.slot_weekly", {
        "day": Msg("rota.day_wed"), "times": time_range(time(10), time(12))})}))
    await kaisa.send("/rota")
    await kaisa.tap(SERVICE.name.fi)
    await kaisa.tap(catalogs.text("fi", Msg("rota.add_weekly")))
    await kaisa.send("ke 10-12")
    await kalle.send("/rota")
    await kalle.tap(SERVICE.name.fi)
    await kalle.tap(wednesday)
    await kaisa.tap(wednesday)
    await kaisa.tap(catalogs.text("fi", Msg("rota.drop_weekly")))
    calls = await kalle.tap(catalogs.text("fi", Msg("rota.drop_weekly")))
    assert catalogs.text("fi", Msg("rota.changed")) in joined(calls)
    assert wednesday not in kalle.labels()


async def test_a_burst_to_one_worker_does_not_hold_up_another_chat(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    from bot.telegram_app import pusher
    from bot.ticker import PER_PERSON, deliver_due

    aino, bea = await add_workers(bot, clock)
    first, second = bot.user(Y1, "fi", "A"), bot.user(Y2, "fi", "B")
    for young, worker in ((first, aino), (second, bea)):
        await open_chat(young, catalogs)
        await young.send("hei")
        await worker.send("/desk")
        await worker.tap(next(label for label in worker.labels() if "➡️" in label))
    await flush(bot)
    for _ in range(10):
        await first.send_sticker()
    await second.send("kysymys")
    mark = len(bot.api.calls)
    push, link = pusher(bot.application)
    await deliver_due(bot.services, push, link)  # one round
    assert "kysymys" in texts_to(bot, W2, mark), "the other chat's message went in the first round"
    assert len([c for c in bot.api.calls[mark:] if c.method == "sendSticker"]) == PER_PERSON
    await flush(bot)
    assert len([c for c in bot.api.calls[mark:] if c.method == "sendSticker"]) == 10, "the rest follow, in order"


async def test_a_swipe_reply_answers_the_chat_it_replies_to(bot: Bot, clock: Clock, catalogs: Catalogs) -> None:
    aino, _ = await add_workers(bot, clock)
    first, second = bot.user(Y1, "fi", "A"), bot.user(Y2, "fi", "B")
    for young in (first, second):
        await open_chat(young, catalogs)
        await young.send("hei")
    await aino.send("/desk")
    await aino.tap(catalogs.text("fi", Msg("desk.take", {"waiting": 2})))
    await aino.tap(catalogs.text("fi", Msg("desk.back")))
    await aino.tap(catalogs.text("fi", Msg("desk.take", {"waiting": 1})))
    await flush(bot)  # Aino is now in chat #2
    await first.send("kysymys ykköseltä")
    await flush(bot)
    pushed = next(c for c in reversed(bot.api.calls) if c.params.get("chat_id") == W1
                  and "kysymys ykköseltä" in str(c.params.get("text", "")))
    calls = await aino.send("vastaus ykköselle", reply_to=pushed)
    assert catalogs.text("fi", Msg("desk.sent", {"chat": Msg("chat.label", {"number": 1})})) in joined(calls)
    mark = len(bot.api.calls)
    await flush(bot)
    assert "vastaus ykköselle" in texts_to(bot, Y1, mark) and texts_to(bot, Y2, mark) == ""


async def two_chats_with_aino(bot: Bot, clock: Clock, catalogs: Catalogs, second_says: list[str]) -> tuple[
        TgUser, TgUser, TgUser, list[Call]]:
    """Two young people write; Aino takes chat #1, then chat #2 (whose transcript is returned, as sent)."""
    aino, _ = await add_workers(bot, clock)
    first, second = bot.user(Y1, "fi", "A"), bot.user(Y2, "fi", "B")
    await open_chat(first, catalogs)
    await first.send("hei")
    await open_chat(second, catalogs)
    for text in second_says:
        await second.send(text)
    await aino.send("/desk")
    await aino.tap(catalogs.text("fi", Msg("desk.take", {"waiting": 2})))
    await aino.tap(catalogs.text("fi", Msg("desk.back")))
    transcript = await aino.tap(catalogs.text("fi", Msg("desk.take", {"waiting": 1})))
    await flush(bot)
    return aino, first, second, [c for c in transcript if c.method == "sendMessage" and c.params["chat_id"] == W1]


async def test_a_young_persons_words_that_look_like_a_chat_label_do_not_route_a_transcript_reply(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    """The attack of #9: chat #2's long messages split the transcript so that a piece starts with "#1"; the
    worker's swipe-reply to that piece still answers chat #2, from the message id the bot recorded."""
    bait = "#1 " + "sano tämä ykköselle " * 140
    aino, _, _, transcript = await two_chats_with_aino(bot, clock, catalogs, ["alku " * 500, bait])
    assert len(transcript) >= 2
    piece = next(c for c in transcript if "#1" in str(c.params["text"]).split("\n", 1)[0])
    await answer_reaches_chat_two(bot, catalogs, aino, piece)


async def answer_reaches_chat_two(bot: Bot, catalogs: Catalogs, aino: TgUser, replied: Call) -> None:
    """Aino swipe-replies to ``replied``: the desk says it went to chat #2, and only chat #2's young person gets it."""
    calls = await aino.send("vastaus kakkoselle", reply_to=replied)
    assert catalogs.text("fi", Msg("desk.sent", {"chat": Msg("chat.label", {"number": 2})})) in joined(calls)
    mark = len(bot.api.calls)
    await flush(bot)
    assert "vastaus kakkoselle" in texts_to(bot, Y2, mark) and texts_to(bot, Y1, mark) == ""


async def test_a_swipe_reply_to_a_pushed_piece_answers_the_chat_it_came_from_not_the_label_in_it(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    """The same through the ticker's pushes: chat #2's long message arrives in pieces while chat #1 is open."""
    aino, _, second, _ = await two_chats_with_aino(bot, clock, catalogs, ["hei"])
    await aino.tap(catalogs.text("fi", Msg("desk.back")))
    await aino.tap(catalogs.text("fi", Msg("chat.label", {"number": 1})))  # chat #1 is open now
    # Emoji count twice towards Telegram's limit: within the chat's own limit, but sent in two pieces.
    await second.send("😀" * 1500 + "\n\n#1 " + "sano tämä ykköselle " * 60)
    await flush(bot)
    pushed = [c for c in bot.api.calls if c.params.get("chat_id") == W1 and "sano tämä" in str(c.params.get("text"))]
    assert str(pushed[-1].params["text"]).startswith("#1 ")
    await answer_reaches_chat_two(bot, catalogs, aino, pushed[-1])


async def test_a_swipe_reply_to_a_message_the_bot_did_not_record_goes_to_the_open_chat(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    """Swipe-replying to an old menu message (nothing recorded about it) answers the chat that is open."""
    aino, _, _, _ = await two_chats_with_aino(bot, clock, catalogs, ["hei"])
    start = next(c for c in bot.api.calls if c.params.get("chat_id") == W1 and c.method == "sendMessage")
    calls = await aino.send("vastaus", reply_to=start)
    assert catalogs.text("fi", Msg("desk.sent", {"chat": Msg("chat.label", {"number": 2})})) in joined(calls)
    mark = len(bot.api.calls)
    await flush(bot)
    assert "vastaus" in texts_to(bot, Y2, mark) and texts_to(bot, Y1, mark) == ""


async def test_forget_erases_the_texts_of_closed_chats_too(
    bot: Bot, clock: Clock, catalogs: Catalogs, tmp_path: Path,
) -> None:
    _, young = await chatting(bot, clock, catalogs)
    await young.send("ensimmäinen salaisuus 111")
    await flush(bot)
    await young.tap(catalogs.text("fi", Msg("chat.end")))  # closed: no longer linked to them
    await flush(bot)
    await open_chat(young, catalogs)
    await young.send("toinen salaisuus 222")
    await flush(bot)
    async with bot.services.store.transaction() as work:
        first = await work.chats.get(1)
        assert first is not None and first.status == "closed" and first.user_key is None
        assert first.forget_tag is not None and user_key(bot.services.secret, "tg", Y1) not in first.forget_tag
    await young.send("/forget")
    await young.tap(catalogs.text("fi", Msg("forget.yes")))
    await flush(bot)
    async with bot.services.store.transaction() as work:
        assert await work.chats.messages(1) == [] and await work.chats.messages(2) == []
        first = await work.chats.get(1)
        assert first is not None and first.forget_tag is None, "nothing is left to tie it to anyone"
    for text in ("salaisuus 111", "salaisuus 222"):
        assert traces(tmp_path / "k.sqlite3", text, {"chat_messages"}) == [], text


async def test_statistics_count_the_workers_of_a_shift_who_have_gone_off_duty_since(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    from bot.admin import add_coordinator

    aino, bea = await add_workers(bot, clock)  # both on the running Friday slot
    young = bot.user(Y1, "fi", "A")
    await open_chat(young, catalogs)
    await young.send("Hei")
    clock.advance(minutes=10)
    await aino.send("/desk")
    await aino.tap(catalogs.text("fi", Msg("desk.take", {"waiting": 1})))
    await aino.tap(catalogs.text("fi", Msg("desk.close")))
    await aino.tap(catalogs.text("fi", Msg("desk.close_yes")))
    for worker in (aino, bea):  # the chat is done: both go home before the shift ends
        await worker.send("/desk")
        calls = await worker.tap(catalogs.text("fi", Msg("desk.go_off")))
        assert catalogs.text("fi", Msg("desk.now_off")) in joined(calls)

    await add_coordinator(bot.services, telegram_id=555000999, console_user=None, name="Kaisa",
                          title="koordinaattori", organisation="Oulunkaari", also_worker=False)
    calls = await bot.user(555000999, "fi", "Kaisa").send("/stats")
    document = next(c for c in calls if c.method == "sendDocument")
    rows = list(csv.DictReader(io.StringIO(document.files["document"].decode())))
    worked = [row for row in rows if row["service"] == SERVICE.id]
    assert [(row["workers"], row["answered"]) for row in worked] == [("2", "1")], "nobody on duty now, two were"
