"""Titles in the reader's language and the work pair (#10), through the real Application: a staff member with
no title of their own is shown with their role's name in each reader's language, an own title is kept as
written, and a young person whose pair has an expert by experience is told in one sentence what that means."""

from __future__ import annotations

import re

from bot.admin import add_coordinator
from bot.i18n import Catalogs
from flows.core.messages import Msg
from tests.bot.harness import Bot, TgUser, joined, said
from tests.bot.identity.test_identity import CONSENT_ITEMS, COORDINATOR, LINK, deliver, open_menu, sent_texts, t

EXPERT_ID, PRO_ID, CLIENT_ID = 987654321201, 987654321202, 987654321203


def role(catalogs: Catalogs, language: str, key: str) -> str:
    return catalogs.text(language, Msg(key))


async def add_worker(bot: Bot, catalogs: Catalogs, coordinator: TgUser, name: str, title: str | None,
                     role_key: str, user_id: int) -> TgUser:
    """The coordinator adds a worker (``title`` None: they skip it) who then links their account."""
    await open_menu(coordinator, catalogs)
    await coordinator.tap(t(catalogs, "fi", "menu.new_worker"))
    await coordinator.send(name)
    if title is None:
        await coordinator.tap(t(catalogs, "fi", "staff.no_title"))
    else:
        await coordinator.send(title)
    calls = await coordinator.tap(t(catalogs, "fi", role_key))
    found = LINK.search(joined(calls))
    assert found, joined(calls)
    worker = bot.user(user_id, "fi", name)
    await worker.send(f"/start {found.group(1)}")
    await worker.tap(t(catalogs, "fi", "invite.accept"))
    return worker


async def client_code(worker: TgUser, catalogs: Catalogs, pair_label: str | None) -> str:
    """The worker adds Kettu, with ``pair_label``'s worker as the pair (None: no pair); returns the code."""
    await worker.send("/start")
    await worker.tap(t(catalogs, "fi", "menu.new_client"))
    calls = await worker.send("Kettu")
    if pair_label is not None:
        calls = await worker.tap(pair_label)
    elif not LINK.search(joined(calls)):  # other workers to choose from: none of them
        calls = await worker.tap(t(catalogs, "fi", "staff.no_pair"))
    found = LINK.search(joined(calls))
    assert found, joined(calls)
    return found.group(1)


async def test_a_default_title_is_shown_in_the_readers_language_and_an_own_title_as_written(
    bot: Bot, catalogs: Catalogs,
) -> None:
    # No --title: the coordinator has no title of their own.
    await add_coordinator(bot.services, telegram_id=COORDINATOR, console_user=None, name="Kaisa", title="",
                          organisation="Demo", also_worker=True)
    coordinator = bot.user(COORDINATOR, "fi", "Kaisa")
    pro = await add_worker(bot, catalogs, coordinator, "Aino", "sosiaaliohjaaja", "staff.role_worker", PRO_ID)
    # Aino pairs Kettu with Kaisa: the button names Kaisa with the Finnish default, not "coordinator".
    kaisa_fi = catalogs.text("fi", Msg("staff.label", {
        "name": "Kaisa", "title": Msg("staff.title_coordinator"), "organisation": "Demo"}))
    payload = await client_code(pro, catalogs, kaisa_fi)
    for number, language in enumerate(("sv", "fi", "en")):
        client = bot.user(CLIENT_ID + number, language, "Kettu")  # three people opening the same code
        calls = await client.send(f"/start {payload}")
        text = joined(calls)
        assert f"Kaisa, {role(catalogs, language, 'staff.title_coordinator')} (Demo)" in text, text
        # Aino's own title stays as written, in every language.
        assert "Aino, sosiaaliohjaaja (Demo)" in text
        assert not said(catalogs, "staff.expert_explained", text), "no expert by experience in this pair"
        await client.send("/cancel")
    assert role(catalogs, "sv", "staff.title_coordinator") != role(catalogs, "en", "staff.title_coordinator")


