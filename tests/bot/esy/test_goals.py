"""Through the real Application (#12 §2): goals and a plan after an ESY. An anonymous person writes a goal,
revises it and sees its history in /mydata, /forget deletes it; a linked client's goal is agreed by the worker
on the client card (the client is told) and a later change makes it a draft again; the worker's list marks
gently who has a shared circle but no goal after KAARI_GOAL_NUDGE_DAYS; bad input loses nothing."""

from __future__ import annotations

import json
from datetime import date

from bot.i18n import Catalogs
from bot.keys import user_key
from bot.settings import Settings, load_settings
from bot.ticker import purge_idle
from flows.core.messages import Lines, Msg
from flows.esy.instrument import Instrument
from tests.bot.esy.test_circle_picture import circle_with_wishes
from tests.bot.fakeapi import Call
from tests.bot.harness import Bot, TgUser, catalog_pattern, joined, said, sent_files
from tests.bot.identity.test_identity import CLIENT, WORKER, deliver, open_menu, sent_texts, t
from tests.bot.identity.test_rights import item_label, linked_client
from tests.conftest import Clock

ANONYMOUS = 987654321555
WISHED, LOW = 10, 3  # "Study and work" has a wish (and services); "Money and paperwork" the fewest points


def question(user: TgUser) -> str:
    return str(user.last_question().params["text"])


async def anonymous_circle(bot: Bot, catalogs: Catalogs, instrument: Instrument) -> TgUser:
    """An anonymous person fills the circle in English: a wish in one area, the fewest points in another; no
    reminder. The goals are offered, not forced: the menu follows."""
    person = bot.user(ANONYMOUS, "en", "Nuori")
    await open_menu(person, catalogs)
    await person.tap(t(catalogs, "en", "menu.esy"))
    await person.tap(t(catalogs, "en", "esy.begin"))
    for index, area in enumerate(instrument.areas):
        for _ in area.statements:
            await person.tap(instrument.scale[0 if index == LOW else 3].label.get("en"))
        if index == WISHED:
            await person.send("A summer job")
        else:
            await person.tap(t(catalogs, "en", "esy.skip_wish"))
    calls = await person.tap(t(catalogs, "en", "esy.remind_no"))
    assert t(catalogs, "en", "esy.goals_offer") in joined(calls)
    assert question(person).endswith(t(catalogs, "en", "menu.prompt"))
    return person


