"""Through the real Application (#12 §3–4): the responsible worker links the region's services to a client's
goal and unlinks them; the young person sees "places that can help with this" under the goal, the linked ones
first; after a new shared circle the worker is asked to follow up and records how it went, and the young person
answers the same from /goals; every answer is kept, in /mydata in words, and goes with withdrawing (c). A stale
button (a service unlinked meanwhile, storing withdrawn meanwhile) loses nothing and says so."""

from __future__ import annotations

import json

from bot.i18n import Catalogs
from bot.keys import user_key
from flows.core.messages import LocalText, Msg
from flows.esy.instrument import Instrument
from storage.ports import GoalRow
from tests.bot.esy.test_circle_picture import circle_with_wishes
from tests.bot.esy.test_goals import WISHED, client_writes_a_goal, question, worker_opens_the_card
from tests.bot.harness import Bot, TgUser, joined, said, sent_files
from tests.bot.identity.test_identity import CLIENT, WORKER, open_menu, t
from tests.bot.identity.test_rights import item_label, linked_client
from tests.bot.test_role_matrix import TG, seed
from tests.conftest import Clock

OHJAAMO_FI, OHJAAMO_EN = "Ohjaamo", "Ohjaamo (One-Stop Guidance Centre)"
ETSIVA_FI, ETSIVA_EN = "Etsivä nuorisotyö", "Outreach youth work (etsivä nuorisotyö)"


DUE_FI = "🔔 Nyt on hyvä hetki kertoa, miten meni."  # goal_services.due's own line


async def client_with_a_goal(bot: Bot, catalogs: Catalogs, instrument: Instrument) -> TgUser:
    client = await linked_client(bot, catalogs)
    await circle_with_wishes(client, catalogs, instrument, {WISHED: "A summer job"})
    await client.tap(t(catalogs, "en", "esy.share_yes"))
    await client_writes_a_goal(client, catalogs, instrument, "Apply for three summer jobs")
    return client


async def worker_opens_the_goal(bot: Bot, catalogs: Catalogs, instrument: Instrument) -> TgUser:
    """The responsible worker (in Finnish): the card, the client's goals, the goal of the wished-for area."""
    await worker_opens_the_card(bot, catalogs)
    worker = bot.user(WORKER, "fi")
    await worker.tap(t(catalogs, "fi", "clients.open_goals"))
    await worker.tap(catalogs.text("fi", Msg("review.open", {"area": instrument.areas[WISHED].name})))
    return worker


async def client_opens_the_goal(client: TgUser, catalogs: Catalogs, instrument: Instrument) -> str:
    await client.send("/goals")
    await client.tap(catalogs.text("en", Msg("goals.open", {"area": instrument.areas[WISHED].name})))
    return question(client)


def ask(catalogs: Catalogs, language: str, service: str) -> str:
    return catalogs.text(language, Msg("goal_services.ask", {"service": service}))


async def the_goal(bot: Bot) -> GoalRow:
    async with bot.services.store.transaction() as work:
        (goal,) = await work.goals.for_user(user_key(bot.services.secret, "tg", CLIENT))
    return goal


