"""The schedule, the desk and /hours agree, through the real Application on a controlled clock (Friday 12:00,
the adult social work chat's slot): /hours goes by the same schedule and duty as /chat, a rota change on the
running slot takes effect at once, the last worker going off duty is warned and the waiting are told, and a
young person's sealed chat id goes as soon as the chat they ended has nothing more to send them."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from bot.i18n import Catalogs
from bot.keys import user_key
from flows.core.dates import time_range
from flows.core.messages import Msg
from storage.ports import ClosingRow
from tests.bot.chat.test_shift_chat import SERVICE, W1, Y1, Y2, add_workers, flush, open_chat, texts_to
from tests.bot.harness import Bot, TgUser, joined
from tests.conftest import TWO_SERVICES, Clock


@pytest.fixture
def chat_services() -> Path:
    """This module's tests go by two chat services (a choice in /chat, a Tuesday slot): the test data file."""
    return TWO_SERVICES

KAISA = 555000999


def headline(catalogs: Catalogs, key: str) -> str:
    """The first line of a service's block in /hours (its name and whether it answers now), in Finnish."""
    return catalogs.text("fi", Msg(key, {"name": SERVICE.name, "opening": "", "slots": ""})).split("\n")[0]


async def coordinator(bot: Bot) -> TgUser:
    from bot.admin import add_coordinator

    await add_coordinator(bot.services, telegram_id=KAISA, console_user=None, name="Kaisa",
                          title="koordinaattori", organisation="Oulunkaari", also_worker=False)
    return bot.user(KAISA, "fi", "Kaisa")


async def toggle_friday(kaisa: TgUser, catalogs: Catalogs, name: str, on: bool) -> list[object]:
    """Kaisa puts a worker on (or takes them off) the Friday 12-14 slot in /rota."""
    await kaisa.send("/rota")
    await kaisa.tap(SERVICE.name.fi)
    await kaisa.tap(catalogs.text("fi", Msg("rota.edit_slot", {"slot": Msg("rota.slot_weekly", {
        "day": Msg("rota.day_fri"), "times": time_range(time(12), time(14))})})))
    key = "rota.worker_off" if on else "rota.worker_on"
    return list(await kaisa.tap(catalogs.text("fi", Msg(key, {"name": name}))))