async def test_an_anonymous_person_sets_a_goal_after_the_circle_and_revises_it(
    bot: Bot, catalogs: Catalogs, instrument: Instrument, clock: Clock,
) -> None:
    person = await anonymous_circle(bot, catalogs, instrument)
    calls = await person.tap(t(catalogs, "en", "menu.goals"))
    assert t(catalogs, "en", "goals.intro") in joined(calls)
    await person.tap(t(catalogs, "en", "goals.new"))
    # The wished-for area first, then the one with the fewest points.
    areas = person.labels()
    assert areas[:2] == [instrument.areas[WISHED].name.get("en"), instrument.areas[LOW].name.get("en")]
    calls = await person.send("just text")  # a button was expected: said so, the question stands
    assert said(catalogs, "error.use_buttons", joined(calls)) and person.labels() == areas
    await person.tap(instrument.areas[WISHED].name.get("en"))
    asked = question(person)
    calls = await person.send_sticker()  # not text: a clear answer, the question again
    assert said(catalogs, "error.unsupported", joined(calls)) and question(person).endswith(asked)
    calls = await person.send("x" * 5000)  # too long: the limit named, nothing kept, asked again
    assert catalogs.text("en", Msg("error.too_long", {"max": 500, "length": 5000})) in joined(calls)
    assert question(person).endswith(asked)
    await person.send("Find a summer job 💪")
    calls = await person.send("/help")  # a command in the middle: the goals' help, and the question in hand again
    assert t(catalogs, "en", "goals.help") in joined(calls)
    assert question(person).endswith(t(catalogs, "en", "goals.ask_sign"))
    await person.tap(t(catalogs, "en", "goals.skip"))
    await person.send("Write my CV")
    services = person.labels()
    assert "Ohjaamo (One-Stop Guidance Centre)" in services  # the region's services for the area
    await person.tap("Ohjaamo (One-Stop Guidance Centre)")
    calls = await person.send("some day soon")
    assert said(catalogs, "goals.bad_due", joined(calls))
    bad = catalog_pattern(catalogs, "goals.bad_due", "en").findall(joined(calls))
    assert len(bad) == 1, bad  # said once, not once per way the answer could have gone
    calls = await person.send("31.1.2027")
    assert t(catalogs, "en", "goals.saved_new") in joined(calls)
    plan = question(person)
    assert "Find a summer job 💪" in plan and t(catalogs, "en", "goals.status_going") in plan
    assert t(catalogs, "en", "goals.draft") not in plan  # an anonymous person's goal has no worker to agree it

    key = user_key(bot.services.secret, "tg", ANONYMOUS)
    async with bot.services.store.transaction() as work:
        (goal,) = await work.goals.for_user(key)
    assert (goal.area_id, goal.goal, goal.sign, goal.step, goal.helper, goal.due, goal.client_id) == (
        instrument.areas[WISHED].id, "Find a summer job 💪", None, "Write my CV",
        "Ohjaamo (One-Stop Guidance Centre)", date(2027, 1, 31), None)

    # Revising: one answer changed, then the status; each kept in the history.
    clock.advance(days=3)
    await person.tap(catalogs.text("en", Msg("goals.open", {"area": instrument.areas[WISHED].name})))
    await person.tap(t(catalogs, "en", "goals.edit_step"))
    assert "Write my CV" in question(person)  # what it says now is shown
    calls = await person.send("Call Ohjaamo on Monday")
    assert t(catalogs, "en", "goals.changed") in joined(calls)
    calls = await person.tap(t(catalogs, "en", "goals.set_reached"))
    assert catalogs.text("en", Msg("goals.status_saved", {"status": Msg("goals.status_reached")})) in joined(calls)
    async with bot.services.store.transaction() as work:
        (goal,) = await work.goals.for_user(key)
        assert goal.id is not None
        history = await work.goals.revisions(goal.id)
    assert (goal.step, goal.status, goal.version) == ("Call Ohjaamo on Monday", "reached", 2)
    assert [(rev.what, rev.value, rev.version) for rev in history] == [
        ("goal", "Find a summer job 💪", 1), ("step", "Write my CV", 1),
        ("helper", "Ohjaamo (One-Stop Guidance Centre)", 1), ("due", "2027-01-31", 1),
        ("step", "Call Ohjaamo on Monday", 2), ("status", "reached", 2)]

    # /mydata has the goal and its history, in words and as data; /forget deletes them.
    files = sent_files(await person.send("/mydata"))
    data = json.loads(files["json"])
    assert [g["goal"] for g in data["goals"]] == ["Find a summer job 💪"]
    assert [h["what"] for h in data["goals"][0]["history"]][-2:] == ["step", "status"]
    readable = files["txt"].decode()
    assert "Call Ohjaamo on Monday" in readable and "Write my CV" in readable  # the history, in words
    assert t(catalogs, "en", "goals.status_reached") in readable
    assert "🎯" not in readable  # the document's own words carry no emoji (the PDF's font has none)
    await person.send("/forget")
    await person.tap(t(catalogs, "en", "forget.yes"))
    async with bot.services.store.transaction() as work:
        assert await work.goals.for_user(key) == []
        assert await work.goals.revisions(goal.id) == []


async def test_no_goal_is_kept_when_the_person_goes_back(bot: Bot, catalogs: Catalogs, instrument: Instrument) -> None:
    person = await anonymous_circle(bot, catalogs, instrument)
    await person.send("/goals")
    await person.tap(t(catalogs, "en", "goals.new"))
    await person.tap(instrument.areas[0].name.get("en"))
    await person.send("Sleep before midnight")
    calls = await person.tap(t(catalogs, "en", "goals.back"))
    assert t(catalogs, "en", "goals.not_saved") in joined(calls)
    async with bot.services.store.transaction() as work:
        assert await work.goals.for_user(user_key(bot.services.secret, "tg", ANONYMOUS)) == []


