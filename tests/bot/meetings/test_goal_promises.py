"""Through the real Application (#12 §2): a network meeting's promise can be for one of the young person's
goals. The worker recording a promise is asked (optionally) which goal it is for, the young person writing their
own during the meeting too; the meeting's overview and My promises show the goal under the promise, and the
goal's view (/goals, and the client's plan for the worker) shows the promises made for it, a done one marked
done. A bad date is answered once; a goal reached meanwhile is no longer offered, and its stale button links
nothing."""

from __future__ import annotations

from bot.i18n import Catalogs
from bot.keys import user_key
from flows.core.messages import Msg
from flows.esy.instrument import Instrument
from storage.ports import PromiseRow
from tests.bot.esy.test_goals import WISHED, client_writes_a_goal, question
from tests.bot.harness import Bot, TgUser, catalog_pattern, joined, sent_files
from tests.bot.identity.test_identity import CLIENT, WORKER, deliver, sent_texts, t
from tests.bot.identity.test_rights import linked_client
from tests.bot.meetings.test_meeting import open_meetings, plan
from tests.bot.meetings.test_preparation import en
from tests.conftest import Clock

GOAL = "Apply for three summer jobs"


def title(catalogs: Catalogs, instrument: Instrument, language: str) -> str:
    return catalogs.text(language, Msg("goals.title", {"area": instrument.areas[WISHED].name, "goal": GOAL}))


async def record_promise(worker: TgUser, catalogs: Catalogs, name: str, promise: str, due: str) -> None:
    await worker.tap(catalogs.text("fi", Msg("meeting.promise_by", {"name": name})))
    await worker.send(promise)
    await worker.send(due)


async def promises(bot: Bot) -> dict[str, PromiseRow]:
    async with bot.services.store.transaction() as work:
        client = await work.clients.by_user(user_key(bot.services.secret, "tg", CLIENT))
        assert client is not None and client.id is not None
        found = {}
        for meeting in await work.meetings.for_client(client.id):
            found.update({row.text: row for row in await work.meetings.promises(meeting.id or 0)})
    return found


async def test_promises_for_a_goal_are_asked_shown_and_seen_beside_the_goal(
    bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument,
) -> None:
    client = await linked_client(bot, catalogs)
    await client_writes_a_goal(client, catalogs, instrument, GOAL)
    worker = await open_meetings(bot, catalogs)
    await plan(worker, catalogs)
    await worker.tap(t(catalogs, "fi", "meeting.record"))
    await worker.tap(catalogs.text("fi", Msg("meeting.promise_by", {"name": "Kettu"})))
    await worker.send("Call Ohjaamo")
    calls = await worker.send("some day")  # not a date: said once, not once per way the answer could go
    assert len(catalog_pattern(catalogs, "meeting.bad_due", "fi").findall(joined(calls))) == 1
    await worker.send("4.12.")
    assert question(worker).endswith(catalogs.text("fi", Msg("goal_links.ask_worker",
                                                             {"nickname": "Kettu", "promise": "Call Ohjaamo"})))
    assert worker.labels() == [title(catalogs, instrument, "fi"), t(catalogs, "fi", "goal_links.no_goal")]
    calls = await worker.tap(title(catalogs, instrument, "fi"))
    assert catalogs.text("fi", Msg("goal_links.linked", {"goal": Msg("goals.title", {
        "area": instrument.areas[WISHED].name, "goal": GOAL})})) in joined(calls)
    assert "Call Ohjaamo (viimeistään" in question(worker) and f"🎯 {title(catalogs, instrument, 'fi')}" \
        in question(worker)  # the overview shows which goal the promise is for
    await record_promise(worker, catalogs, "Aino Virtanen", "Book a time at Kela", "1.12.")
    await worker.tap(t(catalogs, "fi", "goal_links.no_goal"))
    assert t(catalogs, "fi", "meeting.finish") in worker.labels()  # back on the record
    kept = await promises(bot)
    goal_id = kept["Call Ohjaamo"].goal_id
    assert goal_id is not None and kept["Book a time at Kela"].goal_id is None

    # During the meeting the young person writes their own promise, for the same goal.
    clock.now = clock.now.replace(day=27, hour=12, minute=10)  # 14:10 in Helsinki
    await client.send("/promises")
    await client.tap(en(catalogs, "promises.add"))
    await client.send("Send two applications")
    await client.send("30.11.")
    assert question(client).endswith(
        catalogs.text("en", Msg("goal_links.ask_client", {"promise": "Send two applications"})))
    await client.tap(title(catalogs, instrument, "en"))
    assert (await promises(bot))["Send two applications"].goal_id == goal_id

    # The record is finished; the young person marks their promise done in My promises, and sees it by the goal.
    worker = await open_meetings(bot, catalogs)
    await worker.tap(t(catalogs, "fi", "meeting.record"))
    await worker.tap(t(catalogs, "fi", "meeting.finish"))
    await worker.tap(t(catalogs, "fi", "meeting.set_next"))
    await worker.send("18.12. 14:00")
    await client.send("/promises")
    listed = question(client)
    assert "Send two applications (by" in listed and f"🎯 {title(catalogs, instrument, 'en')}" in listed
    await client.tap(en(catalogs, "promises.mark_done", number=1))  # by due date: hers, Kela's, Ohjaamo's
    await client.tap(en(catalogs, "promises.skip"))
    await client.send("/goals")
    await client.tap(catalogs.text("en", Msg("goals.open", {"area": instrument.areas[WISHED].name})))
    shown = question(client)
    assert "✅ Kettu: Send two applications" in shown and "▫️ Kettu: Call Ohjaamo" in shown
    assert "Book a time at Kela" not in shown  # not for this goal

    # The worker sees the same beside the goal in the client's plan.
    await worker.send("/clients")
    await worker.tap(catalogs.text("fi", Msg("clients.item_linked", {"nickname": "Kettu"})))
    await worker.tap(t(catalogs, "fi", "clients.open_goals"))
    await worker.tap(catalogs.text("fi", Msg("review.open", {"area": instrument.areas[WISHED].name})))
    assert "✅ Kettu: Send two applications" in question(worker)


