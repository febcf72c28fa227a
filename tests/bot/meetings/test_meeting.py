"""A network meeting through the real Application on a controlled clock: the worker sets it up (a calendar
file with no client data), reminders go out before it (a missed one is dropped once the meeting has begun),
promises are recorded, the record cannot be finished without the next meeting or an end date, the memo reaches
the young person in their language, check-ins are queued, and the follow-up starts from the promises."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.instance import LIVE_STALE, beat
from bot.keys import user_key
from flows.core.dates import HELSINKI
from flows.core.messages import Msg, When
from flows.identity.consent_texts import load_consent_texts, title_of
from tests.bot.harness import Bot, TgUser, bot_settings, catalog_pattern, joined, said, start_bot
from tests.bot.identity.test_identity import CLIENT, WORKER, deliver, sent_texts, t
from tests.bot.identity.test_rights import linked_client
from tests.bot.meetings.test_preparation import en
from tests.conftest import TWO_SERVICES, Clock
from tests.flows.core.test_horizon import far_off


@pytest.fixture
def chat_services() -> Path:
    """This module's tests go by two chat services (a choice in /chat, a Tuesday slot): the test data file."""
    return TWO_SERVICES


async def open_meetings(bot: Bot, catalogs: Catalogs) -> TgUser:
    worker = bot.user(WORKER, "fi")
    await worker.send("/clients")
    await worker.tap(catalogs.text("fi", Msg("clients.item_linked", {"nickname": "Kettu"})))
    await worker.tap(t(catalogs, "fi", "clients.meeting"))
    return worker


