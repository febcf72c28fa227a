"""The worker's side through the real Application: shared circles, the client card, messages both ways,
invitations revoked, the export, and the access matrix (each role x each action)."""

from __future__ import annotations

import json
import re

import pytest

from bot.i18n import Catalogs
from bot.keys import user_key
from bot.ticker import purge_idle
from flows.core.messages import Msg
from flows.esy.instrument import Instrument
from storage.ports import StaffRow, UserRow
from tests.bot.harness import Bot, TgUser, joined, sent_files
from tests.bot.identity.test_identity import (
    CLIENT,
    CONSENT_ITEMS,
    COORDINATOR,
    STRANGER,
    WORKER,
    deliver,
    invite_client,
    open_menu,
    sent_texts,
    t,
)
from tests.bot.identity.test_rights import linked_client
from tests.conftest import Clock

OTHER_WORKER = 987654321005


async def finish_circle(client: TgUser, catalogs: Catalogs, instrument: Instrument) -> None:
    await client.tap(t(catalogs, "en", "menu.esy"))
    await client.tap(t(catalogs, "en", "esy.begin"))
    for area in instrument.areas:
        for _ in area.statements:
            await client.tap(instrument.scale[3].label.get("en"))
        await client.tap(t(catalogs, "en", "esy.skip_wish"))


async def test_shared_circle_card_messages_and_export(
    bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument,
) -> None:
    client = await linked_client(bot, catalogs)
    await finish_circle(client, catalogs, instrument)
    assert "Aino Virtanen" in str(client.last_question().params["text"])  # who would see it
    calls = await client.tap(t(catalogs, "en", "esy.share_yes"))
    assert t(catalogs, "en", "esy.shared") in joined(calls)
    await deliver(bot)
    assert catalogs.text("fi", Msg("notify.circle_shared", {"client": "Kettu"})) in await sent_texts(bot, WORKER)

    worker = bot.user(WORKER, "fi")
    await worker.send("/start")
    await worker.tap(t(catalogs, "fi", "menu.clients"))
    calls = await worker.tap(catalogs.text("fi", Msg("clients.item_linked", {"nickname": "Kettu"})))
    card = joined(calls)
    assert "Kettu" in card and "Aino Virtanen" in card
    calls = await worker.tap(t(catalogs, "fi", "clients.show_circles"))
    assert [c.method for c in calls].count("sendPhoto") == 1
    calls = await worker.tap(t(catalogs, "fi", "clients.export"))
    files = sent_files(calls)
    assert sorted(files) == ["json", "pdf", "txt"]
    exported = json.loads(files["json"])
    assert exported["client"] == "Kettu" and len(exported["shared_circles"]) == 1
    assert [row["answer"] for row in exported["consents"]] == ["yes"] * CONSENT_ITEMS
    # Worker -> client, in the client's own chat; client -> workers, in theirs.
    await worker.tap(t(catalogs, "fi", "clients.message"))
    await worker.send("Hei Kettu, nähdäänkö torstaina?")
    await deliver(bot)
    assert "Hei Kettu, nähdäänkö torstaina?" in await sent_texts(bot, CLIENT)
    await client.send("/write")
    await client.send("Torstai käy!")
    await deliver(bot)
    assert "Torstai käy!" in await sent_texts(bot, WORKER)
    async with bot.services.store.transaction() as work:
        actions = [row.action for row in await work.audit.recent(100)]
    for action in ("client.card.view", "client.circles.view", "client.export", "client.message",
                   "assessment.shared", "client.message_sent"):
        assert action in actions


