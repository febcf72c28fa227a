"""The anonymous chat on shifts through the real Application, on a controlled clock: two workers, three young
people, a crisis message jumping the queue, relay both ways, transfer, close with a rating, the end of a shift
with a chat open, a message left out of hours and answered at the next shift, and what the database keeps."""

from __future__ import annotations

import itertools
import re
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.keys import user_key
from bot.ratelimit import ChatPacedRateLimiter
from bot.ticker import purge_idle, tick_shifts
from flows.chat import shifts
from flows.chat.quick_replies import load_quick_replies
from flows.chat.schedule import load_services
from flows.core.dates import HELSINKI, as_day, time_range
from flows.core.messages import Msg, Period
from storage.ports import RotaRow, StaffRow, UserRow
from tests.bot import harness
from tests.bot import rows as stored
from tests.bot.harness import Bot, TgUser, bot_settings, joined, said, start_bot
from tests.bot.identity.test_identity import deliver
from tests.conftest import TWO_SERVICES, Clock
from tests.flows.core.test_horizon import far_off


@pytest.fixture
def chat_services() -> Path:
    """This module's tests go by two chat services (a choice in /chat, a Tuesday slot): the test data file."""
    return TWO_SERVICES

W1, W2 = 555000111, 555000222
Y1, Y2, Y3 = 700000001, 700000002, 700000003
SERVICE = load_services(TWO_SERVICES)[0]  # the adult social work chat, Tue and Fri 12-14 (the test clock: Fri 12:00)


async def add_workers(bot: Bot, clock: Clock, rota: bool = True) -> tuple[TgUser, TgUser]:
    """Aino and Bea, workers on the Friday slot; each has opened the bot once (so they can be written to)."""
    async with bot.services.store.transaction() as work:
        for telegram_id, name, title in ((W1, "Aino Virtanen", "sosiaaliohjaaja"),
                                         (W2, "Bea Berg", "sosiaalityöntekijä")):
            key = user_key(bot.services.secret, "tg", telegram_id)
            await work.users.save(UserRow(key, "fi", clock.now, clock.now))
            staff_id = await work.staff.add(StaffRow(name, title, "Oulunkaari", False, True, clock.now, key))
            if rota:
                for slot in ("tue 12:00", "fri 12:00"):
                    await work.schedules.add_rota(RotaRow(SERVICE.id, slot, staff_id))
    aino, bea = bot.user(W1, "fi", "Aino"), bot.user(W2, "fi", "Bea")
    for worker in (aino, bea):
        await worker.send("/start")
    return aino, bea


async def flush(bot: Bot) -> None:
    """One ticker round: shifts start and end, and the outbox is sent."""
    await tick_shifts(bot.services)
    await deliver(bot)


def texts_to(bot: Bot, chat_id: int, since: int = 0) -> str:
    return "\n".join(str(c.params.get("text") or c.params.get("caption") or "")
                     for c in bot.api.calls[since:] if c.params.get("chat_id") == chat_id)


def label(catalogs: Catalogs, key: str, number: int) -> str:
    return catalogs.text("fi", Msg(key, {"number": number}))


async def open_chat(young: TgUser, catalogs: Catalogs) -> None:
    await young.send("/chat")
    await young.tap(SERVICE.name.get(young.language))


