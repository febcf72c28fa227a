"""Preparing a network meeting through the real Application: the young person's own words, their people,
whom to invite, topics and "if I can't say it"; the responsible worker continues the same draft; consent (c)
decides whether it is stored at all, and /mydata, withdrawing consent and /forget treat it like the rest."""

from __future__ import annotations

import json

from bot.i18n import Catalogs
from bot.keys import user_key
from flows.core.messages import Msg
from flows.identity.consent_texts import load_consent_texts, title_of
from tests.bot.harness import Bot, TgUser, joined
from tests.bot.identity.test_identity import CLIENT, WORKER, deliver, sent_texts, t
from tests.bot.identity.test_rights import item_label, linked_client
from tests.conftest import Clock


def en(catalogs: Catalogs, key: str, **params: object) -> str:
    return catalogs.text("en", Msg(key, params))  # type: ignore[arg-type]


async def prepare_alone(client: TgUser, catalogs: Catalogs) -> None:
    await client.send("/start")
    await client.tap(en(catalogs, "menu.prepare"))
    await client.tap(en(catalogs, "prep.title_works"))
    await client.send("My sister and I go running on Sundays 🏃")
    await client.tap(en(catalogs, "prep.title_now"))
    await client.send("Rent is late and I sleep badly.")
    await client.tap(en(catalogs, "prep.title_better"))
    await client.send("I'd have a plan for the rent.")
    await client.tap(en(catalogs, "prep.title_people"))
    for name, relation, env, contact in (("Sanna", "sister", "prep.env_home", "040 123"),
                                         ("Mr Koski", "teacher", "prep.env_school_work", None)):
        await client.tap(en(catalogs, "prep.add_person"))
        await client.send(name)
        await client.send(relation)
        await client.tap(en(catalogs, env))
        if contact:
            await client.send(contact)
        else:
            await client.tap(en(catalogs, "prep.skip"))
    await client.tap(en(catalogs, "prep.back"))
    await client.tap(en(catalogs, "prep.title_invite"))
    await client.tap(en(catalogs, "prep.not_invited", name="Sanna"))
    await client.tap(en(catalogs, "prep.title_goal"))
    await client.send("I want to keep my flat.")
    await client.tap(en(catalogs, "prep.back"))
    await client.tap(en(catalogs, "prep.title_topics"))
    await client.tap(en(catalogs, "prep.add_topic"))
    await client.send("The rent")
    await client.tap(en(catalogs, "prep.back"))
    await client.tap(en(catalogs, "prep.title_stuck"))
    await client.tap(en(catalogs, "prep.stuck_say_for_me"))