async def test_set_up_record_and_follow_up(bot: Bot, clock: Clock, catalogs: Catalogs) -> None:
    client = await linked_client(bot, catalogs)
    await client.send("/prepare")
    await client.tap(en(catalogs, "prep.title_people"))
    await client.tap(en(catalogs, "prep.add_person"))
    for answer in ("Sanna", "sister"):
        await client.send(answer)
    await client.tap(en(catalogs, "prep.env_home"))
    await client.tap(en(catalogs, "prep.skip"))
    await client.tap(en(catalogs, "prep.back"))
    await client.tap(en(catalogs, "prep.title_invite"))
    await client.tap(en(catalogs, "prep.not_invited", name="Sanna"))
    await client.tap(en(catalogs, "prep.back"))
    await client.tap(en(catalogs, "prep.title_topics"))
    await client.tap(en(catalogs, "prep.add_topic"))
    await client.send("My rent")

    worker = await open_meetings(bot, catalogs)
    assert "Kettu" in str(worker.last_question().params["text"])
    await worker.tap(t(catalogs, "fi", "meeting.plan"))
    calls = await worker.send("ensi perjantaina")
    assert said(catalogs, "meeting.bad_when", joined(calls), ("fi",))
    calls = await worker.send("31.12.9999 23:30")
    assert catalogs.text("fi", far_off(clock)) in joined(calls), "no OverflowError: the last day is named"
    await worker.send("27.11. 14:00")
    await worker.tap(t(catalogs, "fi", "meeting.place_home"))
    calls = await worker.send("Koulukatu 1")
    assert "pe 27.11. klo 14.00" in joined(calls)
    ics = next(c for c in calls if c.method == "sendDocument").files["document"].decode()
    assert "DTSTART:20261127T120000Z" in ics and "Koulukatu 1" in ics and "Kettu" not in ics
    assert "Kettu, Aino Virtanen, Sanna" in str(worker.last_question().params["text"])

    # Reminders: two days and two hours before, to the client and the worker.
    key = user_key(bot.services.secret, "tg", CLIENT)
    async with bot.services.store.transaction() as work:
        due = sorted(row.due_at.astimezone(HELSINKI).strftime("%a %H:%M")
                     for row in await work.outbox.for_recipient(key) if row.kind == "reminder")
    assert due == ["Fri 12:00", "Wed 14:00"]
    clock.now = clock.now.replace(day=25, hour=12, minute=1)  # Wednesday 14:01 in Helsinki
    await deliver(bot)
    reminded = await sent_texts(bot, CLIENT)
    assert said(catalogs, "meeting.reminder", reminded) and "Fri 27 Nov, 14:00" in reminded
    clock.now = clock.now.replace(day=27, hour=12, minute=30)  # the bot was down over Friday's 12:00 one
    mark = len(bot.api.calls)
    await deliver(bot)
    assert not [c for c in bot.api.calls[mark:] if said(catalogs, "meeting.reminder", c)], "dropped late"

    # The record: promises, then the next meeting is required.
    worker = await open_meetings(bot, catalogs)
    await worker.tap(t(catalogs, "fi", "meeting.record"))
    for name, promise, due_text in (("Kettu", "Call the housing office", "4.12."),
                                     ("Aino Virtanen", "Book a time at Kela", "1.12.")):
        await worker.tap(catalogs.text("fi", Msg("meeting.promise_by", {"name": name})))
        await worker.send(promise)
        calls = await worker.send(due_text)
        assert t(catalogs, "fi", "meeting.promise_added") in joined(calls)
    await worker.tap(t(catalogs, "fi", "meeting.finish"))
    calls = await worker.send("no idea yet")
    assert t(catalogs, "fi", "meeting.need_next") in joined(calls)
    await worker.tap(t(catalogs, "fi", "meeting.set_next"))
    calls = await worker.send("18.12. 14:00")
    text = joined(calls)
    assert "Kettu: Call the housing office" in text and "pe 18.12. klo 14.00" in text
    memo_files = [c for c in calls if c.method == "sendDocument"]
    memo_text = memo_files[0].files["document"].decode()
    assert "Sanna" in memo_text and "pe 18.12. klo 14.00" in memo_text
    assert memo_line(catalogs, "memo.held") in memo_text and memo_line(catalogs, "memo.present") in memo_text

    mark = len(bot.api.calls)
    await deliver(bot)
    memo = "\n".join(str(c.params.get("text", "")) for c in bot.api.calls[mark:] if c.params.get("chat_id") == CLIENT)
    assert said(catalogs, "meeting.memo", memo) and "Fri 18 Dec, 14:00" in memo
    assert said(catalogs, "meeting.memo_next", memo)
    assert "Topics:\n• My rent" in memo, "the young person's topics are in the memo"
    async with bot.services.store.transaction() as work:
        checkins = [row for row in await work.outbox.for_recipient(key) if row.kind == "checkin"]
        assert [row.due_at.astimezone(HELSINKI).strftime("%d.%m. %H:%M") for row in checkins] == ["03.12. 17:00"]

    # The follow-up starts from the promises, with their status.
    calls = await worker.send("/start")
    worker = await open_meetings(bot, catalogs)
    overview = str(worker.last_question().params["text"])
    assert "pe 18.12. klo 14.00" in overview and "Call the housing office" in overview
    assert t(catalogs, "fi", "meeting.status_open") in overview
    assert catalogs.text("fi", Msg("meeting.history", {"dates": "pe 27.11. klo 14.00"})) in overview

    # The check-in the evening before the promise is due opens "My promises" with its buttons (the young
    # person is in the menu: nothing in hand is interrupted).
    await client.tap(en(catalogs, "prep.back"))
    await client.tap(en(catalogs, "prep.done"))
    clock.now = clock.now.replace(month=12, day=3, hour=15, minute=1)
    mark = len(bot.api.calls)
    await deliver(bot)
    checkin = [c for c in bot.api.calls[mark:] if c.params.get("chat_id") == CLIENT]
    checkin_text = catalog_pattern(catalogs, "meeting.checkin", "en").search(str(checkin[0].params["text"]))
    assert checkin_text and checkin_text.group(1) == "Call the housing office"
    assert en(catalogs, "promises.mark_done", number=2) in client.labels()

    # The young person marks their own promise done with a note, and asks for help with nothing else.
    calls = await client.send("/promises")
    listing = str(client.last_question().params["text"])
    assert "Kettu: Call the housing office" in listing and "Aino Virtanen: Book a time at Kela" in listing
    # Numbered: the full text in the message, only the number on the buttons (no word cut in half).
    assert "2. Kettu: Call the housing office" in listing and "1. Aino Virtanen: Book a time at Kela" in listing
    marks = {en(catalogs, key, number=number) for key in ("promises.mark_done", "promises.mark_help")
             for number in (1, 2)}
    assert {label for label in client.labels() if label in marks} == {
        en(catalogs, "promises.mark_done", number=2), en(catalogs, "promises.mark_help", number=2)}, "only their own"
    assert not [label for label in client.labels() if "housing" in label or "Kela" in label]
    await client.tap(en(catalogs, "promises.mark_done", number=2))
    calls = await client.send("They will call me back on Monday")
    assert en(catalogs, "promises.note_saved") in joined(calls)
    assert "✅ 2. Kettu: Call the housing office" in str(client.last_question().params["text"])
    # The undo names what it takes back: "done" here, the request for help below.
    assert en(catalogs, "promises.undo_help", number=2) not in client.labels()
    await client.tap(en(catalogs, "promises.undo_done", number=2))
    await client.tap(en(catalogs, "promises.mark_help", number=2))
    assert en(catalogs, "promises.undo_help", number=2) in client.labels()
    assert en(catalogs, "promises.undo_done", number=2) not in client.labels()
    await deliver(bot)
    help_notice = Msg("notify.promise_help", {"client": "Kettu", "promise": "Call the housing office"})
    assert catalogs.text("fi", help_notice) in await sent_texts(bot, WORKER)
    worker = await open_meetings(bot, catalogs)
    assert t(catalogs, "fi", "meeting.status_help") in str(worker.last_question().params["text"])