async def test_the_worker_links_services_and_both_sides_follow_them_up(
    bot: Bot, catalogs: Catalogs, instrument: Instrument, clock: Clock,
) -> None:
    client = await client_with_a_goal(bot, catalogs, instrument)
    worker = await worker_opens_the_goal(bot, catalogs, instrument)
    assert "Apply for three summer jobs" in question(worker)
    assert t(catalogs, "fi", "goal_services.none_linked") in question(worker)
    await worker.tap(t(catalogs, "fi", "goal_services.link"))
    offered = worker.labels()
    assert OHJAAMO_FI in offered and ETSIVA_FI in offered  # the region's services for the goal's area
    calls = await worker.tap(OHJAAMO_FI)
    assert catalogs.text("fi", Msg("goal_services.linked_now", {"service": OHJAAMO_FI, "nickname": "Kettu"})) \
        in joined(calls)
    await worker.tap(t(catalogs, "fi", "goal_services.link"))
    assert OHJAAMO_FI not in worker.labels()  # linked already: not offered twice
    await worker.tap(ETSIVA_FI)
    unlink = catalogs.text("fi", Msg("goal_services.unlink", {"service": ETSIVA_FI}))
    calls = await worker.tap(unlink)
    assert catalogs.text("fi", Msg("goal_services.unlinked", {"service": ETSIVA_FI})) in joined(calls)
    assert unlink not in worker.labels()
    assert DUE_FI not in question(worker)  # nothing to follow up yet

    # The young person: the linked service first, not followed up yet, then the area's other places.
    shown = await client_opens_the_goal(client, catalogs, instrument)
    assert catalogs.text("en", Msg("goal_services.places", {"lines": ""})).split("\n")[0] in shown
    linked = catalogs.text("en", Msg("goal_services.line_open", {"service": OHJAAMO_EN}))
    assert linked in shown and ETSIVA_EN in shown
    assert shown.index(linked) < shown.index(ETSIVA_EN)

    # A new circle, shared: the worker opening the goal is asked how it went, and records "not yet".
    clock.advance(days=90)
    await open_menu(client, catalogs)
    await circle_with_wishes(client, catalogs, instrument, {WISHED: "Still a summer job"})
    await client.tap(t(catalogs, "en", "esy.share_yes"))
    worker = await worker_opens_the_goal(bot, catalogs, instrument)
    assert DUE_FI in question(worker)
    await worker.tap(ask(catalogs, "fi", OHJAAMO_FI))
    assert question(worker) == catalogs.text("fi", Msg("goal_services.ask_reached_worker",
                                                       {"service": OHJAAMO_FI, "nickname": "Kettu"}))
    calls = await worker.tap(t(catalogs, "fi", "goal_services.reached_not_yet"))
    assert catalogs.text("fi", Msg("goal_services.saved", {"service": OHJAAMO_FI})) in joined(calls)
    assert DUE_FI not in question(worker)  # answered since the circle

    # The young person answers the same later: reached, and it helped somewhat.
    clock.advance(days=14)
    await client_opens_the_goal(client, catalogs, instrument)
    await client.tap(ask(catalogs, "en", OHJAAMO_EN))
    assert question(client) == catalogs.text("en", Msg("goal_services.ask_reached", {"service": OHJAAMO_EN}))
    await client.tap(t(catalogs, "en", "goal_services.reached_yes"))
    assert question(client) == catalogs.text("en", Msg("goal_services.ask_helped", {"service": OHJAAMO_EN}))
    calls = await client.tap(t(catalogs, "en", "goal_services.helped_somewhat"))
    assert catalogs.text("en", Msg("goal_services.saved", {"service": OHJAAMO_EN})) in joined(calls)
    assert t(catalogs, "en", "goal_services.helped_somewhat") in question(client)  # the answer in force, shown

    goal = await the_goal(bot)
    assert goal.id is not None
    async with bot.services.store.transaction() as work:
        (link,) = await work.goal_services.for_goal(goal.id)
        assert link.id is not None
        history = await work.goal_services.followups(link.id)
    assert link.service_id == "ohjaamo"
    assert [(row.reached, row.helped, row.answered_by) for row in history] == [
        ("not_yet", None, "worker"), ("yes", "somewhat", "young")]

    # /mydata: the link and every answer, in words and as data.
    files = sent_files(await client.send("/mydata"))
    (kept,) = json.loads(files["json"])["goals"][0]["services"]
    assert kept["service"] == "ohjaamo" and [row["reached"] for row in kept["followups"]] == ["not_yet", "yes"]
    readable = files["txt"].decode()
    assert OHJAAMO_EN in readable and t(catalogs, "en", "goal_services.helped_somewhat") in readable
    assert t(catalogs, "en", "mydata.action_goal_services") in readable  # the worker's changes, said

    # Withdrawing (c): the goal goes, and its services and their follow-ups with it.
    await client.send("/consent")
    await client.tap(item_label(catalogs, "consent.withdraw_item", "Saving things"))
    await client.tap(t(catalogs, "en", "consent.confirm_yes"))
    async with bot.services.store.transaction() as work:
        assert await work.goal_services.for_goal(goal.id) == []
        assert await work.goal_services.followups(link.id) == []