async def client_writes_a_goal(client: TgUser, catalogs: Catalogs, instrument: Instrument, text: str) -> list[Call]:
    """The linked client (in English) writes a goal for the wished-for area, skipping the rest."""
    calls = await client.send("/goals")
    assert t(catalogs, "en", "goals.intro_client") in joined(calls)
    await client.tap(t(catalogs, "en", "goals.new"))
    await client.tap(instrument.areas[WISHED].name.get("en"))
    await client.send(text)
    for _ in range(3):
        await client.tap(t(catalogs, "en", "goals.skip"))
    return await client.tap(t(catalogs, "en", "goals.no_date"))


async def worker_opens_the_card(bot: Bot, catalogs: Catalogs, item: str = "clients.item_linked") -> str:
    """The responsible worker (in Finnish) opens Kettu's card from their list; returns the card."""
    worker = bot.user(WORKER, "fi")
    await worker.send("/clients")
    await worker.tap(catalogs.text("fi", Msg(item, {"nickname": "Kettu"})))
    return question(worker)


async def test_the_worker_agrees_a_clients_goal_and_a_later_change_makes_it_a_draft_again(
    bot: Bot, catalogs: Catalogs, instrument: Instrument,
) -> None:
    client = await linked_client(bot, catalogs)
    await circle_with_wishes(client, catalogs, instrument, {WISHED: "A summer job"})
    calls = await client.tap(t(catalogs, "en", "esy.share_yes"))
    assert t(catalogs, "en", "esy.goals_offer") in joined(calls)
    calls = await client_writes_a_goal(client, catalogs, instrument, "Apply for three summer jobs")
    assert t(catalogs, "en", "goals.saved_new_client") in joined(calls)

    card = await worker_opens_the_card(bot, catalogs)
    area = instrument.areas[WISHED].name
    assert "Apply for three summer jobs" in card and t(catalogs, "fi", "goals.draft") in card
    worker = bot.user(WORKER, "fi")
    calls = await worker.tap(t(catalogs, "fi", "clients.open_goals"))
    calls = await worker.tap(catalogs.text("fi", Msg("review.agree", {"area": area})))
    assert catalogs.text("fi", Msg("review.agreed", {"nickname": "Kettu"})) in joined(calls)
    assert catalogs.text("fi", Msg("review.agree", {"area": area})) not in worker.labels()  # agreed now
    calls = await worker.tap(t(catalogs, "fi", "review.back"))  # back to the card, which says so
    assert t(catalogs, "fi", "goals.agreed") in question(worker)

    await deliver(bot)
    notice = catalogs.text("en", Msg("goals.agreed_notice", {"worker": "Aino Virtanen",
                                                             "goal": "Apply for three summer jobs"}))
    assert notice in await sent_texts(bot, CLIENT)
    key = user_key(bot.services.secret, "tg", CLIENT)
    async with bot.services.store.transaction() as work:
        (goal,) = await work.goals.for_user(key)
        client_row = await work.clients.by_user(key)
    assert client_row is not None and goal.client_id == client_row.id and goal.agreed_version == goal.version == 1

    # The client changes the goal's words: a draft again, and they are told so; the worker's card shows it.
    await client.send("/goals")
    await client.tap(catalogs.text("en", Msg("goals.open", {"area": area})))
    await client.tap(t(catalogs, "en", "goals.edit_goal"))
    calls = await client.send("Apply for five summer jobs")
    assert t(catalogs, "en", "goals.changed_draft_again") in joined(calls)
    card = await worker_opens_the_card(bot, catalogs)
    assert "Apply for five summer jobs" in card and t(catalogs, "fi", "goals.draft") in card
    # The client's /mydata says who looked at the goals and who agreed one.
    readable = sent_files(await client.send("/mydata"))["txt"].decode()
    assert f"Aino Virtanen {t(catalogs, 'en', 'mydata.action_goal_agreed')}" in readable
    assert t(catalogs, "en", "mydata.goal_by_worker") in readable