async def test_a_shift_with_two_workers_and_three_young_people(
    bot: Bot, clock: Clock, catalogs: Catalogs, tmp_path: Path,
) -> None:
    aino, bea = await add_workers(bot, clock)
    y1, y2, y3 = bot.user(Y1, "fi", "A"), bot.user(Y2, "fi", "B"), bot.user(Y3, "en", "C")

    # The opening text, the anonymity reminder, then the queue with a place in it.
    await open_chat(y1, catalogs)
    intro = str(y1.last_question().params["text"])
    assert SERVICE.opening.fi in intro and catalogs.text("fi", Msg("chat.back_to_menu")) in y1.labels()
    calls = await y1.send("Hei, kysyisin asumistuesta")
    assert catalogs.text("fi", Msg("chat.waiting", {"place": 1})) in joined(calls)
    await open_chat(y2, catalogs)
    calls = await y2.send("Moi")
    assert catalogs.text("fi", Msg("chat.waiting", {"place": 2})) in joined(calls)
    await open_chat(y3, catalogs)
    calls = await y3.send("I want to die")
    assert joined(calls).startswith(catalogs.text("en", Msg("crisis.signpost", {"contacts": ""})).split("\n")[0])
    assert catalogs.text("en", Msg("chat.waiting", {"place": 1})) in joined(calls), "a crisis goes first"

    # The shift starts: both workers are told how many are waiting.
    mark = len(bot.api.calls)
    await flush(bot)
    for worker in (W1, W2):
        assert catalogs.text("fi", Msg("shift.started", {
            "service": SERVICE.name, "when": Period(clock.now, clock.now + timedelta(hours=2)), "waiting": 3,
        })) in texts_to(bot, worker, mark)
        assert catalogs.text("fi", Msg("desk.new_crisis_in_queue", {"service": SERVICE.name, "waiting": 3})) in (
            texts_to(bot, worker, mark)), "on duty from the rota: told of each new chat, the crisis flagged"

    # Aino takes the first chat: the crisis one, with everything written so far.
    await aino.send("/desk")
    assert catalogs.text("fi", Msg("desk.take", {"waiting": 3})) in aino.labels()
    calls = await aino.tap(catalogs.text("fi", Msg("desk.take", {"waiting": 3})))
    assert label(catalogs, "chat.label_crisis", 3) in joined(calls) and "I want to die" in joined(calls)
    mark = len(bot.api.calls)
    await flush(bot)
    taken = catalogs.text("en", Msg("chat.taken", {"who": Msg("chat.worker_named", {
        "name": "Aino", "title": "sosiaaliohjaaja"})}))
    assert taken in texts_to(bot, Y3, mark)
    assert catalogs.text("en", Msg("chat.end")) in y3.labels(), "the poke shows the chat with its button"

    # Bea takes the next: the oldest of the others.
    await bea.send("/desk")
    calls = await bea.tap(catalogs.text("fi", Msg("desk.take", {"waiting": 2})))
    assert "Hei, kysyisin asumistuesta" in joined(calls)

    # Relay both ways: silently for the young person, with a short "sent to Chat 3" for the worker, who may
    # have several chats open; pictures and stickers too, other things politely refused.
    mark = len(bot.api.calls)
    assert await y3.send("thanks for answering") == [], "a chat message gets no reply of its own"
    calls = await aino.send("Hei! Olen tässä. Miten voin auttaa?")
    assert joined(calls) == catalogs.text("fi", Msg("desk.sent", {"chat": Msg("chat.label_crisis", {"number": 3})}))
    await y3.send_photo("photo-from-y3", caption="this is my letter")
    await y3.send_sticker()
    calls = await y3.send_voice()
    assert catalogs.text("en", Msg("chat.cannot_pass")) in joined(calls)
    await aino.send_sticker()
    mark_pushes = len(bot.api.calls)
    await flush(bot)
    to_aino = [c for c in bot.api.calls[mark_pushes:] if c.params.get("chat_id") == W1]
    assert "thanks for answering" in str(to_aino[0].params["text"])
    assert label(catalogs, "chat.label_crisis", 3) in str(to_aino[0].params["text"])
    assert [c.method for c in to_aino] == ["sendMessage", "sendPhoto", "sendMessage", "sendMessage", "sendSticker"]
    assert to_aino[1].params["photo"] == "photo-from-y3" and "this is my letter" in str(to_aino[2].params["text"])
    assert to_aino[4].params["sticker"] == "s1"
    to_y3 = [c for c in bot.api.calls[mark_pushes:] if c.params.get("chat_id") == Y3]
    assert "Aino (sosiaaliohjaaja):\nHei! Olen tässä." in str(to_y3[0].params["text"]), "role and first name"
    assert [c.method for c in to_y3] == ["sendMessage", "sendMessage", "sendSticker"]

    # A quick reply arrives in the young person's own language.
    await aino.tap(catalogs.text("fi", Msg("desk.quick")))
    crisis_reply = next(reply for reply in load_quick_replies() if reply.id == "crisis")
    await aino.tap(crisis_reply.title.fi)
    mark = len(bot.api.calls)
    await flush(bot)
    assert crisis_reply.text.en in texts_to(bot, Y3, mark)

    # Transfer to Bea: both sides are told; Bea sees the chat so far.
    await aino.tap(catalogs.text("fi", Msg("desk.transfer")))
    calls = await aino.tap(catalogs.text("fi", Msg("desk.worker", {"name": "Bea Berg"})))
    assert catalogs.text("fi", Msg("desk.transferred", {
        "chat": Msg("chat.label_crisis", {"number": 3}), "to": "Bea Berg"})) in joined(calls)
    mark = len(bot.api.calls)
    await flush(bot)
    assert label(catalogs, "chat.label_crisis", 3) in texts_to(bot, W2, mark)
    assert "Bea (sosiaalityöntekijä)" in texts_to(bot, Y3, mark)
    await bea.send("/desk")
    calls = await bea.tap(label(catalogs, "chat.label_crisis", 3))
    assert "Hei! Olen tässä." in joined(calls) and "thanks for answering" in joined(calls)

    # Bea closes it: the young person is asked for a rating at once, and can comment.
    await bea.tap(catalogs.text("fi", Msg("desk.close")))
    await bea.tap(catalogs.text("fi", Msg("desk.close_yes")))
    mark = len(bot.api.calls)
    await flush(bot)
    assert catalogs.text("en", Msg("chat.closed_by_worker")) in texts_to(bot, Y3, mark)
    assert catalogs.text("en", Msg("chat.rate_5")) in y3.labels()
    await y3.tap(catalogs.text("en", Msg("chat.rate_5")))
    calls = await y3.send("Very helpful, thank you 🙏")
    assert catalogs.text("en", Msg("chat.thanks")) in joined(calls)

    # Y2 gives up waiting: out of the queue, counted as unanswered.
    calls = await y2.tap(catalogs.text("fi", Msg("chat.end")))
    assert catalogs.text("fi", Msg("chat.left_queue")) in joined(calls)

    # 14:00: the shift ends with Bea's chat with Y1 still open. Bea is asked to close or hand over; Y1 is told
    # the worker will finish; Bea hands it to the next shift and Y1 learns when that is.
    clock.advance(hours=2)
    mark = len(bot.api.calls)
    await flush(bot)
    assert catalogs.text("fi", Msg("chat.shift_ending")) in texts_to(bot, Y1, mark)
    assert catalogs.text("fi", Msg("shift.ended_open", {"service": SERVICE.name, "count": 1, "waiting": 0})) in (
        texts_to(bot, W2, mark))
    assert label(catalogs, "chat.label", 1) in bea.labels(), "the poke shows the desk with the open chat"
    await bea.tap(label(catalogs, "chat.label", 1))
    await bea.tap(catalogs.text("fi", Msg("desk.next_shift")))
    mark = len(bot.api.calls)
    await flush(bot)
    assert "ti 24.11. klo 12.00–14.00" in texts_to(bot, Y1, mark)

    # The statistics: one shift, two answered chats, one unanswered, one rating of 5.
    async with bot.services.store.transaction() as work:
        chats = await work.chats.opened_between(clock.now - timedelta(days=1), clock.now)
        rows = {chat.id: chat for chat in chats}
    assert rows[3].rating == 5 and rows[3].crisis and rows[3].user_key is None
    assert rows[2].status == "closed" and rows[2].taken_at is None
    assert rows[1].status == "queued" and rows[1].left

    # No raw Telegram id anywhere; after the retention time, no message text either.
    db = tmp_path / "k.sqlite3"
    assert_no_raw_ids(db, (W1, W2, Y1, Y2, Y3))
    assert "thanks for answering" in str(stored.table(db, "chat_messages"))
    clock.advance(days=8)
    await y1.send("/chat")  # Y1's chat is still waiting: its texts stay
    await y1.tap(catalogs.text("fi", Msg("chat.end")))
    clock.advance(days=8)
    await purge_idle(bot.services)
    for text in (b"thanks for answering", b"Olen t", b"Very helpful", b"this is my letter", b"kysyisin"):
        for table in ("chat_messages", "chats", "outbox"):
            for row in stored.table(db, table):
                assert text.decode() not in repr(row), (table, row)
        if not harness.DATABASE_URL:  # SQLite's file (secure_delete); PostgreSQL's are the server's: see rows.py
            assert text not in db.read_bytes() + wal(db), text