async def test_the_young_person_is_told_what_an_expert_by_experience_is_when_one_is_in_their_pair(
    bot: Bot, catalogs: Catalogs,
) -> None:
    await add_coordinator(bot.services, telegram_id=COORDINATOR, console_user=None, name="Kaisa",
                          title="koordinaattori", organisation="Demo", also_worker=False)
    coordinator = bot.user(COORDINATOR, "fi", "Kaisa")
    pro = await add_worker(bot, catalogs, coordinator, "Aino", "sosiaaliohjaaja", "staff.role_worker", PRO_ID)
    await add_worker(bot, catalogs, coordinator, "Janne", None, "staff.role_expert", EXPERT_ID)
    janne_fi = catalogs.text("fi", Msg("staff.label", {
        "name": "Janne", "title": Msg("staff.title_expert"), "organisation": "Demo"}))
    payload = await client_code(pro, catalogs, janne_fi)
    client = bot.user(CLIENT_ID, "sv", "Kettu")
    calls = await client.send(f"/start {payload}")
    text = joined(calls)
    assert f"Janne, {role(catalogs, 'sv', 'staff.title_expert')} (Demo)" in text, text
    assert said(catalogs, "staff.expert_explained", text, ("sv",)), text
    # ... once: the consent that follows names the pair without saying it again.
    calls = await client.tap(t(catalogs, "sv", "invite.go_on"))
    assert not said(catalogs, "staff.expert_explained", joined(calls))
    for _ in range(CONSENT_ITEMS):
        await client.tap(t(catalogs, "sv", "consent.yes"))
    # /mydata says it too, beside the workers.
    calls = await client.send("/mydata")
    mydata = next(c.files["document"].decode() for c in calls if c.method == "sendDocument")
    assert said(catalogs, "staff.expert_explained", mydata, ("sv",)), mydata
    assert f"Janne, {role(catalogs, 'sv', 'staff.title_expert')} (Demo)" in mydata


async def test_a_coordinator_marks_an_existing_worker_as_an_expert_by_experience(
    bot: Bot, catalogs: Catalogs,
) -> None:
    await add_coordinator(bot.services, telegram_id=COORDINATOR, console_user=None, name="Kaisa",
                          title="", organisation="Demo", also_worker=False)
    coordinator = bot.user(COORDINATOR, "fi", "Kaisa")
    janne = await add_worker(bot, catalogs, coordinator, "Janne", None, "staff.role_worker", EXPERT_ID)
    payload = await client_code(janne, catalogs, None)
    client = bot.user(CLIENT_ID, "en", "Kettu")
    await client.send(f"/start {payload}")
    await client.tap(t(catalogs, "en", "invite.go_on"))
    for _ in range(CONSENT_ITEMS):
        await client.tap(t(catalogs, "en", "consent.yes"))
    await deliver(bot)
    await coordinator.send("/workers")
    listed = catalogs.text("fi", Msg("workers.item_linked", {"who": Msg("staff.label_short", {
        "name": "Janne", "title": Msg("staff.title_worker")})}))
    await coordinator.tap(listed)
    calls = await coordinator.tap(t(catalogs, "fi", "workers.mark_expert"))
    assert catalogs.text("fi", Msg("workers.expert_marked", {"name": "Janne"})) in joined(calls)
    # Without a title of their own, the card now names the role in the reader's language.
    assert re.search(rf"Janne, {role(catalogs, 'fi', 'staff.title_expert')} \(Demo\)", joined(calls))
    assert t(catalogs, "fi", "workers.unmark_expert") in coordinator.labels()
    async with bot.services.store.transaction() as work:
        [marked] = [row for row in await work.staff.all() if row.name == "Janne"]
        assert marked.expert and marked.is_worker and marked.title == ""
        assert "staff.expert_marked" in [row.action for row in await work.audit.recent(20)]
    # Janne's client is told what that means.
    await deliver(bot)
    told = await sent_texts(bot, CLIENT_ID)
    assert catalogs.text("en", Msg("notify.worker_is_expert", {
        "worker": "Janne", "explained": Msg("staff.expert_explained")})) in told, told
    await coordinator.tap(t(catalogs, "fi", "workers.unmark_expert"))
    async with bot.services.store.transaction() as work:
        [unmarked] = [row for row in await work.staff.all() if row.name == "Janne"]
        assert not unmarked.expert


async def test_a_staff_members_first_visit_is_welcomed_not_greeted_again(bot: Bot, catalogs: Catalogs) -> None:
    await add_coordinator(bot.services, telegram_id=COORDINATOR, console_user=None, name="Kaisa", title="",
                          organisation="Demo", also_worker=False)
    coordinator = bot.user(COORDINATOR, "fi", "Kaisa")
    calls = await coordinator.send("/start")
    assert catalogs.text("fi", Msg("welcome.staff_first", {"name": "Kaisa"})) in joined(calls)
    assert t(catalogs, "fi", "welcome.back") not in joined(calls)
    assert t(catalogs, "fi", "menu.new_worker") in coordinator.labels()
    calls = await coordinator.send("/start")
    assert t(catalogs, "fi", "welcome.back") in joined(calls), "the second visit is a visit again"
    assert not said(catalogs, "welcome.staff_first", joined(calls))