async def test_the_list_marks_a_client_with_a_shared_circle_and_no_goal_after_the_interval(
    bot: Bot, catalogs: Catalogs, instrument: Instrument, clock: Clock,
) -> None:
    client = await linked_client(bot, catalogs)
    await circle_with_wishes(client, catalogs, instrument, {WISHED: "A summer job"})
    await client.tap(t(catalogs, "en", "esy.share_yes"))
    worker = bot.user(WORKER, "fi")
    marked = catalogs.text("fi", Msg("clients.item_no_goal", {"nickname": "Kettu"}))
    plain = catalogs.text("fi", Msg("clients.item_linked", {"nickname": "Kettu"}))
    clock.advance(days=13, hours=23)
    await worker.send("/clients")
    assert plain in worker.labels() and marked not in worker.labels()  # not before the interval
    clock.advance(hours=1)
    await worker.send("/clients")
    assert marked in worker.labels() and plain not in worker.labels()
    await client_writes_a_goal(client, catalogs, instrument, "Apply for three summer jobs")
    await worker.send("/clients")
    assert plain in worker.labels() and marked not in worker.labels()  # a goal: no mark


def test_the_nudge_interval_is_a_setting() -> None:
    """KAARI_GOAL_NUDGE_DAYS: read from the environment, 14 by default."""
    assert Settings().goal_nudge_days == 14
    assert load_settings({"KAARI_GOAL_NUDGE_DAYS": "3"}).goal_nudge_days == 3


async def test_withdrawing_storage_deletes_the_goals_and_says_so(
    bot: Bot, catalogs: Catalogs, instrument: Instrument,
) -> None:
    client = await linked_client(bot, catalogs)
    await circle_with_wishes(client, catalogs, instrument, {WISHED: "A summer job"})
    await client.tap(t(catalogs, "en", "esy.share_yes"))
    await client_writes_a_goal(client, catalogs, instrument, "Apply for three summer jobs")
    await client.send("/consent")
    await client.tap(item_label(catalogs, "consent.withdraw_item", "Saving things"))
    calls = await client.tap(t(catalogs, "en", "consent.confirm_yes"))
    assert catalogs.text("en", Msg("consent.storage_deleted", {"lines": Lines((
        Msg("consent.deleted_circles", {"count": 1}), Msg("consent.deleted_reassess"),
        Msg("consent.deleted_goals", {"count": 1})))})) in joined(calls)
    key = user_key(bot.services.secret, "tg", CLIENT)
    async with bot.services.store.transaction() as work:
        assert await work.goals.for_user(key) == []
    calls = await client.send("/goals")  # without (c) nothing can be kept, and they are told how to allow it
    assert t(catalogs, "en", "goals.not_kept") in joined(calls)
    card = await worker_opens_the_card(bot, catalogs)
    assert "Apply for three summer jobs" not in card


async def test_an_anonymous_persons_goals_are_kept_like_their_circles(
    bot: Bot, catalogs: Catalogs, instrument: Instrument, clock: Clock,
) -> None:
    """Until the anonymous retention: deleted with the person when they have not visited for that long."""
    person = await anonymous_circle(bot, catalogs, instrument)
    await person.send("/goals")
    await person.tap(t(catalogs, "en", "goals.new"))
    await person.tap(instrument.areas[0].name.get("en"))
    await person.send("Sleep before midnight")
    for _ in range(3):
        await person.tap(t(catalogs, "en", "goals.skip"))
    await person.tap(t(catalogs, "en", "goals.no_date"))
    key = user_key(bot.services.secret, "tg", ANONYMOUS)
    clock.advance(days=bot.services.settings.anonymous_retention_days - 1)
    await purge_idle(bot.services)
    async with bot.services.store.transaction() as work:
        assert len(await work.goals.for_user(key)) == 1
    clock.advance(days=2)
    await purge_idle(bot.services)
    async with bot.services.store.transaction() as work:
        assert await work.goals.for_user(key) == []