async def test_an_invited_clients_codes_can_be_revoked_and_renewed(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    worker, payload = await invite_client(bot, catalogs)
    await worker.tap(t(catalogs, "fi", "menu.clients"))
    await worker.tap(catalogs.text("fi", Msg("clients.item_invited", {"nickname": "Kettu"})))
    calls = await worker.tap(t(catalogs, "fi", "clients.revoke"))
    assert t(catalogs, "fi", "clients.revoked") in joined(calls)
    calls = await bot.user(CLIENT, "en").send(f"/start {payload}")
    assert t(catalogs, "en", "invite.invalid") in joined(calls)
    calls = await worker.tap(t(catalogs, "fi", "clients.new_invitation"))
    assert "https://t.me/kaari_test_bot?start=" in joined(calls)


async def other_worker(bot: Bot) -> None:
    """A second worker in another organisation, not paired with the client."""
    key = user_key(bot.services.secret, "tg", OTHER_WORKER)
    now = bot.services.engine.clock()
    async with bot.services.store.transaction() as work:
        await work.users.save(UserRow(key, "fi", now, now))
        await work.staff.add(StaffRow("Pekka", "asumisneuvoja", "Asuntola", False, True, now, user_key=key))


# Each role x each action: the shortcut command, and whether the role may open it.
MATRIX = {
    "/circle": {"anonymous": True, "client": True, "worker": True, "coordinator": True},
    "/write": {"anonymous": False, "client": True, "worker": False, "coordinator": False},
    "/clients": {"anonymous": False, "client": False, "worker": True, "coordinator": False},
    "/newclient": {"anonymous": False, "client": False, "worker": True, "coordinator": False},
    "/newworker": {"anonymous": False, "client": False, "worker": False, "coordinator": True},
    "/audit": {"anonymous": False, "client": False, "worker": False, "coordinator": True},
    "/workers": {"anonymous": False, "client": False, "worker": False, "coordinator": True},
}
ROLES = {"anonymous": STRANGER, "client": CLIENT, "worker": WORKER, "coordinator": COORDINATOR}


@pytest.mark.parametrize("command", list(MATRIX))
async def test_access_matrix(
    bot: Bot, command: str, clock: Clock, catalogs: Catalogs,
) -> None:
    await linked_client(bot, catalogs)
    await open_menu(bot.user(STRANGER, "en"), catalogs)
    for role, telegram_id in ROLES.items():
        user = bot.user(telegram_id, "en" if role in ("anonymous", "client") else "fi")
        calls = await user.send(command)
        denied = t(catalogs, user.language, "error.not_available") in joined(calls)
        assert denied != MATRIX[command][role], (command, role, joined(calls))
    async with bot.services.store.transaction() as work:
        denials = [row for row in await work.audit.recent(200) if row.action.startswith("denied.")]
    assert len(denials) == sum(not allowed for allowed in MATRIX[command].values())


async def test_a_worker_outside_the_pair_sees_nothing_of_the_client(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    await linked_client(bot, catalogs)
    await other_worker(bot)
    outsider = bot.user(OTHER_WORKER, "fi")
    calls = await outsider.send("/clients")
    assert t(catalogs, "fi", "clients.none") in joined(calls)
    assert "Kettu" not in joined(calls)
    # A forged button for the client's id is not taken either.
    question = outsider.last_question()
    step = question.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"].split("|")[0]
    calls = await outsider.tap_data(f"{step}|1", question)
    assert "Kettu" not in joined(calls)
    async with bot.services.store.transaction() as work:
        assert not [row for row in await work.audit.recent(200) if row.action == "client.card.view"]
    # A client cannot reach another client's data: /mydata holds only their own.
    worker = bot.user(WORKER, "fi")
    await worker.send("/newclient")
    await worker.send("Susi")
    calls = await worker.tap(t(catalogs, "fi", "staff.no_pair"))  # Pekka is there to pair with
    code = re.search(r"start=([0-9A-Z]+)", joined(calls))
    assert code
    second = bot.user(STRANGER, "en")
    await second.send(f"/start {code.group(1)}")
    await second.tap(t(catalogs, "en", "invite.go_on"))
    for _ in range(CONSENT_ITEMS):
        await second.tap(t(catalogs, "en", "consent.yes"))
    for person, own, other in ((bot.user(CLIENT, "en"), "Kettu", "Susi"), (second, "Susi", "Kettu")):
        calls = await person.send("/mydata")
        files = sent_files(calls)
        data = json.loads(files["json"])
        assert data["client"]["nickname"] == own
        assert other.encode() not in files["txt"] + files["json"]


async def test_coordinator_reads_the_audit_log(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    await linked_client(bot, catalogs)
    calls = await bot.user(COORDINATOR, "fi").send("/audit")
    files = sent_files(calls)
    readable = files["txt"].decode()
    assert catalogs.text("fi", Msg("audit.event.client.linked")) in readable and "Kaisa" in readable
    assert "client.linked" in files["json"].decode() and "client.linked" not in readable
    assert "Kettu" not in readable, "the audit log holds ids and events, not content"


async def test_a_card_opened_before_the_client_joined_cannot_invite_someone_else(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    worker, payload = await invite_client(bot, catalogs)
    await worker.tap(t(catalogs, "fi", "menu.clients"))
    await worker.tap(catalogs.text("fi", Msg("clients.item_invited", {"nickname": "Kettu"})))
    stale_card = worker.last_question()
    client = bot.user(CLIENT, "en")
    await client.send(f"/start {payload}")
    await client.tap(t(catalogs, "en", "invite.go_on"))
    for _ in range(CONSENT_ITEMS):
        await client.tap(t(catalogs, "en", "consent.yes"))
    calls = await worker.tap(t(catalogs, "fi", "clients.new_invitation"), question=stale_card)
    # The card is read again before the tap is handled: the invitation option has gone, and the card says
    # the client has joined.
    assert t(catalogs, "fi", "error.stale") in joined(calls)
    assert t(catalogs, "fi", "clients.status_linked") in joined(calls)
    assert "https://t.me/" not in joined(calls)


async def test_when_the_client_ends_the_work_the_worker_sees_only_that(
    bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument,
) -> None:
    client = await linked_client(bot, catalogs)
    await finish_circle(client, catalogs, instrument)
    await client.tap(t(catalogs, "en", "esy.share_yes"))
    await client.send("/consent")
    await client.tap(catalogs.text("en", Msg("consent.withdraw_item", {"title": "Working together"})))
    await client.tap(t(catalogs, "en", "consent.confirm_yes"))
    worker = bot.user(WORKER, "fi")
    await worker.send("/clients")
    calls = await worker.tap(catalogs.text("fi", Msg("clients.item_ended", {"nickname": "Kettu"})))
    labels = worker.labels()
    assert t(catalogs, "fi", "clients.show_circles") not in labels
    assert t(catalogs, "fi", "clients.export") not in labels
    assert "Aino Virtanen" not in joined(calls)


async def test_a_client_who_declined_storage_keeps_no_circle_in_kaari(
    bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument,
) -> None:
    _, payload = await invite_client(bot, catalogs)
    client = bot.user(CLIENT, "en")
    await client.send(f"/start {payload}")
    await client.tap(t(catalogs, "en", "invite.go_on"))
    for answer in ("consent.yes", "consent.yes", "consent.no", "consent.yes", "consent.no"):  # (c) storage: no
        await client.tap(t(catalogs, "en", answer))
    await finish_circle(client, catalogs, instrument)
    assert any(c.method == "sendPhoto" for c in bot.api.sent(CLIENT)), "the circle is still shown"
    assert t(catalogs, "en", "esy.share_yes") not in client.labels()
    async with bot.services.store.transaction() as work:
        assert await work.assessments.for_user(user_key(bot.services.secret, "tg", CLIENT)) == []


async def test_withdrawing_storage_before_sharing_shares_nothing_and_breaks_nothing(
    bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument,
) -> None:
    client = await linked_client(bot, catalogs)
    await finish_circle(client, catalogs, instrument)
    share_question = client.last_question()
    await client.send("/consent")
    await client.tap(catalogs.text("en", Msg("consent.withdraw_item", {"title": "Saving things"})))
    await client.tap(t(catalogs, "en", "consent.confirm_yes"))
    await client.tap(t(catalogs, "en", "consent.close"))
    calls = await client.tap(t(catalogs, "en", "esy.share_yes"))
    assert t(catalogs, "en", "esy.share_gone") in joined(calls)
    calls = await client.tap(t(catalogs, "en", "esy.share_yes"), question=share_question)
    assert t(catalogs, "en", "error.stale") in joined(calls)
    async with bot.services.store.transaction() as work:
        client_row = await work.clients.by_user(user_key(bot.services.secret, "tg", CLIENT))
        assert client_row is not None and await work.shares.for_client(client_row.id or 0) == []


async def test_coordinator_removes_a_workers_access_and_renews_invitations(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    await linked_client(bot, catalogs)
    await other_worker(bot)
    coordinator = bot.user(COORDINATOR, "fi")
    await coordinator.send("/workers")
    await coordinator.tap(catalogs.text("fi", Msg("workers.item_linked", {"who": Msg("staff.label_short", {
        "name": "Aino Virtanen", "title": "sosiaaliohjaaja"})})))
    await coordinator.tap(t(catalogs, "fi", "workers.remove"))
    calls = await coordinator.tap(t(catalogs, "fi", "consent.confirm_yes"))
    assert catalogs.text("fi", Msg("workers.removed", {"name": "Aino Virtanen"})) in joined(calls)
    calls = await bot.user(WORKER, "fi").send("/clients")
    assert t(catalogs, "fi", "error.not_available") in joined(calls)
    async with bot.services.store.transaction() as work:
        assert await work.contacts.get(user_key(bot.services.secret, "tg", WORKER)) is None
        assert "staff.removed" in [row.action for row in await work.audit.recent(50)]


async def test_a_client_who_never_joined_is_deleted_after_the_retention_period(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    await invite_client(bot, catalogs)
    days = bot.services.settings.invitation_days + bot.services.settings.client_retention_days
    clock.advance(days=days - 1)
    await purge_idle(bot.services)
    worker = bot.user(WORKER, "fi")
    invited = catalogs.text("fi", Msg("clients.item_invited", {"nickname": "Kettu"}))
    await worker.send("/clients")
    assert invited in worker.labels()
    clock.advance(days=2)
    await purge_idle(bot.services)
    await worker.send("/clients")
    assert invited not in worker.labels()


async def test_without_consent_to_exchange_only_the_responsible_worker_sees_what_is_shared(
    bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument,
) -> None:
    from tests.bot.identity.test_identity import invite_worker

    payload = await invite_worker(bot, catalogs)
    await other_worker(bot)
    worker = bot.user(WORKER, "fi", "Aino")
    await worker.send(f"/start {payload}")
    await worker.tap(t(catalogs, "fi", "invite.accept"))
    await worker.tap(t(catalogs, "fi", "menu.new_client"))
    await worker.send("Kettu")
    calls = await worker.tap("Pekka, asumisneuvoja (Asuntola)")  # the pair, from another organisation
    code = re.search(r"start=([0-9A-Z]+)", joined(calls))
    assert code
    client = bot.user(CLIENT, "en")
    await client.send(f"/start {code.group(1)}")
    await client.tap(t(catalogs, "en", "invite.go_on"))
    for answer in ("consent.yes", "consent.no", "consent.yes", "consent.yes", "consent.no"):  # (b) exchange: no
        await client.tap(t(catalogs, "en", answer))
    await finish_circle(client, catalogs, instrument)
    await client.tap(t(catalogs, "en", "esy.share_yes"))
    async with bot.services.store.transaction() as work:
        pekka = [c for c in await work.outbox.for_recipient(user_key(bot.services.secret, "tg", OTHER_WORKER))
                 if c.kind == "notify" and "circle" in json.dumps(c.message)]
    assert pekka == [], "the pair outside the exchange is not told about the circle"
    other = bot.user(OTHER_WORKER, "fi")
    await other.send("/clients")
    calls = await other.tap(catalogs.text("fi", Msg("clients.item_linked", {"nickname": "Kettu"})))
    assert t(catalogs, "fi", "clients.limited") in joined(calls)
    assert t(catalogs, "fi", "clients.show_circles") not in other.labels()
    # Their export says why it has no circles, not that the client shared none.
    exported = sent_files(await other.tap(t(catalogs, "fi", "clients.export")))["txt"].decode()
    assert t(catalogs, "fi", "clients.limited") in exported and t(catalogs, "fi", "export.no_circles") not in exported
    await worker.send("/clients")
    await worker.tap(catalogs.text("fi", Msg("clients.item_linked", {"nickname": "Kettu"})))
    assert t(catalogs, "fi", "clients.show_circles") in worker.labels()
    await client.send("/write")  # nor do they get the client's messages (#9), though Pekka can be reached
    calls = await client.send("Only for Aino")
    assert t(catalogs, "en", "relay.sent") in joined(calls)
    await deliver(bot)
    assert "Only for Aino" in await sent_texts(bot, WORKER)
    assert "Only for Aino" not in await sent_texts(bot, OTHER_WORKER)
    assert await sent_texts(bot, OTHER_WORKER), "Pekka has a chat with the bot: he was left out on purpose"


async def test_the_responsible_worker_ends_the_work(bot: Bot, clock: Clock, catalogs: Catalogs) -> None:
    """The client is told (their chat id kept only until that is sent), unlinked, and their circles and
    preparation deleted; coming meetings are cancelled; the pair worker is told; the card shows the end."""
    client = await linked_client(bot, catalogs)
    key = user_key(bot.services.secret, "tg", CLIENT)
    await client.send("/prepare")
    await client.tap(catalogs.text("en", Msg("prep.title_works")))
    await client.send("Football")
    worker = bot.user(WORKER, "fi")
    await worker.send("/clients")
    await worker.tap(catalogs.text("fi", Msg("clients.item_linked", {"nickname": "Kettu"})))
    await worker.tap(t(catalogs, "fi", "clients.meeting"))
    await worker.tap(t(catalogs, "fi", "meeting.plan"))
    await worker.send("27.11. 14:00")
    await worker.tap(t(catalogs, "fi", "meeting.place_home"))
    await worker.send("Kotona")
    await worker.tap(t(catalogs, "fi", "meeting.back"))
    await worker.tap(t(catalogs, "fi", "clients.end_work"))
    calls = await worker.tap(t(catalogs, "fi", "clients.end_no"))
    assert t(catalogs, "fi", "clients.end_work") in worker.labels(), "nothing happened"
    await worker.tap(t(catalogs, "fi", "clients.end_work"))
    calls = await worker.tap(t(catalogs, "fi", "clients.end_yes"))
    assert catalogs.text("fi", Msg("clients.work_ended", {"nickname": "Kettu"})) in joined(calls)
    assert t(catalogs, "fi", "clients.status_ended") in joined(calls)
    await deliver(bot)
    assert catalogs.text("en", Msg("notify.work_ended_by_worker", {"worker": "Aino Virtanen"})) in (
        await sent_texts(bot, CLIENT))
    async with bot.services.store.transaction() as work:
        row = await work.clients.by_user(key)
        assert row is None, "unlinked"
        client_rows = [c for s in await work.staff.all() for c in await work.clients.for_staff(s.id or 0)]
        ended = next(c for c in client_rows if c.nickname == "Kettu")
        assert ended.ended_at == clock.now
        assert await work.preparations.get(ended.id or 0) is None
        assert [m.status for m in await work.meetings.for_client(ended.id or 0)] == ["cancelled"]
    await purge_idle(bot.services)
    async with bot.services.store.transaction() as work:
        assert await work.contacts.get(key) is None, "the chat id goes once the goodbye is sent"
    await client.send("/start")
    assert t(catalogs, "en", "menu.prepare") not in client.labels(), "no longer a client"
    calls = await client.send("/prepare")
    assert t(catalogs, "en", "error.not_available") in joined(calls)