async def test_a_goal_reached_meanwhile_is_not_offered_and_its_stale_button_links_nothing(
    bot: Bot, catalogs: Catalogs, instrument: Instrument,
) -> None:
    client = await linked_client(bot, catalogs)
    await client_writes_a_goal(client, catalogs, instrument, GOAL)
    worker = await open_meetings(bot, catalogs)
    await plan(worker, catalogs)
    await worker.tap(t(catalogs, "fi", "meeting.record"))
    await record_promise(worker, catalogs, "Kettu", "Call Ohjaamo", "4.12.")
    stale = title(catalogs, instrument, "fi")
    assert stale in worker.labels()
    await client.send("/goals")  # meanwhile the young person marks the goal reached
    await client.tap(catalogs.text("en", Msg("goals.open", {"area": instrument.areas[WISHED].name})))
    await client.tap(t(catalogs, "en", "goals.set_reached"))
    await worker.tap(stale)
    assert stale not in worker.labels() and t(catalogs, "fi", "goal_links.no_goal") in worker.labels()
    assert (await promises(bot))["Call Ohjaamo"].goal_id is None
    await worker.tap(t(catalogs, "fi", "goal_links.no_goal"))
    assert t(catalogs, "fi", "meeting.finish") in worker.labels()


async def test_mydata_says_which_goal_a_promise_is_for(
    bot: Bot, catalogs: Catalogs, instrument: Instrument,
) -> None:
    client = await linked_client(bot, catalogs)
    await client_writes_a_goal(client, catalogs, instrument, GOAL)
    worker = await open_meetings(bot, catalogs)
    await plan(worker, catalogs)
    await worker.tap(t(catalogs, "fi", "meeting.record"))
    await record_promise(worker, catalogs, "Kettu", "Call Ohjaamo", "4.12.")
    await worker.tap(title(catalogs, instrument, "fi"))
    readable = sent_files(await client.send("/mydata"))["txt"].decode()
    assert "Call Ohjaamo" in readable
    assert catalogs.text("en", Msg("mydata.promise_goal", {"goal": GOAL})) in readable