def wal(db: Path) -> bytes:
    path = db.with_name(db.name + "-wal")
    return path.read_bytes() if path.exists() else b""


def assert_no_raw_ids(db: Path, ids: tuple[int, ...]) -> None:
    """No raw Telegram id in any row; on SQLite, not in the file's bytes either (free pages, the log)."""
    for table in stored.tables(db):
        for row in stored.table(db, table):
            for value in row.values():
                assert not any(value == raw or str(raw) in str(value) for raw in ids), (table, row)
    if harness.DATABASE_URL:
        return
    raw = db.read_bytes() + wal(db)
    for telegram_id in ids:
        assert str(telegram_id).encode() not in raw
        for size in (6, 8):
            assert telegram_id.to_bytes(size, "big") not in raw
            assert telegram_id.to_bytes(size, "little") not in raw


async def test_out_of_hours_a_left_message_is_answered_at_the_next_shift(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    aino, _ = await add_workers(bot, clock)
    young = bot.user(Y1, "fi", "A")
    start = len(bot.api.calls)
    clock.advance(days=1)  # Saturday: closed
    await open_chat(young, catalogs)
    closed = str(young.last_question().params["text"])
    assert "112" in closed and "ti 24.11. klo 12.00–14.00" in closed and "Sekasin" in closed
    calls = await young.send("Voiko asumistukea hakea jälkikäteen?")
    assert catalogs.text("fi", Msg("chat.left", {"when": "ti 24.11. klo 12.00–14.00"})).split("(")[0] in joined(calls)
    assert catalogs.text("fi", Msg("chat.end")) in young.labels()
    await flush(bot)
    assert texts_to(bot, W1, start) == "", "nobody is on shift: nobody is told yet"

    # Tuesday 12:00: the next shift starts with the message waiting, Aino answers it here.
    clock.now = clock.now.replace(day=24, hour=10, minute=0)
    await flush(bot)
    assert catalogs.text("fi", Msg("shift.started", {"service": SERVICE.name, "when": "x", "waiting": 1})).split(
        ",")[0] in texts_to(bot, W1)
    await aino.send("/desk")
    calls = await aino.tap(catalogs.text("fi", Msg("desk.take", {"waiting": 1})))
    assert "Voiko asumistukea hakea jälkikäteen?" in joined(calls)
    await aino.send("Voi, kolmen kuukauden ajalta. Hae kela.fi:ssä.")
    mark = len(bot.api.calls)
    await flush(bot)
    assert "kolmen kuukauden ajalta" in texts_to(bot, Y1, mark)
    await young.send("kiitos!")
    await flush(bot)
    assert "kiitos!" in texts_to(bot, W1, mark)


async def test_the_rota_closed_days_and_extra_openings_are_set_in_telegram(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    from bot.admin import add_coordinator

    await add_workers(bot, clock, rota=False)
    await add_coordinator(bot.services, telegram_id=555000999, console_user=None, name="Kaisa",
                          title="koordinaattori", organisation="Oulunkaari", also_worker=False)
    kaisa = bot.user(555000999, "fi", "Kaisa")
    await flush(bot)  # a ticker round first: today's shift has started (with nobody on it) before the change
    await kaisa.send("/rota")
    await kaisa.tap(SERVICE.name.fi)
    friday = catalogs.text("fi", Msg("rota.edit_slot", {"slot": Msg("rota.slot_weekly", {
        "day": Msg("rota.day_fri"), "times": time_range(time(12), time(14))})}))
    await kaisa.tap(friday)
    calls = await kaisa.tap(catalogs.text("fi", Msg("rota.worker_off", {"name": "Aino Virtanen"})))
    assert catalogs.text("fi", Msg("rota.worker_on", {"name": "Aino Virtanen"})) in kaisa.labels()
    await kaisa.tap(catalogs.text("fi", Msg("rota.back")))
    assert "Aino Virtanen" in str(kaisa.last_question().params["text"])

    # Aino is now on duty at once, though the shift had started, so the chat is open for a young person.
    young = bot.user(Y1, "fi", "A")
    await open_chat(young, catalogs)
    assert SERVICE.opening.fi in str(young.last_question().params["text"])
    await young.tap(catalogs.text("fi", Msg("chat.back_to_menu")))

    # Today is closed after all (a sudden sick leave, say): the chat is closed.
    await kaisa.tap(catalogs.text("fi", Msg("rota.close_day")))
    calls = await kaisa.send("tomorrow")
    assert said(catalogs, "rota.bad_day", joined(calls), ("fi",))
    calls = await kaisa.send("31.12.9999")
    assert catalogs.text("fi", far_off(clock)) in joined(calls), "beyond two years: the last day is named"
    await kaisa.send("20.11.2026")
    young2 = bot.user(Y2, "fi", "B")
    await open_chat(young2, catalogs)
    assert "112" in str(young2.last_question().params["text"])

    # An extra opening on Saturday 10-12, with Aino on it.
    await kaisa.tap(catalogs.text("fi", Msg("rota.add_slot")))
    calls = await kaisa.send("31.12.9999 10-12")
    assert catalogs.text("fi", far_off(clock)) in joined(calls)
    calls = await kaisa.send("21.11. 10-12")
    added = Msg("rota.slot_added", {"date": as_day(date(2026, 11, 21)), "times": time_range(time(10), time(12))})
    assert catalogs.text("fi", added) in joined(calls), "the bot's date style"
    saturday = Period(datetime(2026, 11, 21, 10, tzinfo=HELSINKI), datetime(2026, 11, 21, 12, tzinfo=HELSINKI))
    await kaisa.tap(catalogs.text("fi", Msg("rota.edit_slot", {"slot": saturday})))
    await kaisa.tap(catalogs.text("fi", Msg("rota.worker_off", {"name": "Aino Virtanen"})))
    clock.now = clock.now.replace(day=21, hour=8, minute=30)  # Saturday 10:30 in Helsinki
    await flush(bot)
    assert catalogs.text("fi", Msg("chat.back_to_menu")) in young2.labels()
    await young2.send("/chat")
    await young2.tap(SERVICE.name.fi)
    assert SERVICE.opening.fi in str(young2.last_question().params["text"])

    # The weekly schedule itself: Friday's slot off, a Thursday slot on, with Aino on it.
    clock.now = clock.now.replace(day=20, hour=9, minute=0)
    await kaisa.send("/rota")
    await kaisa.tap(SERVICE.name.fi)
    await kaisa.tap(friday)
    calls = await kaisa.tap(catalogs.text("fi", Msg("rota.drop_weekly")))
    assert catalogs.text("fi", Msg("rota.weekly_removed")) in joined(calls)
    assert friday not in kaisa.labels()
    await kaisa.tap(catalogs.text("fi", Msg("rota.add_weekly")))
    calls = await kaisa.send("torstaina kahdelta")
    assert catalogs.text("fi", Msg("rota.bad_weekly")) in joined(calls)
    await kaisa.send("to 12-14")
    thursday = catalogs.text("fi", Msg("rota.edit_slot", {"slot": Msg("rota.slot_weekly", {
        "day": Msg("rota.day_thu"), "times": time_range(time(12), time(14))})}))
    await kaisa.tap(thursday)
    await kaisa.tap(catalogs.text("fi", Msg("rota.worker_off", {"name": "Aino Virtanen"})))
    async with bot.services.store.transaction() as work:
        shift = await shifts.current_shift(work, SERVICE, clock.now.replace(day=26, hour=10, minute=30))
        assert shift is not None and [s.name for s in await shifts.on_duty(work, shift, SERVICE)] == ["Aino Virtanen"]
        assert await shifts.current_shift(work, SERVICE, clock.now.replace(day=27, hour=10, minute=30)) is None
        actions = [row.action for row in await work.audit.recent(30)]
    assert {"schedule.extra_slot", "rota.add", "schedule.closed_day", "schedule.weekly_removed",
            "schedule.weekly_added"} <= set(actions)


async def test_ten_chats_at_once_stay_in_order_and_paced(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    """Ten young people write three messages each while their chats are open; the worker answers each three
    times. Every chat gets its messages in order, spaced by the per-chat interval (measured where the fake API
    receives them, so a little scheduling jitter after the limiter is allowed: a fifth of the interval, 20 ms.
    With a tenth of 50 ms it failed once under the two-process suite's load; unpaced, the gaps are about 1 ms)."""
    interval = 0.1
    jitter = 0.8
    limiter = ChatPacedRateLimiter(overall_per_second=0, chat_interval=0, chat_burst=1)  # paced where measured
    bot = await start_bot(bot_settings(tmp_path / "k.sqlite3", chat_services=TWO_SERVICES), clock, catalogs, drawer,
                          rate_limiter=limiter)
    try:
        aino, _ = await add_workers(bot, clock)
        young = [bot.user(800000000 + n, "fi", f"Y{n}") for n in range(10)]
        for person in young:
            await open_chat(person, catalogs)
            await person.send("alku")
        await aino.send("/desk")
        for remaining in range(10, 0, -1):
            await aino.tap(catalogs.text("fi", Msg("desk.take", {"waiting": remaining})))
            await aino.tap(catalogs.text("fi", Msg("desk.back")))
        await flush(bot)
        mark = len(bot.api.calls)
        for round_ in range(3):
            for number, person in enumerate(young, start=1):
                await person.send(f"y{number}-{round_}")
                await aino.tap(label(catalogs, "chat.label", number))
                await aino.send(f"w{number}-{round_}")
                await aino.tap(catalogs.text("fi", Msg("desk.back")))
        limiter.interval = interval
        await deliver(bot)
        sent = [c for c in bot.api.calls[mark:] if c.method == "sendMessage"]
        for number, person in enumerate(young, start=1):
            mine = [c for c in sent if c.params["chat_id"] == person.id]
            assert [re.findall(r"w\d+-\d", str(c.params["text"])) for c in mine] == [
                [f"w{number}-{r}"] for r in range(3)]
            gaps = [b.at - a.at for a, b in itertools.pairwise(mine)]
            assert all(gap >= interval * jitter for gap in gaps), gaps
        to_aino = [c for c in sent if c.params["chat_id"] == W1 and re.match(r"Chat #\d+:\n", str(c.params["text"]))]
        for number in range(1, 11):
            seen = [m for c in to_aino for m in re.findall(rf"\by{number}-\d", str(c.params["text"]))]
            assert seen == [f"y{number}-{r}" for r in range(3)]
        pushes = [c for c in to_aino if c.params["chat_id"] == W1]
        gaps = [b.at - a.at for a, b in itertools.pairwise(pushes)]
        assert all(gap >= interval * jitter for gap in gaps), gaps
    finally:
        await bot.stop()


async def test_out_of_hours_the_desk_shows_the_left_messages_and_the_way_to_answer_them_now(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    """Sunday afternoon, a message left, nobody on the rota: a worker is told what waits and to ask a
    coordinator; a coordinator who also works the chat opens the schedule from the desk, adds an opening that
    starts now with themselves on it, is back at the desk on duty, and answers the message."""
    from bot.admin import add_coordinator

    aino, _ = await add_workers(bot, clock, rota=False)
    await add_coordinator(bot.services, telegram_id=555000999, console_user=None, name="Kaisa",
                          title="koordinaattori", organisation="Oulunkaari", also_worker=True)
    kaisa = bot.user(555000999, "fi", "Kaisa")
    clock.advance(days=2, minutes=131)  # Sunday 22.11. 14.11 in Helsinki: closed
    young = bot.user(Y1, "fi", "A")
    await open_chat(young, catalogs)
    await young.send("Saako asumistukea opiskelija-asuntoon?")

    await aino.send("/desk")
    desk = str(aino.last_question().params["text"])
    assert said(catalogs, "desk.off_duty", desk, ("fi",)) and said(catalogs, "desk.no_shifts", desk, ("fi",))
    assert catalogs.text("fi", Msg("desk.left_waiting", {"count": 1})) in desk
    assert said(catalogs, "desk.answer_now_ask", desk, ("fi",))
    assert catalogs.text("fi", Msg("desk.open_rota")) not in aino.labels(), "the schedule is the coordinator's"

    await kaisa.send("/desk")
    assert said(catalogs, "desk.answer_now_plan", kaisa.last_question(), ("fi",))
    await kaisa.tap(catalogs.text("fi", Msg("desk.open_rota")))
    await kaisa.tap(SERVICE.name.fi)
    await kaisa.tap(catalogs.text("fi", Msg("rota.add_slot")))
    await kaisa.send("22.11. klo 14.00–16.00")
    sunday = Period(datetime(2026, 11, 22, 14, tzinfo=HELSINKI), datetime(2026, 11, 22, 16, tzinfo=HELSINKI))
    await kaisa.tap(catalogs.text("fi", Msg("rota.edit_slot", {"slot": sunday})))
    await kaisa.tap(catalogs.text("fi", Msg("rota.worker_off", {"name": "Kaisa"})))
    await kaisa.tap(catalogs.text("fi", Msg("rota.back")))
    await kaisa.tap(catalogs.text("fi", Msg("rota.back")))
    calls = await kaisa.tap(catalogs.text("fi", Msg("rota.done")))
    assert said(catalogs, "desk.on_duty", joined(calls), ("fi",)), "back at the desk, on duty"
    assert not said(catalogs, "flow.resume", joined(calls)), "a desk is looked at, not 'continued where you left off'"
    calls = await kaisa.tap(catalogs.text("fi", Msg("desk.take", {"waiting": 1})))
    assert "Saako asumistukea opiskelija-asuntoon?" in joined(calls)
