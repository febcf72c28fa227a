"""The person's rights through the real Application: /consent (withdraw and give, a changed text asks
again), /mydata (text and JSON, with who looked), /forget (no row left), and retention of the anonymous."""

from __future__ import annotations

import io
import json
from pathlib import Path

from pypdf import PdfReader

from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.keys import user_key
from bot.ticker import purge_idle
from flows.core.messages import Lines, Msg, Number, dump_msg
from storage.ports import AssessmentRow, AuditRow, OutboxRow
from tests.bot.harness import Bot, TgUser, bot_settings, catalog_pattern, joined, said, sent_files, start_bot
from tests.bot.identity.test_identity import (
    CLIENT,
    CONSENT_ITEMS,
    STRANGER,
    WORKER,
    deliver,
    invite_client,
    open_menu,
    sent_texts,
    t,
)
from tests.bot.rows import dead_rows, rows_mentioning
from tests.conftest import Clock


async def linked_client(bot: Bot, catalogs: Catalogs, language: str = "en") -> TgUser:
    _, payload = await invite_client(bot, catalogs)
    client = bot.user(CLIENT, language, "Kettu")
    await client.send(f"/start {payload}")
    await client.tap(t(catalogs, language, "invite.go_on"))
    for _ in range(CONSENT_ITEMS):
        await client.tap(t(catalogs, language, "consent.yes"))
    await deliver(bot)
    return client


def item_label(catalogs: Catalogs, key: str, title: str) -> str:
    return catalogs.text("en", Msg(key, {"title": title}))


async def add_circle(bot: Bot, key: str, clock: Clock) -> None:
    async with bot.services.store.transaction() as work:
        await work.assessments.add(AssessmentRow(key, "kaari-esy-default", 1, clock.now, {"a": 3},
                                                 {"rhythm": 3.0}, {"rhythm": "sleep more"}))