async def test_a_young_person_prepares_and_the_worker_continues_the_same_draft(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    client = await linked_client(bot, catalogs)
    await prepare_alone(client, catalogs)
    hub = str(client.last_question().params["text"])
    assert hub.count("✅") == 7, hub
    calls = await client.tap(en(catalogs, "prep.show_course"))
    assert en(catalogs, "prep.course") in joined(calls)
    calls = await client.tap(en(catalogs, "prep.done"))
    assert en(catalogs, "prep.done_client") in joined(calls)
    await deliver(bot)
    assert catalogs.text("fi", Msg("notify.preparation_updated", {"client": "Kettu"})) in await sent_texts(
        bot, WORKER)

    # The responsible worker opens it from the client's card, reads it and adds a topic with the client.
    worker = bot.user(WORKER, "fi")
    await worker.send("/clients")
    await worker.tap(catalogs.text("fi", Msg("clients.item_linked", {"nickname": "Kettu"})))
    calls = await worker.tap(t(catalogs, "fi", "clients.prepare"))
    assert str(worker.last_question().params["text"]).count("✅") == 7
    await worker.tap(t(catalogs, "fi", "prep.title_now"))
    assert "Rent is late and I sleep badly." in str(worker.last_question().params["text"])
    await worker.tap(t(catalogs, "fi", "prep.keep"))
    await worker.tap(t(catalogs, "fi", "prep.title_topics"))
    await worker.tap(t(catalogs, "fi", "prep.add_topic"))
    await worker.send("Sleep")
    await worker.tap(t(catalogs, "fi", "prep.back"))
    calls = await worker.tap(t(catalogs, "fi", "prep.done"))
    # Back to the client's card, as it is now; not "welcome back": a card is looked at, nothing was in hand.
    assert t(catalogs, "fi", "flow.resume") not in joined(calls)
    assert t(catalogs, "fi", "clients.prepare") in worker.labels()

    # The young person sees the worker's topic.
    await client.send("/prepare")
    calls = await client.tap(en(catalogs, "prep.title_topics"))
    assert "1. The rent\n2. Sleep" in str(client.last_question().params["text"])

    # It is theirs: in /mydata, and gone when they withdraw storage.
    calls = await client.send("/mydata")
    documents = [c for c in calls if c.method == "sendDocument"]
    data = json.loads(documents[1].files["document"])
    assert data["client"]["meeting_preparation"]["goal_note"] == "I want to keep my flat."
    readable = documents[0].files["document"].decode()
    assert "Rent is late and I sleep badly." in readable and "Sanna (sister)" in readable
    async with bot.services.store.transaction() as work:
        audited = [row.action for row in await work.audit.recent(50)]
    assert "client.preparation.view" in audited


async def test_withdrawing_storage_deletes_the_draft_and_nothing_more_is_kept(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    client = await linked_client(bot, catalogs)
    await client.send("/prepare")
    await client.tap(en(catalogs, "prep.title_works"))
    await client.send("Music")
    key = user_key(bot.services.secret, "tg", CLIENT)
    async with bot.services.store.transaction() as work:
        me = await work.clients.by_user(key)
        assert me is not None and me.id is not None
        assert await work.preparations.get(me.id) is not None
    await client.send("/consent")
    await client.tap(item_label(catalogs, "consent.withdraw_item", "Saving things"))
    await client.tap(t(catalogs, "en", "consent.confirm_yes"))
    async with bot.services.store.transaction() as work:
        assert await work.preparations.get(me.id) is None
    calls = await client.send("/prepare")
    assert en(catalogs, "prep.needs_storage", title=title_of(load_consent_texts(), "storage")) in joined(calls)
    async with bot.services.store.transaction() as work:
        assert await work.preparations.get(me.id) is None


async def test_bad_input_in_the_preparation(bot: Bot, clock: Clock, catalogs: Catalogs) -> None:
    client = await linked_client(bot, catalogs)
    await client.send("/prepare")
    calls = await client.send("hello?")
    assert en(catalogs, "error.use_buttons") in joined(calls)
    await client.tap(en(catalogs, "prep.title_works"))
    calls = await client.send("x" * 1001)
    assert en(catalogs, "error.too_long", max=1000, length=1001) in joined(calls)
    await client.send("/hours")  # a command in the middle comes back here
    assert en(catalogs, "prep.back") in client.labels()
    await client.send("Walking the dog 🐕")
    calls = await client.send_sticker()
    assert en(catalogs, "error.unsupported") in joined(calls)
    assert str(client.last_question().params["text"]).count("✅") == 1


async def test_a_tap_on_a_list_the_other_side_changed_never_hits_someone_else(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    """#9: buttons carry ids, not positions. The worker removes Sanna and a topic while the young person looks
    at the lists: their taps still mean who and what they showed, and a tap on what is gone is refused with the
    fresh list."""
    client = await linked_client(bot, catalogs)
    await prepare_alone(client, catalogs)  # Sanna (invited) and Mr Koski; the topic "The rent"
    await client.tap(en(catalogs, "prep.title_people"))
    await client.tap(en(catalogs, "prep.add_person"))
    for answer in ("Mummo", "grandmother"):
        await client.send(answer)
    await client.tap(en(catalogs, "prep.env_home"))
    await client.tap(en(catalogs, "prep.skip"))
    await client.tap(en(catalogs, "prep.back"))
    await client.tap(en(catalogs, "prep.title_topics"))
    for topic in ("Sleep", "Money"):
        await client.tap(en(catalogs, "prep.add_topic"))
        await client.send(topic)
    topics = client.last_question()
    worker = bot.user(WORKER, "fi")
    await worker.send("/clients")
    await worker.tap(catalogs.text("fi", Msg("clients.item_linked", {"nickname": "Kettu"})))
    await worker.tap(t(catalogs, "fi", "clients.prepare"))
    await worker.tap(t(catalogs, "fi", "prep.title_topics"))
    await worker.tap(catalogs.text("fi", Msg("prep.remove_topic", {"number": 1})))  # The rent
    calls = await client.tap(en(catalogs, "prep.remove_topic", number=2), question=topics)  # Sleep, as it showed
    listing = str(client.last_question().params["text"])
    assert listing.endswith("\n\n1. Money"), "Sleep went, not Money"
    assert en(catalogs, "prep.topic_removed", topic="Sleep") in listing
    await client.tap(en(catalogs, "prep.back"))
    await client.tap(en(catalogs, "prep.title_invite"))
    invite = client.last_question()
    await worker.tap(t(catalogs, "fi", "prep.back"))
    await worker.tap(t(catalogs, "fi", "prep.title_people"))
    await worker.tap(catalogs.text("fi", Msg("prep.remove", {"what": "Sanna"})))
    await client.tap(en(catalogs, "prep.not_invited", name="Mr Koski"), question=invite)
    labels = client.labels()
    assert en(catalogs, "prep.invited", name="Mr Koski") in labels
    assert en(catalogs, "prep.not_invited", name="Mummo") in labels, "Mummo was not invited behind their back"
    calls = await client.tap(en(catalogs, "prep.invited", name="Sanna"), question=invite)  # she is gone
    assert en(catalogs, "error.stale") in joined(calls)
    assert not [label for label in client.labels() if "Sanna" in label]
    async with bot.services.store.transaction() as work:
        me = await work.clients.by_user(user_key(bot.services.secret, "tg", CLIENT))
        draft = await work.preparations.get(me.id if me and me.id else 0)
    assert draft is not None and draft.data["topics"] == ["Money"]
    assert [(p["name"], p["invite"]) for p in draft.data["people"]] == [("Mr Koski", True), ("Mummo", False)]


async def test_a_removed_topic_or_person_can_be_put_back(bot: Bot, clock: Clock, catalogs: Catalogs) -> None:
    """Topics are numbered in full, their buttons only carry the number; what was removed can be put back in
    its place until the person leaves the list (a stale button: see the test above)."""
    client = await linked_client(bot, catalogs)
    await client.send("/prepare")
    await client.tap(en(catalogs, "prep.title_topics"))
    for topic in ("My rent is late and the landlord keeps calling me", "Sleep", "Money"):
        await client.tap(en(catalogs, "prep.add_topic"))
        await client.send(topic)
    listing = str(client.last_question().params["text"])
    assert "1. My rent is late and the landlord keeps calling me" in listing and "3. Money" in listing
    assert not [label for label in client.labels() if "landlord" in label], "no topic text cut into a button"
    calls = await client.tap(en(catalogs, "prep.remove_topic", number=2))
    assert en(catalogs, "prep.topic_removed", topic="Sleep") in joined(calls)
    assert "2. Money" in str(client.last_question().params["text"])
    calls = await client.tap(en(catalogs, "prep.undo_topic"))
    assert en(catalogs, "prep.restored", what="Sleep") in joined(calls)
    assert "2. Sleep\n3. Money" in str(client.last_question().params["text"]), "back in its place"
    assert en(catalogs, "prep.undo_topic") not in client.labels()

    await client.tap(en(catalogs, "prep.remove_topic", number=3))
    await client.tap(en(catalogs, "prep.back"))
    await client.tap(en(catalogs, "prep.title_topics"))
    assert en(catalogs, "prep.undo_topic") not in client.labels(), "put back only right after, on the same list"

    await client.tap(en(catalogs, "prep.back"))
    await client.tap(en(catalogs, "prep.title_people"))
    await client.tap(en(catalogs, "prep.add_person"))
    for answer in ("Sanna", "sister"):
        await client.send(answer)
    await client.tap(en(catalogs, "prep.env_home"))
    await client.tap(en(catalogs, "prep.skip"))
    await client.tap(en(catalogs, "prep.remove", what="Sanna"))
    calls = await client.tap(en(catalogs, "prep.undo_person", name="Sanna"))
    assert en(catalogs, "prep.restored", what="Sanna") in joined(calls)
    assert en(catalogs, "prep.remove", what="Sanna") in client.labels()