async def test_a_stale_follow_up_or_link_button_loses_nothing_and_says_why(
    bot: Bot, catalogs: Catalogs, instrument: Instrument,
) -> None:
    client = await client_with_a_goal(bot, catalogs, instrument)
    worker = await worker_opens_the_goal(bot, catalogs, instrument)
    await worker.tap(t(catalogs, "fi", "goal_services.link"))
    await worker.tap(OHJAAMO_FI)

    # The young person is asked about the service while the worker unlinks it: their answer finds it gone.
    await client_opens_the_goal(client, catalogs, instrument)
    await client.tap(ask(catalogs, "en", OHJAAMO_EN))
    await worker.tap(catalogs.text("fi", Msg("goal_services.unlink", {"service": OHJAAMO_FI})))
    calls = await client.tap(t(catalogs, "en", "goal_services.reached_yes"))
    assert said(catalogs, "goal_services.gone", joined(calls))
    assert "Apply for three summer jobs" in question(client)  # the goal as it is now
    assert ask(catalogs, "en", OHJAAMO_EN) not in client.labels()
    goal = await the_goal(bot)
    assert goal.id is not None
    async with bot.services.store.transaction() as work:
        assert await work.goal_services.for_goal(goal.id) == []

    # The worker has the goal open when the client withdraws (c): the next tap is refused, nothing is linked.
    await client.send("/consent")
    await client.tap(item_label(catalogs, "consent.withdraw_item", "Saving things"))
    await client.tap(t(catalogs, "en", "consent.confirm_yes"))
    calls = await worker.tap(t(catalogs, "fi", "goal_services.link"))
    assert said(catalogs, "error.not_available", joined(calls))
    async with bot.services.store.transaction() as work:
        assert await work.goal_services.for_goal(goal.id) == []
        assert await work.goals.for_user(user_key(bot.services.secret, "tg", CLIENT)) == []


async def test_only_the_responsible_worker_links_and_a_screen_left_open_after_losing_the_client_is_refused(
    bot: Bot, catalogs: Catalogs, clock: Clock,
) -> None:
    """The pair worker's card has no way to the plan; the unrelated worker never sees the client; the
    responsible worker who is no longer the client's (the pair took over) links nothing with an old screen."""
    world = await seed(bot, clock)
    async with bot.services.store.transaction() as work:
        await work.goals.add(GoalRow(world.keys["client"], "studywork", "Get a summer job", clock.now, clock.now,
                                     client_id=world.client_id))
    pair = bot.user(TG["pair"], "en")
    await pair.send("/clients")
    await pair.tap(catalogs.text("en", Msg("clients.item_linked", {"nickname": "client"})))
    assert t(catalogs, "en", "clients.open_goals") not in pair.labels()
    outsider = bot.user(TG["unrelated"], "en")
    assert t(catalogs, "en", "clients.none") in joined(await outsider.send("/clients"))

    worker = bot.user(TG["responsible"], "en")
    await worker.send("/clients")
    await worker.tap(catalogs.text("en", Msg("clients.item_linked", {"nickname": "client"})))
    await worker.tap(t(catalogs, "en", "clients.open_goals"))
    await worker.tap(catalogs.text("en", Msg("review.open", {"area": LocalText("Opiskelu ja työ", "Studier och arbete",
                                                                                "Study and work")})))
    await worker.tap(t(catalogs, "en", "goal_services.link"))
    async with bot.services.store.transaction() as work:  # the pair worker becomes the responsible one
        for row in await work.clients.pairs(world.client_id):
            row.responsible = not row.responsible
            await work.clients.set_pair(row)
    calls = await worker.tap(OHJAAMO_EN)
    assert said(catalogs, "error.not_available", joined(calls))
    async with bot.services.store.transaction() as work:
        (goal,) = await work.goals.for_client(world.client_id)
        assert goal.id is not None and await work.goal_services.for_goal(goal.id) == []


async def test_forget_deletes_the_links_and_their_follow_ups(
    bot: Bot, catalogs: Catalogs, instrument: Instrument,
) -> None:
    client = await client_with_a_goal(bot, catalogs, instrument)
    more = catalogs.text("en", Msg("goal_services.more", {"lines": ""})).strip()
    shown = await client_opens_the_goal(client, catalogs, instrument)
    assert OHJAAMO_EN in shown and more not in shown  # nothing linked: the area's places, no "other" heading
    worker = await worker_opens_the_goal(bot, catalogs, instrument)
    await worker.tap(t(catalogs, "fi", "goal_services.link"))
    await worker.tap(OHJAAMO_FI)
    await client.send("/goals")  # the goal looked at is shown as it is now
    shown = question(client)
    assert shown.index(OHJAAMO_EN) < shown.index(more)  # linked first, then the others
    await worker.tap(ask(catalogs, "fi", OHJAAMO_FI))
    await worker.tap(t(catalogs, "fi", "goal_services.reached_no"))
    goal = await the_goal(bot)
    assert goal.id is not None
    async with bot.services.store.transaction() as work:
        (link,) = await work.goal_services.for_goal(goal.id)
        assert link.id is not None and len(await work.goal_services.followups(link.id)) == 1
    await client.send("/forget")
    await client.tap(t(catalogs, "en", "forget.yes"))
    async with bot.services.store.transaction() as work:
        assert await work.goal_services.get(link.id) is None
        assert await work.goal_services.followups(link.id) == []