async def test_hours_goes_by_the_coordinators_changes_and_by_who_is_on_duty(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    await add_workers(bot, clock, rota=False)
    async with bot.services.store.transaction() as work:
        await work.schedules.add_closing(ClosingRow(SERVICE.id, date(2026, 11, 24), True))  # Tuesday closed
        await work.schedules.add_closing(ClosingRow(SERVICE.id, date(2026, 11, 21), False, time(10), time(12)))
    young = bot.user(Y1, "fi", "A")
    await young.send("/start")

    # Friday 12:00 is in the schedule, but nobody is on duty: /hours and /chat both say nobody answers now.
    text = joined(await young.send("/hours"))
    assert headline(catalogs, "hours.service_unstaffed") in text, text
    assert headline(catalogs, "hours.service_open") not in text
    assert "la 21.11. klo 10.00–12.00" in text, "an extra opening made in /rota"
    assert "ti 24.11." not in text, "a day closed in /rota"
    assert "pe 20.11." not in text, "the running slot helps nobody while nobody is on duty"
    await open_chat(young, catalogs)
    closed = str(young.last_question().params["text"])
    assert "112" in closed and "la 21.11. klo 10.00–12.00" in closed, "/chat names the same next opening"
    await young.tap(catalogs.text("fi", Msg("chat.back_to_menu")))

    # A worker goes on duty: both say open now.
    aino = bot.user(W1, "fi", "Aino")
    await aino.send("/desk")
    await aino.tap(catalogs.text("fi", Msg("desk.go_on", {"service": SERVICE.name})))
    text = joined(await young.send("/hours"))
    assert headline(catalogs, "hours.service_open") in text and "pe 20.11. klo 12.00–14.00" in text, text
    await open_chat(young, catalogs)
    assert SERVICE.opening.fi in str(young.last_question().params["text"])


async def test_a_worker_put_on_the_running_slot_is_on_duty_at_once(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    await add_workers(bot, clock, rota=False)
    kaisa = await coordinator(bot)
    await flush(bot)  # the ticker has already started today's shift, with nobody on it
    mark = len(bot.api.calls)
    await toggle_friday(kaisa, catalogs, "Aino Virtanen", on=True)
    await flush(bot)
    assert catalogs.text("fi", Msg("shift.started", {"service": SERVICE.name, "when": "x", "waiting": 0})).split(
        ",")[0] in texts_to(bot, W1, mark), "told at once that the shift is theirs"
    aino = bot.user(W1, "fi", "Aino")
    await aino.send("/desk")
    assert catalogs.text("fi", Msg("desk.go_off")) in aino.labels(), "on duty, not 'next shift: today'"
    young = bot.user(Y1, "fi", "A")
    await open_chat(young, catalogs)
    assert SERVICE.opening.fi in str(young.last_question().params["text"]), "the chat is open"
    await young.send("Moi")

    # Taken off again while someone waits and nobody else is on duty: Aino is off and told; the waiting hear.
    mark = len(bot.api.calls)
    await toggle_friday(kaisa, catalogs, "Aino Virtanen", on=False)
    await flush(bot)
    assert catalogs.text("fi", Msg("shift.off_rota", {"service": SERVICE.name})) in texts_to(bot, W1, mark)
    assert "112" in texts_to(bot, Y1, mark), "the waiting one is shown where to turn now"
    await aino.send("/desk")
    assert catalogs.text("fi", Msg("desk.go_on", {"service": SERVICE.name})) in aino.labels()


async def test_taken_off_the_running_slot_with_a_chat_open_stays_on_duty(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    aino, _ = await add_workers(bot, clock)
    kaisa = await coordinator(bot)
    await flush(bot)
    young = bot.user(Y1, "fi", "A")
    await open_chat(young, catalogs)
    await young.send("Hei")
    await aino.send("/desk")
    await aino.tap(catalogs.text("fi", Msg("desk.take", {"waiting": 1})))
    mark = len(bot.api.calls)
    await toggle_friday(kaisa, catalogs, "Aino Virtanen", on=False)
    await flush(bot)
    assert catalogs.text("fi", Msg("shift.off_rota_chats_open", {"service": SERVICE.name})) in texts_to(
        bot, W1, mark)
    mark = len(bot.api.calls)
    await young.send("oletko siellä?")
    await flush(bot)
    assert "oletko siellä?" in texts_to(bot, W1, mark), "the open chat goes on"


async def test_the_last_worker_going_off_is_warned_and_the_waiting_are_told(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    aino, bea = await add_workers(bot, clock)
    await flush(bot)
    young = bot.user(Y1, "fi", "A")
    await open_chat(young, catalogs)
    calls = await young.send("Tarvitsen apua vuokran kanssa")
    assert catalogs.text("fi", Msg("chat.waiting", {"place": 1})) in joined(calls)

    # Bea is not the last one: she goes off at once, and the young person is not bothered.
    mark = len(bot.api.calls)
    await bea.send("/desk")
    calls = await bea.tap(catalogs.text("fi", Msg("desk.go_off")))
    assert catalogs.text("fi", Msg("desk.now_off")) in joined(calls)
    await flush(bot)
    assert texts_to(bot, Y1, mark) == ""

    # Aino is: she is asked first, with the number waiting; "no" keeps her on duty.
    await aino.send("/desk")
    calls = await aino.tap(catalogs.text("fi", Msg("desk.go_off")))
    assert catalogs.text("fi", Msg("desk.confirm_off", {"waiting": 1})) in joined(calls)
    await aino.tap(catalogs.text("fi", Msg("desk.off_no")))
    assert catalogs.text("fi", Msg("desk.take", {"waiting": 1})) in aino.labels()
    await aino.tap(catalogs.text("fi", Msg("desk.go_off")))
    calls = await aino.tap(catalogs.text("fi", Msg("desk.off_yes")))
    assert catalogs.text("fi", Msg("desk.now_off")) in joined(calls)
    assert "ti 24.11. klo 12.00–14.00" in joined(calls) and "pe 20.11." not in joined(calls), (
        "her next shift is a later one: the running one has its own 'go on duty' button")
    assert catalogs.text("fi", Msg("desk.go_on", {"service": SERVICE.name})) in aino.labels()

    # The young person is told at once: the next opening, where to turn now, their message kept.
    mark = len(bot.api.calls)
    await flush(bot)
    told = texts_to(bot, Y1, mark)
    assert "ti 24.11. klo 12.00–14.00" in told and "112" in told and "Sekasin" in told, told
    first_line = catalogs.text("fi", Msg("chat.nobody_on_duty", {
        "service": SERVICE.name, "when": "", "places": "", "open_now": ""})).split(".")[0]
    assert first_line in told
    assert catalogs.text("fi", Msg("chat.end")) in young.labels(), "still in the chat, the message waiting"
    assert await young.send("ok, odotan") == []
    async with bot.services.store.transaction() as work:
        chat = await work.chats.active_for_user(user_key(bot.services.secret, "tg", Y1))
        assert chat is not None and chat.status == "queued"
        assert [m.body for m in await work.chats.messages(chat.id or 0)] == [
            "Tarvitsen apua vuokran kanssa", "ok, odotan"]


async def test_the_chat_id_goes_when_the_young_person_ends_the_chat(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    aino, _ = await add_workers(bot, clock)
    key = user_key(bot.services.secret, "tg", Y1)
    for number, telegram_id in enumerate((Y1, Y2), start=1):
        young = bot.user(telegram_id, "fi", "A")
        await open_chat(young, catalogs)
        await young.send("Hei")
        await aino.send("/desk")
        await aino.tap(catalogs.text("fi", Msg("desk.take", {"waiting": 1})))
        await aino.send("Moi, miten voin auttaa?")
        await aino.tap(catalogs.text("fi", Msg("desk.back")))
        if number == 1:
            await flush(bot)  # the answer reached Y1 before they end the chat
    y1, y2 = bot.user(Y1, "fi", "A"), bot.user(Y2, "fi", "B")
    await y1.tap(catalogs.text("fi", Msg("chat.end")))
    async with bot.services.store.transaction() as work:
        assert await work.contacts.get(key) is None, "nothing more to send: released at once"

    # Y2 ends the chat while the worker's answer is still on its way: it is sent, then the chat id goes.
    key2 = user_key(bot.services.secret, "tg", Y2)
    await y2.tap(catalogs.text("fi", Msg("chat.end")))
    async with bot.services.store.transaction() as work:
        assert await work.contacts.get(key2) is not None, "kept for the answer still to send"
    mark = len(bot.api.calls)
    await flush(bot)
    assert "Moi, miten voin auttaa?" in texts_to(bot, Y2, mark)
    async with bot.services.store.transaction() as work:
        assert await work.contacts.get(key2) is None
        assert await work.contacts.get(user_key(bot.services.secret, "tg", W1)) is not None