async def test_consent_overview_withdraw_and_give_again(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    client = await linked_client(bot, catalogs)
    key = user_key(bot.services.secret, "tg", CLIENT)
    await add_circle(bot, key, clock)
    calls = await client.send("/consent")
    assert item_label(catalogs, "consent.status_yes", "Reminders") in joined(calls)
    calls = await client.tap(item_label(catalogs, "consent.withdraw_item", "Reminders"))
    assert item_label(catalogs, "consent.status_withdrawn", "Reminders") in joined(calls)
    calls = await client.tap(item_label(catalogs, "consent.give_item", "Reminders"))
    assert item_label(catalogs, "consent.status_yes", "Reminders") in joined(calls)
    # Withdrawing storage asks first, then deletes the circles.
    await client.tap(item_label(catalogs, "consent.withdraw_item", "Saving things"))
    calls = await client.tap(t(catalogs, "en", "consent.confirm_yes"))
    assert catalogs.text("en", Msg("consent.storage_deleted", {
        "lines": Lines((Msg("consent.deleted_circles", {"count": 1}),))})) in joined(calls)
    async with bot.services.store.transaction() as work:
        assert await work.assessments.for_user(key) == []
        client_row = await work.clients.by_user(key)
        assert client_row is not None
        answers = [(row.item, row.answer) for row in await work.consents.for_client(client_row.id or 0)][CONSENT_ITEMS:]
    assert answers == [("reminders", "withdrawn"), ("reminders", "yes"), ("storage", "withdrawn")]
    # Withdrawing the work ends the link and the workers' access; the workers are told.
    await client.tap(item_label(catalogs, "consent.withdraw_item", "Working together"))
    calls = await client.tap(t(catalogs, "en", "consent.confirm_yes"))
    assert t(catalogs, "en", "consent.work_ended") in joined(calls)
    async with bot.services.store.transaction() as work:
        assert await work.clients.by_user(key) is None
        assert await work.contacts.get(key) is None
    await deliver(bot)
    assert catalogs.text("fi", Msg("notify.client_ended", {"client": "Kettu"})) in await sent_texts(bot, WORKER)
    calls = await client.send("/consent")
    assert t(catalogs, "en", "consent.none") in joined(calls)


async def test_consent_in_the_middle_of_the_circle_returns_to_it(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    client = await linked_client(bot, catalogs)
    await client.tap(t(catalogs, "en", "menu.esy"))
    await client.tap(t(catalogs, "en", "esy.begin"))
    question = str(client.last_question().params["text"])
    await client.send("/consent")
    calls = await client.tap(t(catalogs, "en", "consent.close"))
    assert t(catalogs, "en", "flow.resume") in joined(calls)
    assert str(client.last_question().params["text"]).endswith(question)


def bumped_consent_texts(folder: Path) -> Path:
    """The shipped consent texts with a new version of the reminders text."""
    shipped = Path(__file__).resolve().parents[3] / "flows" / "identity" / "consent.toml"
    changed = folder / "consent.toml"
    text = shipped.read_text(encoding="utf-8")
    changed.write_text(text.replace('id = "reminders"\nversion = 1', 'id = "reminders"\nversion = 2'),
                       encoding="utf-8")
    return changed


async def test_a_changed_consent_text_asks_again_at_the_next_visit(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    settings = bot_settings(tmp_path / "k.sqlite3")
    bot = await start_bot(settings, clock, catalogs, drawer)
    await linked_client(bot, catalogs)
    await bot.stop()
    changed = bumped_consent_texts(tmp_path)
    bot = await start_bot(bot_settings(tmp_path / "k.sqlite3", consent_texts=changed), clock, catalogs, drawer)
    try:
        client = bot.user(CLIENT, "en")
        calls = await client.send("hello")
        assert said(catalogs, "consent.changed", joined(calls)) and "Reminders" in joined(calls)
        calls = await client.tap(t(catalogs, "en", "consent.yes"))
        assert t(catalogs, "en", "menu.prompt") in joined(calls)
        async with bot.services.store.transaction() as work:
            row = await work.clients.by_user(user_key(bot.services.secret, "tg", CLIENT))
            assert row is not None
            last = (await work.consents.for_client(row.id or 0))[-1]
        assert (last.item, last.version, last.answer) == ("reminders", 2, "yes")
        calls = await client.send("/start")
        assert not said(catalogs, "consent.changed", joined(calls)), "asked once"
    finally:
        await bot.stop()


async def test_mydata_sends_everything_including_who_looked(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    await linked_client(bot, catalogs)
    key = user_key(bot.services.secret, "tg", CLIENT)
    await add_circle(bot, key, clock)
    async with bot.services.store.transaction() as work:
        client_row = await work.clients.by_user(key)
        worker = await work.staff.by_user(user_key(bot.services.secret, "tg", WORKER))
        assert client_row is not None and worker is not None
        await work.audit.add(AuditRow(clock.now, f"staff:{worker.id}", "client.card.view",
                                      f"client:{client_row.id}"))
    calls = await bot.user(CLIENT, "en").send("/mydata")
    documents = [c for c in calls if c.method == "sendDocument"]
    assert [d.params.get("caption") for d in documents] == [t(catalogs, "en", "mydata.caption"), None, None]
    files = sent_files(calls)
    readable = files["txt"].decode()
    data = json.loads(files["json"])
    # Who looked, in words: "Aino Virtanen looked at your card", and the worker who added them, never an event id.
    assert "Kettu" in readable and f"Aino Virtanen {t(catalogs, 'en', 'mydata.action_card')}" in readable
    assert f"Aino Virtanen {t(catalogs, 'en', 'mydata.action_created')}" in readable
    assert "client.created" not in readable
    # Their circle under the area's name, the wish under it; nothing in progress while they rest in the menu.
    area = catalogs.text("en", Msg("document.area_line", {"area": "Daily rhythm and sleep", "score": Number(3.0)}))
    wish = catalogs.text("en", Msg("document.wish", {"wish": "sleep more"}))
    assert f"{area}\n  {wish}\n" in readable
    assert t(catalogs, "en", "mydata.in_progress") not in readable
    pdf = PdfReader(io.BytesIO(files["pdf"]))
    assert area.removeprefix("• ") in "".join(page.extract_text() for page in pdf.pages)
    assert sum(len(page.images) for page in pdf.pages) == 1
    consent_lines = catalog_pattern(catalogs, "mydata.consent_line", "en").findall(readable)
    answers = [(item, answer) for _, item, answer, _ in consent_lines]
    assert ("Reminders", t(catalogs, "en", "mydata.answer_yes")) in answers
    assert "client.card.view" not in readable
    assert data["client"]["nickname"] == "Kettu"
    assert data["client"]["consents_in_force"] == {"work": "yes", "exchange": "yes", "storage": "yes",
                                                   "reminders": "yes", "effect": "yes"}
    assert data["client"]["viewed_by"][0]["who"] == "Aino Virtanen"
    assert data["assessments"][0]["wishes"] == {"rhythm": "sleep more"}
    assert str(CLIENT) not in readable + json.dumps(data)


async def test_forget_leaves_no_row_behind_and_tells_the_workers(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    db_path = tmp_path / "k.sqlite3"
    bot = await start_bot(bot_settings(db_path), clock, catalogs, drawer)
    try:
        client = await linked_client(bot, catalogs)
        key = user_key(bot.services.secret, "tg", CLIENT)
        await add_circle(bot, key, clock)
        calls = await client.send("/forget")
        assert t(catalogs, "en", "forget.confirm_client") in joined(calls)
        calls = await client.tap(t(catalogs, "en", "forget.yes"))
        assert joined(calls) == t(catalogs, "en", "forget.done")
        await deliver(bot)
        assert catalogs.text("fi", Msg("notify.client_left", {"client": "Kettu"})) in await sent_texts(bot, WORKER)
        assert rows_mentioning(db_path, key) == []
        assert [table for table, _ in rows_mentioning(db_path, "Kettu")] == []
        # Writing again starts from scratch.
        calls = await client.send("/start")
        assert t(catalogs, "en", "welcome.first") in joined(calls)
    finally:
        await bot.stop()


async def test_forget_as_an_anonymous_person_and_changing_ones_mind(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    db_path = tmp_path / "k.sqlite3"
    bot = await start_bot(bot_settings(db_path), clock, catalogs, drawer)
    try:
        person = bot.user(STRANGER, "sv")
        await open_menu(person, catalogs)
        key = user_key(bot.services.secret, "tg", STRANGER)
        await add_circle(bot, key, clock)
        await person.send("/forget")
        calls = await person.tap(t(catalogs, "sv", "forget.no"))
        assert t(catalogs, "sv", "forget.kept") in joined(calls)
        assert rows_mentioning(db_path, key)
        await person.send("/forget")
        await person.tap(t(catalogs, "sv", "forget.yes"))
        assert rows_mentioning(db_path, key) == []
    finally:
        await bot.stop()


async def test_anonymous_people_are_deleted_after_the_retention_period(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    db_path = tmp_path / "k.sqlite3"
    bot = await start_bot(bot_settings(db_path), clock, catalogs, drawer)
    try:
        await linked_client(bot, catalogs)
        await open_menu(bot.user(STRANGER, "fi"), catalogs)
        clock.advance(days=bot.services.settings.anonymous_retention_days - 1)
        assert await purge_idle(bot.services) == 0
        clock.advance(days=2)
        assert await purge_idle(bot.services) == 1
        assert rows_mentioning(db_path, user_key(bot.services.secret, "tg", STRANGER)) == []
        for kept in (CLIENT, WORKER):
            assert rows_mentioning(db_path, user_key(bot.services.secret, "tg", kept))
        # When the work ends, the client's record is kept for the stated period, then deleted.
        client = bot.user(CLIENT, "en")
        await client.send("/consent")
        await client.tap(item_label(catalogs, "consent.withdraw_item", "Working together"))
        await client.tap(t(catalogs, "en", "consent.confirm_yes"))
        await deliver(bot)  # the ticker tells the workers; what it sent is not kept
        clock.advance(days=bot.services.settings.client_retention_days - 1)
        await purge_idle(bot.services)
        assert rows_mentioning(db_path, "Kettu")
        clock.advance(days=2)
        await purge_idle(bot.services)
        assert [table for table, _ in rows_mentioning(db_path, "Kettu")] == []
    finally:
        await bot.stop()


async def test_forget_is_never_held_up_and_leaves_nothing_in_the_files(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    db_path = tmp_path / "k.sqlite3"
    bot = await start_bot(bot_settings(db_path), clock, catalogs, drawer)
    client = await linked_client(bot, catalogs)
    key = user_key(bot.services.secret, "tg", CLIENT)
    await client.tap(t(catalogs, "en", "menu.esy"))
    await client.tap(t(catalogs, "en", "esy.begin"))
    held = {name for name, _ in rows_mentioning(db_path, key)}
    await bot.stop()
    # A consent text changed: the next visit would ask again, but /forget comes first.
    bot = await start_bot(bot_settings(db_path, consent_texts=bumped_consent_texts(tmp_path)), clock, catalogs,
                          drawer)
    try:
        client = bot.user(CLIENT, "en")
        calls = await client.send("/forget")
        assert t(catalogs, "en", "forget.confirm_client") in joined(calls)
        await client.tap(t(catalogs, "en", "forget.yes"))
        for path in (db_path, db_path.with_name(db_path.name + "-wal")):
            if path.exists():
                assert key.encode() not in path.read_bytes(), path  # not even in free pages or the log
        # On PostgreSQL: every table that held them was vacuumed (tests/bot/rows.py says what that does not do).
        assert held and dead_rows(db_path, held) == {}
        # Only the workers' notice that Kettu left still names them, until it is sent.
        assert [table for table, _ in rows_mentioning(db_path, "Kettu")] == ["outbox"]
        await deliver(bot)
        assert rows_mentioning(db_path, "Kettu") == []
    finally:
        await bot.stop()


async def test_a_changed_text_is_not_asked_again_from_someone_who_said_no(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    settings = bot_settings(tmp_path / "k.sqlite3")
    bot = await start_bot(settings, clock, catalogs, drawer)
    client = await linked_client(bot, catalogs)
    await client.send("/consent")
    await client.tap(item_label(catalogs, "consent.withdraw_item", "Reminders"))
    await bot.stop()
    bot = await start_bot(bot_settings(tmp_path / "k.sqlite3", consent_texts=bumped_consent_texts(tmp_path)),
                          clock, catalogs, drawer)
    try:
        calls = await bot.user(CLIENT, "en").send("/start")
        assert not said(catalogs, "consent.changed", joined(calls))
    finally:
        await bot.stop()


async def test_withdrawing_reminders_stops_reminder_pushes_but_not_messages(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    client = await linked_client(bot, catalogs)
    key = user_key(bot.services.secret, "tg", CLIENT)

    async def queue(kind: str, text: str) -> None:
        async with bot.services.store.transaction() as work:
            message = dump_msg(Msg("relay.from_worker", {"worker": "Aino", "text": text}))
            await work.outbox.add(OutboxRow(key, kind, message, clock.now))

    await queue("reminder", "muistutus 1")
    assert await deliver(bot) == 1
    await client.send("/consent")
    await client.tap(item_label(catalogs, "consent.withdraw_item", "Reminders"))
    await queue("reminder", "muistutus 2")
    await queue("worker_message", "tavallinen viesti")
    assert await deliver(bot) == 1
    received = await sent_texts(bot, CLIENT)
    assert "muistutus 1" in received and "tavallinen viesti" in received
    assert "muistutus 2" not in received