async def test_what_i_tell_about_my_goal_is_in_the_shared_draft_the_memo_and_mydata(
    bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument,
) -> None:
    client = await linked_client(bot, catalogs)
    calls = await client.send("/prepare")
    assert en(catalogs, "prep.title_goals") not in client.labels()  # no goals yet: not offered
    await client.tap(en(catalogs, "prep.done"))
    await client_writes_a_goal(client, catalogs, instrument, GOAL)
    await client.send("/prepare")
    await client.tap(en(catalogs, "prep.title_goals"))
    assert en(catalogs, "prep.goals_none") in question(client)
    await client.tap(en(catalogs, "prep.tell_goal", goal=Msg("goals.title", {
        "area": instrument.areas[WISHED].name, "goal": GOAL})))
    calls = await client.send("I have sent one already")
    assert en(catalogs, "prep.saved") in joined(calls)
    status = f"{t(catalogs, 'en', 'goals.status_going')} · {t(catalogs, 'en', 'goals.draft')}"
    line = f"• {title(catalogs, instrument, 'en')} ({status}): I have sent one already"
    assert line in question(client)
    assert en(catalogs, "prep.tell_goal", goal=Msg("goals.title", {
        "area": instrument.areas[WISHED].name, "goal": GOAL})) not in client.labels()  # picked once

    # The worker continues the same draft from the card and sees the goal there.
    worker = bot.user(WORKER, "fi")
    await worker.send("/clients")
    await worker.tap(catalogs.text("fi", Msg("clients.item_linked", {"nickname": "Kettu"})))
    await worker.tap(t(catalogs, "fi", "clients.prepare"))
    assert catalogs.text("fi", Msg("prep.line_goals", {"mark": "✅", "count": 1})) in question(worker)
    await worker.tap(t(catalogs, "fi", "prep.title_goals"))
    assert f"• {title(catalogs, instrument, 'fi')}" in question(worker) and "I have sent one already" in \
        question(worker)

    # The meeting's memo carries it: the young person's copy, the worker's, and the worker's document.
    worker = await open_meetings(bot, catalogs)
    await plan(worker, catalogs)
    clock.now = clock.now.replace(day=27, hour=13)
    await worker.tap(t(catalogs, "fi", "meeting.record"))
    await worker.tap(t(catalogs, "fi", "meeting.finish"))
    await worker.tap(t(catalogs, "fi", "meeting.set_next"))
    calls = await worker.send("18.12. 14:00")
    fi_status = f"{t(catalogs, 'fi', 'goals.status_going')} · {t(catalogs, 'fi', 'goals.draft')}"
    fi_line = f"• {title(catalogs, instrument, 'fi')} ({fi_status}): I have sent one already"
    assert fi_line in joined(calls)
    memo_text = next(c for c in calls if c.method == "sendDocument").files["document"].decode()
    assert catalogs.text("fi", Msg("memo.goals", {"lines": ""})).strip() in memo_text and fi_line in memo_text
    await deliver(bot)
    assert line in await sent_texts(bot, CLIENT)

    readable = sent_files(await client.send("/mydata"))["txt"].decode()
    assert catalogs.text("en", Msg("mydata.preparation_goal", {"goal": GOAL, "text": "I have sent one already"})) \
        in readable


async def test_a_goal_gone_while_its_words_are_written_is_not_added(
    bot: Bot, catalogs: Catalogs, instrument: Instrument,
) -> None:
    client = await linked_client(bot, catalogs)
    await client_writes_a_goal(client, catalogs, instrument, GOAL)
    await client.send("/prepare")
    await client.tap(en(catalogs, "prep.title_goals"))
    await client.tap(en(catalogs, "prep.tell_goal", goal=Msg("goals.title", {
        "area": instrument.areas[WISHED].name, "goal": GOAL})))
    async with bot.services.store.transaction() as work:  # deleted meanwhile, on another path
        await work.goals.delete_for_user(user_key(bot.services.secret, "tg", CLIENT))
    calls = await client.send("I have sent one already")
    assert en(catalogs, "prep.goal_gone") in joined(calls)
    assert en(catalogs, "prep.goals_none") in question(client)
    async with bot.services.store.transaction() as work:
        client_row = await work.clients.by_user(user_key(bot.services.secret, "tg", CLIENT))
        assert client_row is not None and client_row.id is not None
        draft = await work.preparations.get(client_row.id)
    assert draft is None or not draft.data.get("goal_notes")
