"""Identity through the real Application: a coordinator invites a worker, the worker invites a client, the
client consents (or not); codes are single use, expire and resist guessing; no raw Telegram id is stored."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.admin import add_coordinator
from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.keys import user_key
from bot.telegram_app import pusher
from bot.ticker import deliver_all, purge_idle
from flows.core.messages import Msg
from flows.esy.instrument import Instrument
from flows.identity.consent_texts import load_consent_texts
from tests.bot.harness import Bot, TgUser, bot_settings, joined, start_bot
from tests.bot.rows import table as table_rows
from tests.bot.rows import tables
from tests.conftest import Clock

COORDINATOR, WORKER, CLIENT, STRANGER = 987654321001, 987654321002, 987654321003, 987654321004
NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}
# How many consent items a new client is asked (the default file's), one tap each.
CONSENT_ITEMS = len(load_consent_texts())
LINK = re.compile(r"https://t\.me/kaari_test_bot\?start=([0-9A-Z]+)")


def t(catalogs: Catalogs, language: str, key: str) -> str:
    return catalogs.text(language, Msg(key))


async def open_menu(user: TgUser, catalogs: Catalogs) -> None:
    """Start; a first-timer picks the language, someone already known lands in the menu."""
    await user.send("/start")
    if NAMES[user.language] in user.labels():
        await user.tap(NAMES[user.language])


async def invite_worker(bot: Bot, catalogs: Catalogs) -> str:
    """The coordinator adds Aino and gets her one-time code; returns the deep-link payload."""
    await add_coordinator(bot.services, telegram_id=COORDINATOR, console_user=None, name="Kaisa",
                          title="koordinaattori", organisation="Oulunkaari", also_worker=False)
    coordinator = bot.user(COORDINATOR, "fi", "Kaisa")
    await open_menu(coordinator, catalogs)
    await coordinator.tap(t(catalogs, "fi", "menu.new_worker"))
    await coordinator.send("Aino Virtanen")
    await coordinator.send("sosiaaliohjaaja")
    calls = await coordinator.tap(t(catalogs, "fi", "staff.role_worker"))
    found = LINK.search(joined(calls))
    assert found, joined(calls)
    return found.group(1)


async def invite_client(bot: Bot, catalogs: Catalogs) -> tuple[TgUser, str]:
    payload = await invite_worker(bot, catalogs)
    worker = bot.user(WORKER, "fi", "Aino")
    calls = await worker.send(f"/start {payload}")
    assert "Aino Virtanen, sosiaaliohjaaja (Oulunkaari)" in joined(calls)
    calls = await worker.tap(t(catalogs, "fi", "invite.accept"))
    assert t(catalogs, "fi", "menu.new_client") in worker.labels()
    await worker.tap(t(catalogs, "fi", "menu.new_client"))
    calls = await worker.send("Kettu")
    found = LINK.search(joined(calls))
    assert found, joined(calls)
    code = re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", joined(calls))
    assert code and code.group(0).replace("-", "") == found.group(1)
    return worker, found.group(1)


async def sent_texts(bot: Bot, chat_id: int) -> str:
    return "\n".join(str(c.params.get("text", "")) for c in bot.api.sent(chat_id))


async def deliver(bot: Bot) -> int:
    """Send what is due in the outbox, as the ticker does."""
    push, link = pusher(bot.application)
    return await deliver_all(bot.services, push, link)


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
async def test_invitation_consent_and_link(
    bot: Bot, language: str, clock: Clock, catalogs: Catalogs,
) -> None:
    _, payload = await invite_client(bot, catalogs)
    client = bot.user(CLIENT, language, "Kettu")
    calls = await client.send(f"/start {payload}")
    assert t(catalogs, language, "welcome.first") in joined(calls)
    assert "Aino Virtanen, sosiaaliohjaaja (Oulunkaari)" in joined(calls)
    key = user_key(bot.services.secret, "tg", CLIENT)
    async with bot.services.store.transaction() as work:
        assert await work.clients.by_user(key) is None, "nothing is linked before consent"
    await client.tap(t(catalogs, language, "invite.go_on"))
    for number in range(1, CONSENT_ITEMS + 1):
        assert f"{number}/{CONSENT_ITEMS}" in str(client.last_question().params["text"])
        calls = await client.tap(t(catalogs, language, "consent.yes"))
    assert t(catalogs, language, "invite.client_welcome") in joined(calls)
    async with bot.services.store.transaction() as work:
        linked = await work.clients.by_user(key)
        assert linked is not None and linked.nickname == "Kettu" and linked.linked_at == clock.now
        consents = await work.consents.for_client(linked.id or 0)
        assert [(c.item, c.version, c.answer, c.channel) for c in consents] == [
            (item.id, item.version, "yes", "tg") for item in load_consent_texts()]
        contact = await work.contacts.get(key)
        assert contact is not None and str(CLIENT) not in contact.sealed_chat
        assert bot.services.sealer.open(contact.sealed_chat) == CLIENT
    # The worker is told, in the worker's own language, through the outbox.
    assert await deliver(bot) == 1
    assert catalogs.text("fi", Msg("notify.client_joined", {"client": "Kettu"})) in await sent_texts(bot, WORKER)
    assert await deliver(bot) == 0, "an outbox row is sent once"
    # The same code does not work twice, and says nothing about why.
    calls = await bot.user(STRANGER, language).send(f"/start {payload}")
    assert t(catalogs, language, "invite.invalid") in joined(calls)


async def test_declining_links_nothing_and_tells_the_worker_only_that(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    _, payload = await invite_client(bot, catalogs)
    client = bot.user(CLIENT, "en", "Kettu")
    await client.send(f"/start {payload}")
    await client.tap(t(catalogs, "en", "invite.go_on"))
    # Saying no to working together ends the questions: the rest would not be used.
    calls = await client.tap(t(catalogs, "en", "consent.no_required"))
    assert t(catalogs, "en", "invite.client_declined") in joined(calls)
    async with bot.services.store.transaction() as work:
        assert await work.clients.by_user(user_key(bot.services.secret, "tg", CLIENT)) is None
        assert await work.contacts.get(user_key(bot.services.secret, "tg", CLIENT)) is None
    await deliver(bot)
    told = await sent_texts(bot, WORKER)
    assert catalogs.text("fi", Msg("notify.client_declined", {"client": "Kettu"})) in told
    # The record of the declined invitation is kept only for the stated period.
    clock.advance(days=bot.services.settings.client_retention_days + 1)
    await purge_idle(bot.services)
    async with bot.services.store.transaction() as work:
        staff = await work.staff.by_user(user_key(bot.services.secret, "tg", WORKER))
        assert staff is not None and await work.clients.for_staff(staff.id or 0) == []


async def test_codes_expire_and_guessing_is_locked_out(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    _, payload = await invite_client(bot, catalogs)
    guesser = bot.user(STRANGER, "en")
    for guess in range(5):
        calls = await guesser.send(f"/start WRONGCODE{guess}")
        assert t(catalogs, "en", "invite.invalid") in joined(calls)
    calls = await guesser.send(f"/start {payload}")  # even the right code, while locked out
    assert catalogs.text("en", Msg("invite.locked", {"minutes": 10})) in joined(calls)
    async with bot.services.store.transaction() as work:
        audit = [row.action for row in await work.audit.recent(50)]
    assert audit.count("invitation.wrong_code") == 5 and "invitation.locked" in audit
    clock.advance(days=8)  # the lock is long over, but so is the code
    calls = await guesser.send(f"/start {payload}")
    assert t(catalogs, "en", "invite.invalid") in joined(calls)


async def test_typing_the_code_works_like_the_link(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    _, payload = await invite_client(bot, catalogs)
    client = bot.user(CLIENT, "en")
    await open_menu(client, catalogs)
    await client.tap(t(catalogs, "en", "menu.code"))
    calls = await client.send("nope")
    assert t(catalogs, "en", "invite.invalid") in joined(calls)
    typed = f"{payload[:4].lower()} {payload[4:8]}-{payload[8:]}"  # as read from paper
    calls = await client.send(typed)
    assert "Aino Virtanen" in joined(calls)


async def test_start_with_a_code_takes_the_same_forms_as_typing_it(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    """`/start m717 98bv 4wn0`: spaces, lower case and look-alike letters, as at "I have a code"."""
    _, payload = await invite_client(bot, catalogs)
    parts = [payload[i:i + 4] for i in range(0, len(payload), 4)]
    typed = " ".join(parts).lower().replace("0", "o").replace("1", "l")  # as read from paper
    client = bot.user(CLIENT, "en")
    calls = await client.send(f"/start {typed}")
    assert "Aino Virtanen" in joined(calls) and t(catalogs, "en", "invite.invalid") not in joined(calls)
    async with bot.services.store.transaction() as work:
        assert "invitation.wrong_code" not in [row.action for row in await work.audit.recent(50)]


async def test_staff_tools_are_not_offered_to_others(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    anonymous = bot.user(STRANGER, "en")
    await open_menu(anonymous, catalogs)
    labels = anonymous.labels()
    assert t(catalogs, "en", "menu.new_client") not in labels
    assert t(catalogs, "en", "menu.new_worker") not in labels
    # A forged button for a staff flow is not taken.
    menu = anonymous.last_question()
    step = menu.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"].split("|")[0]
    calls = await anonymous.tap_data(f"{step}|new_worker", menu)
    assert t(catalogs, "en", "error.stale") in joined(calls)


async def test_no_raw_telegram_id_is_stored_anywhere(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, instrument: Instrument,
) -> None:
    db_path = tmp_path / "k.sqlite3"
    bot = await start_bot(bot_settings(db_path), clock, catalogs, drawer)
    try:
        _, payload = await invite_client(bot, catalogs)
        client = bot.user(CLIENT, "en")
        await client.send(f"/start {payload}")
        await client.tap(t(catalogs, "en", "invite.go_on"))
        for _ in range(CONSENT_ITEMS):
            await client.tap(t(catalogs, "en", "consent.yes"))
        anonymous = bot.user(STRANGER, "en")
        await open_menu(anonymous, catalogs)
        await anonymous.tap(t(catalogs, "en", "menu.esy"))
        await anonymous.tap(t(catalogs, "en", "esy.begin"))
        for area in instrument.areas:
            for _ in area.statements:
                await anonymous.tap(instrument.scale[2].label.get("en"))
            await anonymous.send("wish")
        await deliver(bot)
        ids = [COORDINATOR, WORKER, CLIENT, STRANGER]
        for table in tables(db_path):  # every table, on either backend
            for row in table_rows(db_path, table):
                for value in row.values():
                    for raw in ids:
                        assert value != raw and str(raw) not in str(value), (table, row)
        for path in (db_path, db_path.with_name(db_path.name + "-wal")):
            if path.exists():
                data = path.read_bytes()
                for raw in ids:
                    assert str(raw).encode() not in data, path
                    for size in (6, 8):  # SQLite stores an integer like these in 6 bytes, big-endian
                        assert raw.to_bytes(size, "big") not in data, (path, size)
                        assert raw.to_bytes(size, "little") not in data, (path, size)
    finally:
        await bot.stop()


async def test_a_code_links_only_one_person_even_when_two_open_it(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    _, payload = await invite_client(bot, catalogs)
    first, second = bot.user(CLIENT, "en"), bot.user(STRANGER, "en")
    for person in (first, second):
        await person.send(f"/start {payload}")
        await person.tap(t(catalogs, "en", "invite.go_on"))
    for person in (first, second):
        for _ in range(CONSENT_ITEMS):
            calls = await person.tap(t(catalogs, "en", "consent.yes"))
    assert t(catalogs, "en", "invite.gone") in joined(calls)
    async with bot.services.store.transaction() as work:
        assert await work.clients.by_user(user_key(bot.services.secret, "tg", CLIENT)) is not None
        assert await work.clients.by_user(user_key(bot.services.secret, "tg", STRANGER)) is None


async def test_a_code_revoked_while_the_client_answers_links_nothing(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    worker, payload = await invite_client(bot, catalogs)
    client = bot.user(CLIENT, "en")
    await client.send(f"/start {payload}")
    await client.tap(t(catalogs, "en", "invite.go_on"))
    await worker.tap(t(catalogs, "fi", "menu.clients"))
    await worker.tap(catalogs.text("fi", Msg("clients.item_invited", {"nickname": "Kettu"})))
    await worker.tap(t(catalogs, "fi", "clients.revoke"))
    for _ in range(CONSENT_ITEMS):
        calls = await client.tap(t(catalogs, "en", "consent.yes"))
    assert t(catalogs, "en", "invite.gone") in joined(calls)
    async with bot.services.store.transaction() as work:
        assert await work.clients.by_user(user_key(bot.services.secret, "tg", CLIENT)) is None


async def test_forget_does_not_lift_the_wrong_code_lockout(bot: Bot, clock: Clock, catalogs: Catalogs) -> None:
    _, payload = await invite_client(bot, catalogs)
    guesser = bot.user(STRANGER, "en")
    for guess in range(5):
        await guesser.send(f"/start WRONGCODE{guess}")
    await guesser.send("/forget")
    calls = await guesser.tap(t(catalogs, "en", "forget.yes"))
    assert t(catalogs, "en", "forget.done") in joined(calls)
    calls = await guesser.send(f"/start {payload}")
    assert catalogs.text("en", Msg("invite.locked", {"minutes": 10})) in joined(calls), "still locked"
    clock.advance(minutes=11)
    calls = await guesser.send(f"/start {payload}")
    assert "Aino Virtanen" in joined(calls), "the window has passed"


async def test_many_wrong_codes_from_everyone_pause_codes_and_tell_the_coordinators_once(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    bot = await start_bot(bot_settings(tmp_path / "k.sqlite3", code_guess_limit=4, code_guess_minutes=5),
                          clock, catalogs, drawer)
    try:
        _, payload = await invite_client(bot, catalogs)
        for number in range(4):  # four people, one wrong code each: nobody is locked out alone
            calls = await bot.user(STRANGER + number, "en").send(f"/start WRONGCODE{number}")
            assert t(catalogs, "en", "invite.invalid") in joined(calls)
        paused = catalogs.text("en", Msg("invite.paused", {"minutes": 5}))
        calls = await bot.user(CLIENT, "en").send(f"/start {payload}")
        assert paused in joined(calls), "even the right code waits, so guessing learns nothing"
        calls = await bot.user(STRANGER + 10, "en").send("/start WRONGCODE")
        assert paused in joined(calls)
        await deliver(bot)
        told = catalogs.text("fi", Msg("notify.codes_paused", {"minutes": 5}))
        assert (await sent_texts(bot, COORDINATOR)).count(told) == 1
        assert told not in await sent_texts(bot, WORKER), "coordinators only"
        clock.advance(minutes=6)
        calls = await bot.user(CLIENT, "en").send(f"/start {payload}")
        assert "Aino Virtanen" in joined(calls), "the pause ends with the window"
    finally:
        await bot.stop()