async def test_a_worker_who_is_not_responsible_cannot_open_the_meetings(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    client = await linked_client(bot, catalogs)
    calls = await client.send("/promises")
    assert en(catalogs, "promises.none", next="").strip() in joined(calls)
    stranger = bot.user(123123123, "fi")
    calls = await stranger.send("/promises")
    assert t(catalogs, "fi", "error.not_available") in joined(calls)


async def test_three_participants_one_joins_by_link_one_without_telegram_one_blocks(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    import re

    client = await linked_client(bot, catalogs)
    worker = await open_meetings(bot, catalogs)
    await worker.tap(t(catalogs, "fi", "meeting.plan"))
    await worker.send("27.11. 14:00")
    await worker.tap(t(catalogs, "fi", "meeting.place_office"))
    await worker.send("Sosiaalitoimisto, Kirkkokatu 1")
    for name in ("Sanna", "Mr Koski"):
        await worker.tap(t(catalogs, "fi", "meeting.add_person"))
        await worker.send(name)
    calls = await worker.tap(t(catalogs, "fi", "meeting.links"))
    links = dict(re.findall(r"^(Sanna|Mr Koski): (https://t\.me/kaari_test_bot\?start=[0-9A-Z]+)", joined(calls), re.M))
    assert set(links) == {"Sanna", "Mr Koski"}

    # Sanna joins with her link; the link works once.
    sanna = bot.user(700000777, "sv", "Sanna")
    calls = await sanna.send(f"/start {links['Sanna'].rsplit('=', 1)[1]}")
    offer = joined(calls)
    assert "Aino Virtanen" in offer and "Kettu" not in offer, "the offer names the meeting, not the client"
    calls = await sanna.tap(catalogs.text("sv", Msg("invite.meeting_join")))
    assert "fre 27.11. kl. 14" in joined(calls)
    stranger = bot.user(700000778, "fi", "Joku")
    calls = await stranger.send(f"/start {links['Sanna'].rsplit('=', 1)[1]}")
    assert t(catalogs, "fi", "invite.invalid") in joined(calls)

    # Sanna blocks the bot: at the first reminder she is marked unreachable and the worker is told.
    bot.api.blocked_chats.add(700000777)
    clock.now = clock.now.replace(day=25, hour=12, minute=1)
    await deliver(bot)
    assert catalogs.text("fi", Msg("notify.participant_unreachable", {"name": "Sanna"})) in await sent_texts(
        bot, WORKER)
    assert said(catalogs, "meeting.reminder", await sent_texts(bot, CLIENT))

    # The record: a promise by Mr Koski (no Telegram) is in the memo the worker files; the young person gets it.
    clock.now = clock.now.replace(day=27, hour=13, minute=30)
    worker = await open_meetings(bot, catalogs)
    await worker.tap(t(catalogs, "fi", "meeting.record"))
    await worker.tap(catalogs.text("fi", Msg("meeting.promise_by", {"name": "Mr Koski"})))
    await worker.send("Phone the school nurse")
    await worker.send("2.12.")
    await worker.tap(catalogs.text("fi", Msg("meeting.promise_by", {"name": "Sanna"})))
    await worker.send("Lend Kettu my bike")
    await worker.send("1.12.")
    await worker.tap(catalogs.text("fi", Msg("meeting.promise_by", {"name": "Kettu"})))
    await worker.send("Apply for the bus card")
    await worker.send("3.12.")
    await worker.tap(t(catalogs, "fi", "meeting.finish"))
    await worker.tap(t(catalogs, "fi", "meeting.end_work"))
    calls = await worker.send("27.11.2026")
    memo_file = next(c for c in calls if c.method == "sendDocument").files["document"].decode()
    assert "Mr Koski" in memo_file and "Phone the school nurse" in memo_file and "*" in memo_file

    # The pair's closing reflection: four questions, any of them skipped.
    assert t(catalogs, "fi", "meeting.reflect_succeeded") in str(worker.last_question().params["text"])
    await worker.send("Asunto säilyi.")
    await worker.tap(t(catalogs, "fi", "meeting.skip"))
    await worker.send("Sovitaan aikataulut heti.")
    calls = await worker.send("Enemmän ulkona tapaamisia.")
    assert t(catalogs, "fi", "meeting.reflection_saved") in joined(calls)

    mark = len(bot.api.calls)
    await deliver(bot)
    to_client = "\n".join(str(c.params.get("text", "")) for c in bot.api.calls[mark:]
                          if c.params.get("chat_id") == CLIENT)
    assert said(catalogs, "meeting.memo_ended", to_client) and "/feedback" in to_client

    # The young person's feedback, on the five-step scale: the seed's eight statements, influencing the
    # meetings' content, time and place as three.
    await client.send("/feedback")
    asked = []
    for answer in ("feedback.very_well", "feedback.well", "feedback.skip", "feedback.well", "feedback.not_at_all",
                   "feedback.very_well", "feedback.somewhat", "feedback.well"):
        asked.append(str(client.last_question().params["text"]))
        await client.tap(en(catalogs, answer))
    for number, statement in ((3, "feedback.influence_content"), (4, "feedback.influence_time"),
                              (5, "feedback.influence_place")):
        assert asked[number - 1] == en(catalogs, "feedback.ask", number=number, total=8, statement=Msg(statement))
    calls = await client.send("Thanks for listening")
    assert en(catalogs, "feedback.thanks") in joined(calls)
    await deliver(bot)
    notice = catalogs.text("fi", Msg("notify.feedback_given", {"client": "Kettu", "export": Msg("clients.export")}))
    assert notice in await sent_texts(bot, WORKER), "the notice names the card's export button"
    key = user_key(bot.services.secret, "tg", CLIENT)
    async with bot.services.store.transaction() as work:
        me = await work.clients.by_user(key)
        evaluation = await work.evaluations.get(me.id if me and me.id else 0)
    assert evaluation is not None
    assert evaluation.feedback["answers"] == {"listened": 5, "valued": 4, "influence_time": 4, "influence_place": 1,
                                              "strengths": 5, "change": 3, "goals": 4}
    assert evaluation.reflection == {"succeeded": "Asunto säilyi.", "learned": "Sovitaan aikataulut heti.",
                                     "develop": "Enemmän ulkona tapaamisia."}
    worker = await open_meetings(bot, catalogs)
    assert t(catalogs, "fi", "meeting.plan") not in worker.labels(), "the work has ended"

    # Sanna (unblocked again) sees only her own promises (#9: not the young person's, nor their statuses) and
    # marks them; the young person still sees everyone's.
    bot.api.blocked_chats.discard(700000777)
    await client.send("/promises")
    listing = str(client.last_question().params["text"])
    assert all(promise in listing for promise in ("Sanna: Lend", "Mr Koski: Phone", "Kettu: Apply for the bus"))
    await sanna.send("/promises")
    listing = str(sanna.last_question().params["text"])
    assert "Sanna: Lend Kettu my bike" in listing
    assert "school nurse" not in listing and "bus card" not in listing and "Call the housing" not in listing
    assert catalogs.text("sv", Msg("promises.mark_help", {"number": 1})) in sanna.labels()
    assert catalogs.text("sv", Msg("promises.mark_help", {"number": 2})) not in sanna.labels(), "only her own"
    await sanna.tap(catalogs.text("sv", Msg("promises.mark_help", {"number": 1})))
    await deliver(bot)
    assert catalogs.text("fi", Msg("notify.promise_help", {"client": "Sanna", "promise": "Lend Kettu my bike"})) in (
        await sent_texts(bot, WORKER))
    calls = await sanna.send("/clients")
    assert catalogs.text("sv", Msg("error.not_available")) in joined(calls), "a participant sees nothing else"
    calls = await sanna.send("/mydata")
    documents = [c for c in calls if c.method == "sendDocument"]
    data = json.loads(documents[1].files["document"])
    assert data["meetings_joined"][0]["promises"] == [{"text": "Lend Kettu my bike", "due": "2026-12-01",
                                                       "status": "help"}]


async def test_reminders_survive_a_restart_and_a_kill_between_claim_and_send(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    """Reminders are rows: a restart loses none and sends none twice; a kill after claiming (before Telegram
    answered) is sent again once the killed instance is seen gone (its liveness beat stale), once."""
    settings = bot_settings(tmp_path / "k.sqlite3", chat_services=TWO_SERVICES)
    bot = await start_bot(settings, clock, catalogs, drawer)
    try:
        await linked_client(bot, catalogs)
        worker = await open_meetings(bot, catalogs)
        await worker.tap(t(catalogs, "fi", "meeting.plan"))
        await worker.send("27.11. 14:00")
        await worker.tap(t(catalogs, "fi", "meeting.place_outdoors"))
        await worker.send("Kuusiston laavu")
        await deliver(bot)
        # Wednesday 14:01: the first reminder is due. The ticker claims it and is killed before sending.
        clock.now = clock.now.replace(day=25, hour=12, minute=1)
        await beat(bot.services.store, bot.services.instance, clock.now)
        async with bot.services.store.transaction() as work:
            claimed = await work.outbox.claim_due(clock.now, 50, by=bot.services.instance.id)
        assert {row.kind for row in claimed} == {"reminder"}
    finally:
        await bot.stop()  # the kill: nothing was sent, nothing finished

    bot = await start_bot(settings, clock, catalogs, drawer)
    try:
        mark = len(bot.api.calls)
        await deliver(bot)
        assert not bot.api.calls[mark:], "claimed rows wait while their instance may live: no double in flight"
        clock.advance(seconds=LIVE_STALE.total_seconds() + 1)
        await deliver(bot)
        reminders = [c for c in bot.api.calls[mark:] if said(catalogs, "meeting.reminder", c)]
        assert sorted(c.params["chat_id"] for c in reminders) == sorted([CLIENT, WORKER]), "once each"
    finally:
        await bot.stop()

    bot = await start_bot(settings, clock, catalogs, drawer)  # a normal restart: nothing is sent again
    try:
        mark = len(bot.api.calls)
        await deliver(bot)
        assert not [c for c in bot.api.calls[mark:] if said(catalogs, "meeting.reminder", c)]
        clock.now = clock.now.replace(day=27, hour=10, minute=5)  # Friday 12:05: the two-hour reminder
        await deliver(bot)
        reminders = [c for c in bot.api.calls[mark:] if said(catalogs, "meeting.reminder", c)]
        assert [c.params["chat_id"] for c in reminders] == [CLIENT, WORKER], "client first, then the worker"
    finally:
        await bot.stop()


async def plan(worker: TgUser, catalogs: Catalogs, when: str = "27.11. 14:00") -> None:
    await worker.tap(t(catalogs, "fi", "meeting.plan"))
    await worker.send(when)
    await worker.tap(t(catalogs, "fi", "meeting.place_office"))
    await worker.send("Kirkkokatu 1")


async def test_after_review_links_dates_cancelling_topics_and_cycles(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    import re

    client = await linked_client(bot, catalogs)
    await client.send("/prepare")
    await client.tap(en(catalogs, "prep.title_topics"))
    await client.tap(en(catalogs, "prep.add_topic"))
    await client.send("Something Sanna must not hear")
    worker = await open_meetings(bot, catalogs)
    await worker.tap(t(catalogs, "fi", "meeting.plan"))
    calls = await worker.send("19.11. 14:00")  # yesterday: a mistake, not next year
    assert said(catalogs, "meeting.bad_when", joined(calls), ("fi",))
    await worker.tap(t(catalogs, "fi", "meeting.back"))
    await plan(worker, catalogs)
    await worker.tap(t(catalogs, "fi", "meeting.add_person"))
    await worker.send("Sanna")
    calls = await worker.tap(t(catalogs, "fi", "meeting.links"))
    first = re.search(r"start=([0-9A-Z]+)", joined(calls))
    assert first
    await worker.tap(t(catalogs, "fi", "meeting.add_person"))
    await worker.send("Mr Koski")
    calls = await worker.tap(t(catalogs, "fi", "meeting.links"))
    assert catalogs.text("fi", Msg("meeting.link_given", {"name": "Sanna"})) in joined(calls)
    # Mr Koski lost his link: a new one, and the old one stops working.
    koski_old = re.search(r"Mr Koski: https://t\.me/kaari_test_bot\?start=([0-9A-Z]+)", joined(calls))
    assert koski_old
    calls = await worker.tap(catalogs.text("fi", Msg("meeting.relink", {"name": "Mr Koski"})))
    koski_new = re.search(r"start=([0-9A-Z]+)", joined(calls))
    assert koski_new and koski_new.group(1) != koski_old.group(1)
    koski = bot.user(700000999, "fi", "Koski")
    calls = await koski.send(f"/start {koski_old.group(1)}")
    assert t(catalogs, "fi", "invite.invalid") in joined(calls)
    calls = await client.send(f"/start {first.group(1)}")
    assert en(catalogs, "invite.meeting_join") in client.labels()
    calls = await client.tap(en(catalogs, "invite.meeting_join"))
    assert en(catalogs, "invite.meeting_already") in joined(calls), "not for the client"
    sanna = bot.user(700000777, "fi", "Sanna")
    await sanna.send(f"/start {first.group(1)}")
    calls = await sanna.tap(t(catalogs, "fi", "invite.meeting_join"))
    assert "pe 27.11. klo 14.00" in joined(calls), "the first link still works"

    # Going round card -> meeting -> /clients -> card -> meeting does not pile up saved conversations.
    for _ in range(8):
        await worker.send("/clients")
        await worker.tap(catalogs.text("fi", Msg("clients.item_linked", {"nickname": "Kettu"})))
        await worker.tap(t(catalogs, "fi", "clients.meeting"))
    async with bot.services.store.transaction() as work:
        row = await work.conversations.get(user_key(bot.services.secret, "tg", WORKER))
    assert row is not None and len(json.dumps(row.data)) < 20_000

    # The memo: Sanna's copy has no topics; the client's has them.
    await worker.tap(t(catalogs, "fi", "meeting.record"))
    await worker.tap(t(catalogs, "fi", "meeting.finish"))
    await worker.tap(t(catalogs, "fi", "meeting.set_next"))
    await worker.send("4.12. 14:00")
    mark = len(bot.api.calls)
    await deliver(bot)
    to = {chat: "\n".join(str(c.params.get("text", "")) for c in bot.api.calls[mark:]
                          if c.params.get("chat_id") == chat) for chat in (CLIENT, 700000777)}
    assert "Something Sanna must not hear" in to[CLIENT] and "Something Sanna must not hear" not in to[700000777]

    # Cancelling the follow-up: nobody is reminded of it.
    worker = await open_meetings(bot, catalogs)
    await worker.tap(t(catalogs, "fi", "meeting.cancel"))
    await worker.tap(t(catalogs, "fi", "meeting.cancel_yes"))
    clock.now = clock.now.replace(month=12, day=4, hour=10, minute=30)
    mark = len(bot.api.calls)
    await deliver(bot)
    assert not [c for c in bot.api.calls[mark:] if said(catalogs, "meeting.reminder", c)]


async def test_withdrawing_consent_stops_the_meetings(bot: Bot, clock: Clock, catalogs: Catalogs) -> None:
    from tests.bot.identity.test_rights import item_label

    client = await linked_client(bot, catalogs)
    worker = await open_meetings(bot, catalogs)
    await plan(worker, catalogs)
    await worker.tap(t(catalogs, "fi", "meeting.record"))  # the worker is in the middle of the record
    await client.send("/consent")
    await client.tap(item_label(catalogs, "consent.withdraw_item", "Working together"))
    await client.tap(t(catalogs, "en", "consent.confirm_yes"))
    calls = await worker.tap(catalogs.text("fi", Msg("meeting.promise_by", {"name": "Kettu"})))
    assert t(catalogs, "fi", "error.not_available") in joined(calls)
    card = str(worker.last_question().params["text"])
    assert t(catalogs, "fi", "clients.status_ended") in card, "back on the card, which shows the work ended"
    assert t(catalogs, "fi", "clients.meeting") not in worker.labels()
    clock.now = clock.now.replace(day=25, hour=12, minute=1)
    mark = len(bot.api.calls)
    await deliver(bot)
    assert not [c for c in bot.api.calls[mark:] if said(catalogs, "meeting.reminder", c)], (
        "the meeting was cancelled with the work")


async def test_a_late_reminder_waits_for_the_morning(bot: Bot, clock: Clock, catalogs: Catalogs) -> None:
    await linked_client(bot, catalogs)
    worker = await open_meetings(bot, catalogs)
    await plan(worker, catalogs)
    await deliver(bot)
    clock.now = clock.now.replace(day=25, hour=21, minute=30)  # 23:30 in Helsinki: the bot was down since 14:00
    mark = len(bot.api.calls)
    await deliver(bot)
    assert not [c for c in bot.api.calls[mark:] if c.params.get("chat_id") == CLIENT], "not in quiet hours"
    clock.now = clock.now.replace(day=26, hour=6, minute=1)  # Thursday 08:01
    await deliver(bot)
    reminders = [c for c in bot.api.calls[mark:] if c.params.get("chat_id") == CLIENT]
    assert len(reminders) == 1 and said(catalogs, "meeting.reminder", reminders[0])


async def test_participants_write_their_own_promises_during_the_meeting(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    client = await linked_client(bot, catalogs)
    worker = await open_meetings(bot, catalogs)
    await plan(worker, catalogs)
    await client.send("/promises")
    assert en(catalogs, "promises.add") not in client.labels(), "not before the meeting"
    clock.now = clock.now.replace(day=27, hour=12, minute=10)  # 14:10 in Helsinki: the meeting is on
    await client.send("/promises")
    await client.tap(en(catalogs, "promises.add"))
    await client.send("Book the dentist 🦷")
    calls = await client.send("20.11.")
    assert said(catalogs, "meeting.bad_due", joined(calls), ("en",)), "a date already past"
    calls = await client.send("31.12.9999")
    assert catalogs.text("en", far_off(clock)) in joined(calls), "a participant cannot block the record"
    calls = await client.send("30.11.")
    assert en(catalogs, "meeting.promise_added") in joined(calls)
    worker = await open_meetings(bot, catalogs)
    assert "Kettu: Book the dentist 🦷" in str(worker.last_question().params["text"])
    clock.now = clock.now.replace(day=28, hour=8)  # the next morning, the meeting still not recorded
    await client.send("/promises")
    assert en(catalogs, "promises.add") not in client.labels(), "not long after the meeting"


async def test_the_whole_cycle_with_three_participants_and_a_restart(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    """Preparation -> meeting -> promises -> check-in -> reminders -> follow-up review -> end, with Sanna (joins
    by link), Mr Koski (no Telegram) and Pekka (joins, then blocks the bot), and a restart in the middle."""
    import re

    settings = bot_settings(tmp_path / "k.sqlite3", chat_services=TWO_SERVICES)
    bot = await start_bot(settings, clock, catalogs, drawer)
    try:
        client = await linked_client(bot, catalogs)
        await client.send("/prepare")
        await client.tap(en(catalogs, "prep.title_works"))
        await client.send("Music keeps me going")
        await client.tap(en(catalogs, "prep.done"))
        worker = await open_meetings(bot, catalogs)
        await plan(worker, catalogs)
        for name in ("Sanna", "Mr Koski", "Pekka"):
            await worker.tap(t(catalogs, "fi", "meeting.add_person"))
            await worker.send(name)
        calls = await worker.tap(t(catalogs, "fi", "meeting.links"))
        links = dict(re.findall(r"^(Sanna|Pekka|Mr Koski): https://t\.me/kaari_test_bot\?start=([0-9A-Z]+)",
                                joined(calls), re.M))
        for telegram_id, name in ((700000777, "Sanna"), (700000888, "Pekka")):
            person = bot.user(telegram_id, "fi", name)
            await person.send(f"/start {links[name]}")
            await person.tap(t(catalogs, "fi", "invite.meeting_join"))
    finally:
        await bot.stop()

    bot = await start_bot(settings, clock, catalogs, drawer)  # restarted between setting up and the reminders
    try:
        client = bot.user(CLIENT, "en", "Kettu")
        bot.api.blocked_chats.add(700000888)
        clock.now = clock.now.replace(day=25, hour=12, minute=1)
        await deliver(bot)
        for chat in (CLIENT, 700000777):
            assert "pe 27.11. klo 14.00" in await sent_texts(bot, chat) or "Fri 27 Nov" in await sent_texts(bot, chat)
        assert catalogs.text("fi", Msg("notify.participant_unreachable", {"name": "Pekka"})) in await sent_texts(
            bot, WORKER)

        clock.now = clock.now.replace(day=27, hour=13, minute=0)
        worker = await open_meetings(bot, catalogs)
        await worker.tap(t(catalogs, "fi", "meeting.record"))
        for name, promise, due in (("Kettu", "Call the housing office", "4.12."), ("Sanna", "Lend my bike", "1.12."),
                                   ("Mr Koski", "Phone the nurse", "2.12.")):
            await worker.tap(catalogs.text("fi", Msg("meeting.promise_by", {"name": name})))
            await worker.send(promise)
            await worker.send(due)
        await worker.tap(t(catalogs, "fi", "meeting.finish"))
        await worker.tap(t(catalogs, "fi", "meeting.set_next"))
        await worker.send("11.12. 14:00")
        await deliver(bot)
        assert "Lend my bike" in await sent_texts(bot, 700000777), "Sanna gets the memo"

        clock.now = clock.now.replace(month=12, day=3, hour=15, minute=1)  # check-in for the client's promise
        await deliver(bot)
        await client.tap(en(catalogs, "promises.mark_done", number=3))  # by due date: Sanna's, Mr Koski's, hers
        await client.tap(en(catalogs, "promises.skip"))

        clock.now = clock.now.replace(day=11, hour=11, minute=0)  # the follow-up, starting from the promises
        worker = await open_meetings(bot, catalogs)
        review = str(worker.last_question().params["text"])
        assert "Call the housing office – " + t(catalogs, "fi", "meeting.status_done") in review
        assert "Phone the nurse – " + t(catalogs, "fi", "meeting.status_open") in review
        await worker.tap(t(catalogs, "fi", "meeting.record"))
        await worker.tap(t(catalogs, "fi", "meeting.finish"))
        await worker.tap(t(catalogs, "fi", "meeting.end_work"))
        await worker.send("11.12.2026")
        for _ in range(4):
            await worker.tap(t(catalogs, "fi", "meeting.skip"))
        await deliver(bot)
        assert "/feedback" in await sent_texts(bot, CLIENT)
    finally:
        await bot.stop()


async def test_check_ins_never_break_into_a_chat_and_skip_what_is_gone(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    from tests.bot.identity.test_rights import item_label

    client = await linked_client(bot, catalogs)
    worker = await open_meetings(bot, catalogs)
    await plan(worker, catalogs)
    clock.now = clock.now.replace(day=27, hour=12, minute=10)
    await client.send("/promises")
    await client.tap(en(catalogs, "promises.add"))
    await client.send("Book the dentist")
    worker = await open_meetings(bot, catalogs)
    await worker.tap(t(catalogs, "fi", "meeting.record"))
    for name, promise, due in (("Kettu", "Call the housing office", "4.12."), ("Kettu", "Walk daily", "5.12.")):
        await worker.tap(catalogs.text("fi", Msg("meeting.promise_by", {"name": name})))
        await worker.send(promise)
        await worker.send(due)
    await worker.tap(t(catalogs, "fi", "meeting.finish"))
    await worker.tap(t(catalogs, "fi", "meeting.set_next"))
    await worker.send("18.12. 14:00")
    calls = await client.send("30.11.")  # the meeting was recorded while they were writing
    assert en(catalogs, "promises.meeting_over") in joined(calls)

    # In a chat (a message left for the next shift) when the check-in comes: the notice only; the chat goes
    # on, and from /promises back to it.
    clock.now = clock.now.replace(month=12, day=3, hour=15, minute=1)
    await client.send("/chat")
    await client.tap(next(label for label in client.labels() if "social" in label.lower()))
    await client.send("hello")
    await deliver(bot)
    checkin_text = catalog_pattern(catalogs, "meeting.checkin", "en").search(await sent_texts(bot, CLIENT))
    assert checkin_text and checkin_text.group(1) == "Call the housing office"
    assert en(catalogs, "chat.end") in client.labels(), "still in the chat"
    await client.send("/promises")
    await client.tap(en(catalogs, "promises.back"))
    assert en(catalogs, "chat.end") in client.labels(), "back to the chat, not the menu"

    # Storage (c) withdrawn: the next check-in has nothing to ask about and is not sent.
    await client.send("/consent")
    await client.tap(item_label(catalogs, "consent.withdraw_item", "Saving things"))
    await client.tap(t(catalogs, "en", "consent.confirm_yes"))
    clock.now = clock.now.replace(day=4, hour=15, minute=1)
    mark = len(bot.api.calls)
    await deliver(bot)
    assert not [c for c in bot.api.calls[mark:] if "Walk daily" in str(c.params.get("text", ""))]


def test_quiet_hours_that_never_end_are_refused() -> None:
    from bot.settings import SettingsError, load_settings

    with pytest.raises(SettingsError):
        load_settings({"KAARI_QUIET_HOURS": "08-08"})
    with pytest.raises(SettingsError):
        load_settings({"KAARI_QUIET_HOURS": "late"})
    assert load_settings({"KAARI_QUIET_HOURS": "22-07"}).quiet_hours == "22-07"


async def test_after_storage_is_withdrawn_the_screens_say_why_nothing_is_there(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    """Not "no promises yet" nor "not available": consent (c) is missing, named by its title, and how to give it."""
    storage = title_of(load_consent_texts(), "storage")
    client = await linked_client(bot, catalogs)
    worker = await open_meetings(bot, catalogs)  # the worker has the meeting screens open meanwhile
    await client.send("/consent")
    await client.tap(catalogs.text("en", Msg("consent.withdraw_item", {"title": "Saving things"})))
    await client.tap(t(catalogs, "en", "consent.confirm_yes"))
    calls = await client.send("/promises")
    said_to_client = joined(calls)
    assert catalogs.text("en", Msg("promises.no_storage", {"title": storage, "next": ""})).strip() in said_to_client
    assert en(catalogs, "promises.none", next="").strip() not in said_to_client

    why = catalogs.text("fi", Msg("prep.needs_storage_worker", {"title": storage}))
    calls = await worker.tap(t(catalogs, "fi", "meeting.plan"))
    assert why in joined(calls) and t(catalogs, "fi", "error.not_available") not in joined(calls)
    await worker.send("/clients")
    await worker.tap(catalogs.text("fi", Msg("clients.item_linked", {"nickname": "Kettu"})))
    for button in ("clients.meeting", "clients.prepare"):
        calls = await worker.tap(t(catalogs, "fi", button))
        assert why in joined(calls), button


async def test_the_client_hears_of_a_booked_meeting_and_an_early_record_is_not_called_held(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    """The young person gets a notice with the calendar file when the meeting is booked; a memo written before
    the meeting says it is planned (and who was invited), with roles and dates in the reader's language."""
    await linked_client(bot, catalogs)
    worker = await open_meetings(bot, catalogs)
    await worker.tap(t(catalogs, "fi", "meeting.plan"))
    await worker.send("27.11. 14:00")
    await worker.tap(t(catalogs, "fi", "meeting.place_home"))
    await worker.send("Koulukatu 1")
    mark = len(bot.api.calls)
    await deliver(bot)
    to_client = [c for c in bot.api.calls[mark:] if c.params.get("chat_id") == CLIENT]
    assert said(catalogs, "meeting.booked_notice", joined(to_client), ("en",))
    ics = next(c for c in to_client if c.method == "sendDocument").files["document"].decode()
    assert "DTSTART:20261127T120000Z" in ics and "Kettu" not in ics, "the same invitation: no client data"

    await worker.tap(t(catalogs, "fi", "meeting.record"))  # a week early: the record is of a planned meeting
    await worker.tap(catalogs.text("fi", Msg("meeting.promise_by", {"name": "Kettu"})))
    await worker.send("Call the housing office")
    await worker.send("4.12.")
    await worker.tap(t(catalogs, "fi", "meeting.finish"))
    await worker.tap(t(catalogs, "fi", "meeting.set_next"))
    calls = await worker.send("18.12. 14:00")
    memo = next(c for c in calls if c.method == "sendDocument").files["document"].decode()
    starts = catalogs.text("fi", Msg("memo.planned", {"date": When(datetime(2026, 11, 27, 12, tzinfo=UTC))}))
    assert starts in memo and "Pidetty" not in memo.replace(starts, "")
    assert memo_line(catalogs, "memo.held") not in memo and memo_line(catalogs, "memo.invited") in memo
    assert f"Kettu ({t(catalogs, 'fi', 'memo.role_client')})" in memo and "(client)" not in memo
    assert "4.12.2026" in memo and "2026-12-04" not in memo

    # The overview's "meetings so far" names only meetings whose time has come.
    history = catalogs.text("fi", Msg("meeting.history", {"dates": "pe 27.11. klo 14.00"}))
    worker = await open_meetings(bot, catalogs)
    assert history not in str(worker.last_question().params["text"]), "not held yet: not among those so far"
    clock.now = clock.now.replace(day=27, hour=13)  # 15.00 in Helsinki, the meeting began at 14.00
    worker = await open_meetings(bot, catalogs)
    assert history in str(worker.last_question().params["text"])


def memo_line(catalogs: Catalogs, key: str) -> str:
    """The words of a memo heading before its placeholder ("Pidetty:")."""
    params: dict[str, str] = {"people": ""} if key.endswith(("invited", "present")) else {"date": ""}
    return catalogs.text("fi", Msg(key, params)).strip()
